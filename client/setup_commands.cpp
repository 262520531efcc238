// `init`: checks the TLS files, derives the node id from the certificate's
// CN, creates the data folder (0700, files in it 0600), the replica and
// client.json.
#include <filesystem>

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

// The hub to trust: `hub_id`, and its key when its certificate is given
// (checked against the CA); without it the key is pinned at the first sync.
Result<sync::net::CertificateIdentity> hub_pin(const std::string& hub_id, const std::string& hub_cert,
                                               const std::string& ca) {
  auto expected = NodeId::parse(hub_id);
  if (!expected || !expected->is_city())
    return make_error(Errc::invalid_argument, "--hub-id '" + hub_id + "' is not a city node id such as city:hub");
  if (hub_cert.empty()) return sync::net::CertificateIdentity{*expected, ""};
  auto identity = sync::net::read_certificate_identity(hub_cert, ca);
  if (!identity) return identity.error();
  if (!(identity->node == *expected))
    return make_error(Errc::invalid_argument, "hub certificate " + hub_cert + " is for " + identity->node.str() +
                                                  ", not " + expected->str() + " (--hub-id)");
  return identity;
}

}  // namespace

// Pins a new key for the hub (after the city office renewed the hub's
// certificate with a new key): the certificate is checked against the CA.
Outcome cmd_pin_hub(Invocation& in) {
  auto cert = in.args.required("hub-cert");
  if (!cert) return make_error(Errc::usage, cert.error().message + " for pin-hub");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "pin-hub --hub-cert HUB.pem"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto pin = hub_pin(context->config.hub_node, absolute_path(*cert), context->config.ca);
  if (!pin) return advised(pin.error(), "the pinned key was not changed");
  const std::string before = context->config.hub_key;
  context->config.hub_key = pin->key_sha256;
  LIAISON_TRY(save_config(context->data_dir, context->config));
  cli::Report report{
      cli::json_object({{"hub_node", cli::json_quote(pin->node.str())}, {"hub_key", cli::json_quote(pin->key_sha256)}}),
      {}};
  return report.line("pinned " + pin->node.str() + " key " + pin->key_sha256 +
                     (before.empty() ? "" : " (was " + before + ")"));
}

Outcome cmd_init(Invocation& in) {
  auto& args = in.args;
  auto hub_text = args.required("hub");
  auto ca = args.required("ca");
  auto cert = args.required("cert");
  auto key = args.required("key");
  const std::string crl = args.option("crl").value_or("");
  const std::string hub_id = args.option("hub-id").value_or("city:hub");
  const auto hub_cert = args.option("hub-cert");
  const bool force = args.flag("force");
  for (auto* r : {&hub_text, &ca, &cert, &key})
    if (!*r) return make_error(Errc::usage, r->error().message + " for init");
  std::vector<std::string> words;
  LIAISON_TRY(
      take_words(args, words, 0, 0, "init --data DIR --hub HOST:PORT --ca CA.pem --cert NODE.pem --key NODE.key"));
  auto hub = parse_hub_address(*hub_text);
  if (!hub) return make_error(Errc::usage, hub.error().message);

  const std::string dir = absolute_path(in.data_dir);
  sync::net::TlsFiles tls{absolute_path(*ca), absolute_path(*cert), absolute_path(*key),
                          crl.empty() ? std::string() : absolute_path(crl)};
  auto node = sync::net::check_tls_files(tls);
  if (!node) return advised(node.error(), "nothing was written; check the files given with --ca, --cert and --key");
  auto pin = hub_pin(hub_id, hub_cert ? absolute_path(*hub_cert) : std::string(), tls.ca);
  if (!pin) return advised(pin.error(), "nothing was written");
  std::optional<sync::net::LoadedCrl> revocations;
  if (!tls.crl.empty()) {
    auto loaded = sync::net::load_crl(tls);
    if (!loaded) return advised(loaded.error(), "nothing was written; give the CA's crl.pem with --crl");
    revocations = std::move(*loaded);
  }

  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    return advised(Errc::invalid_argument, dir + " exists and is not a folder",
                   "give --data a folder for this node's data");
  if (fs::exists(config_path(dir), ec) && !force) {
    auto existing = load_config(dir);
    const std::string whose = existing ? " (node " + existing->node + ", hub " + existing->hub + ")" : "";
    return advised(Errc::invalid_argument, config_path(dir) + " already exists" + whose,
                   "nothing was changed; use another --data folder, or add --force to replace the configuration");
  }
  LIAISON_TRY(make_private_folder(dir));

  {
    sync::ReplicaOptions options;
    options.path = replica_path(dir);
    options.self = *node;
    auto replica = sync::Replica::open(std::move(options));
    if (!replica)
      return advised(replica.error().code, "create replica " + replica_path(dir) + ": " + replica.error().message,
                     "nothing else was written; check the folder");
  }
  // Kept in the data folder, where each sync puts the hub's newer ones.
  if (revocations) {
    LIAISON_TRY(write_private_file(crl_path(dir), revocations->pem));
  } else {
    // A list kept from before (init --force, perhaps for another CA) would
    // be preferred to the hub's and could keep this node from connecting.
    std::error_code ignored;
    fs::remove(crl_path(dir), ignored);
  }
  ClientConfig config;
  config.node = node->str();
  config.hub = hub->str();
  config.ca = tls.ca;
  config.cert = tls.cert;
  config.key = tls.key;
  config.hub_node = pin->node.str();
  config.hub_key = pin->key_sha256;
  LIAISON_TRY(save_config(dir, config));

  cli::Report report{cli::json_object({{"node", cli::json_quote(config.node)},
                                       {"hub", cli::json_quote(config.hub)},
                                       {"data", cli::json_quote(dir)},
                                       {"config", cli::json_quote(config_path(dir))},
                                       {"replica", cli::json_quote(replica_path(dir))}}),
                     {}};
  report.line("initialised " + dir + " for " + config.node + " (hub " + config.hub_node + " at " + config.hub + ")");
  if (config.hub_key.empty())
    report.line("the hub's key is pinned at the first sync; give --hub-cert HUB.pem to pin it now");
  return report.line("next: 'liaison-client --data " + dir + " sync' to fetch this office's cases");
}

}  // namespace liaison::client
