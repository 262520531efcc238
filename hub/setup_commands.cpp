// `liaison-hub init` and `serve`, and opening the hub's data folder for
// every other command.
#include <filesystem>
#include <iostream>

#include "hub/commands.hpp"
#include "shared/private_files.hpp"
#include "sync/net/net.hpp"

namespace liaison::hub {

namespace {

std::string now_text() { return cli::format_time(static_cast<std::uint64_t>(std::time(nullptr)) * 1000); }

}  // namespace

Result<Context> open_context(cli::Args& args) {
  Context ctx;
  auto data = args.option("data");
  if (!data) {
    const char* env = std::getenv("LIAISON_DATA");
    if (!env || !*env) return make_error(Errc::usage, "no data folder — pass --data DIR or set LIAISON_DATA");
    data = env;
  }
  ctx.data_dir = *data;
  ctx.json = args.flag("json");
  auto config = load_config(ctx.data_dir);
  if (!config) return config.error();
  ctx.config = *config;
  LIAISON_TRY(make_private_folder(ctx.data_dir));
  auto node = NodeId::parse(ctx.config.node);
  if (!node)
    return make_error(Errc::invalid_argument, "hub.json names node '" + ctx.config.node + "': " + node.error().message);
  sync::ReplicaOptions options;
  options.path = replica_path(ctx.data_dir);
  options.self = *node;
  options.hub = true;
  options.case_numbers = ctx.config.case_numbers;
  if (!std::filesystem::exists(options.path))
    return make_error(Errc::not_found, "no hub replica at " + options.path + " — run 'liaison-hub init' first");
  auto replica = sync::Replica::open(options);
  if (!replica) return replica.error();
  ctx.replica = std::move(*replica);
  return ctx;
}

Status cmd_init(cli::Args& args) {
  auto data = args.required("data");
  if (!data) return data.error();
  HubConfig config;
  sync::net::TlsFiles files;
  for (auto [name, target] : {std::pair{"ca", &files.ca}, {"cert", &files.cert}, {"key", &files.key}}) {
    auto value = args.required(name);
    if (!value) return value.error();
    *target = std::filesystem::absolute(*value).string();
  }
  if (auto crl = args.option("crl")) files.crl = std::filesystem::absolute(*crl).string();
  if (auto listen = args.option("listen")) LIAISON_TRY(parse_listen(*listen, config));
  if (auto idle = args.option("idle-timeout")) LIAISON_TRY(parse_idle_timeout(*idle, config));
  if (auto pattern = args.option("case-number-pattern")) LIAISON_TRY(parse_case_number_pattern(*pattern, config));
  if (auto per_node = args.option("max-connections-per-node"))
    LIAISON_TRY(parse_connections_per_node(*per_node, config));
  const bool force = args.flag("force");
  LIAISON_TRY(args.finish());
  auto node = sync::net::check_tls_files(files);
  if (!node) return node.error();
  if (!node->is_city())
    return make_error(Errc::invalid_argument, "certificate " + files.cert + " is for " + node->str() +
                                                  "; a hub needs a city certificate such as city:hub");
  LIAISON_TRY(make_private_folder(*data));
  if (std::filesystem::exists(config_path(*data)) && !force)
    return make_error(Errc::invalid_argument,
                      *data + " already holds a hub — pass --force to rewrite its configuration");
  config.ca = files.ca;
  config.cert = files.cert;
  config.key = files.key;
  config.crl = files.crl;
  config.node = node->str();
  sync::ReplicaOptions options;
  options.path = replica_path(*data);
  options.self = *node;
  options.hub = true;
  options.case_numbers = config.case_numbers;
  auto replica = sync::Replica::open(options);  // creates the file, or checks an existing one
  if (!replica) return replica.error();
  LIAISON_TRY(save_config(*data, config));
  std::cout << "hub " << node->str() << " ready in " << *data << " (replica " << (*replica)->replica_id().to_string()
            << "), will listen on " << config.listen_host << ":" << config.listen_port << "\n";
  return {};
}

Status cmd_serve(cli::Args& args) {
  auto ctx = open_context(args);
  if (!ctx) return ctx.error();
  LIAISON_TRY(args.finish());
  sync::net::HubServerOptions options;
  options.host = ctx->config.listen_host;
  options.port = ctx->config.listen_port;
  options.tls = {ctx->config.ca, ctx->config.cert, ctx->config.key, ctx->config.crl};
  // Expired or replaced files would make every client refuse the hub: say so now.
  if (auto checked = sync::net::check_tls_files(options.tls); !checked) return checked.error();
  options.session.max_clock_ahead_ms = ctx->config.max_clock_ahead_ms;
  options.session.max_frame_bytes = ctx->config.max_frame_bytes;
  options.session.idle_timeout_ms = ctx->config.idle_timeout_ms;
  options.max_connections_per_node = ctx->config.max_connections_per_node;
  // One event a line: text a peer chose (a node name, a reason) can't start
  // a line of its own or send escape sequences to whoever tails the log.
  auto log = [](const std::string& line) { std::cerr << now_text() << " " << escape_for_terminal(line) << std::endl; };
  log("hub " + ctx->config.node + " serving " + ctx->data_dir + " (feed at " +
      std::to_string(ctx->replica->feed_end()) + ")");
  // A watching client that has nothing to say pings once per heartbeat;
  // a shorter idle timeout drops it over and over.
  const std::uint64_t heartbeat_ms = sync::ClientSessionOptions{}.heartbeat_ms;
  if (ctx->config.idle_timeout_ms < 2 * heartbeat_ms)
    log("warning: idle timeout " + std::to_string(ctx->config.idle_timeout_ms / 1000) +
        " s is less than twice the clients' " + std::to_string(heartbeat_ms / 1000) +
        " s heartbeat: clients running 'sync --watch' will be dropped and reconnect "
        "again and again — use liaison-hub init --force --idle-timeout " +
        std::to_string(2 * heartbeat_ms / 1000) + " or more");
  Status st = sync::net::run_hub_server(*ctx->replica, options, log);
  if (st) log("stopped cleanly");
  return st;
}

}  // namespace liaison::hub
