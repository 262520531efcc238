// `init`: checks the TLS files, derives the node id from the certificate's
// CN, creates the data folder (0700, files in it 0600), the replica and
// client.json.
#include <sys/stat.h>

#include <filesystem>
#include <iostream>

#include "client/commands.hpp"
#include "client/output.hpp"
#include "shared/private_files.hpp"
#include "sync/net/net.hpp"

namespace liaison::client {

namespace fs = std::filesystem;

namespace {

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  return fs::absolute(path, ec).lexically_normal().string();
}

}  // namespace

int cmd_init(Invocation& in) {
  auto& args = in.args;
  auto hub_text = args.required("hub");
  auto ca = args.required("ca");
  auto cert = args.required("cert");
  auto key = args.required("key");
  const std::string crl = args.option("crl").value_or("");
  const bool force = args.flag("force");
  for (auto* r : {&hub_text, &ca, &cert, &key})
    if (!*r) return usage_error(r->error().message + " for init");
  std::vector<std::string> words;
  if (auto bad = take_words(args, words, 0, 0, "init --data DIR --hub HOST:PORT --ca CA.pem --cert NODE.pem --key NODE.key"))
    return *bad;
  auto hub = parse_hub_address(*hub_text);
  if (!hub) return usage_error(hub.error().message);

  const std::string dir = absolute_path(in.data_dir);
  sync::net::TlsFiles tls{absolute_path(*ca), absolute_path(*cert), absolute_path(*key),
                          crl.empty() ? std::string() : absolute_path(crl)};
  auto node = sync::net::check_tls_files(tls);
  if (!node) return fail(node.error(), "nothing was written; check the files given with --ca, --cert and --key");

  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return fail(dir + " exists and is not a folder", "give --data a folder for this node's data");
  if (fs::exists(config_path(dir), ec) && !force) {
    auto existing = load_config(dir);
    const std::string whose = existing ? " (node " + existing->node + ", hub " + existing->hub + ")" : "";
    return fail(config_path(dir) + " already exists" + whose,
                "nothing was changed; use another --data folder, or add --force to replace the configuration");
  }
  if (auto st = make_private_folder(dir); !st) return fail(st.error());

  {
    sync::ReplicaOptions options;
    options.path = replica_path(dir);
    options.self = *node;
    auto replica = sync::Replica::open(std::move(options));
    if (!replica) return fail("create replica " + replica_path(dir) + ": " + replica.error().message,
                              "nothing else was written; check the folder");
  }
  ClientConfig config;
  config.node = node->str();
  config.hub = hub->str();
  config.ca = tls.ca;
  config.cert = tls.cert;
  config.key = tls.key;
  config.crl = tls.crl;
  if (auto st = save_config(dir, config); !st) return fail(st.error());

  if (in.json) {
    print_line(cli::json_object({{"node", cli::json_quote(config.node)},
                                 {"hub", cli::json_quote(config.hub)},
                                 {"data", cli::json_quote(dir)},
                                 {"config", cli::json_quote(config_path(dir))},
                                 {"replica", cli::json_quote(replica_path(dir))}}));
  } else {
    print_line("initialised " + dir + " for " + config.node + " (hub " + config.hub + ")");
    print_line("next: 'liaison-client --data " + dir + " sync' to fetch this office's cases");
  }
  return kExitOk;
}

}  // namespace liaison::client
