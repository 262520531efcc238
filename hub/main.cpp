// liaison-hub: the city office's hub — its configuration, the server, and
// the admin commands that act on the hub's replica (they work while the
// server runs: both use the same SQLite file).
#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "hub/commands.hpp"
#include "shared/private_files.hpp"
#include "sync/protocol.hpp"
#include "sync/net/net.hpp"

namespace liaison::hub {
namespace {

constexpr const char* kUsage = R"(usage: liaison-hub COMMAND [options]

  init --data DIR --ca CA.pem --cert HUB.pem --key HUB.key [--crl CRL.pem]
       [--listen HOST:PORT] [--idle-timeout SECONDS] [--max-connections-per-node N (default 8)] [--force]
                                               make a hub in DIR; a connection silent
                                               for SECONDS (default 60) is closed
  serve --data DIR                             run the hub until SIGINT/SIGTERM
  directive issue --to all|COUNTY[,COUNTY] --kind notice|task --title T
       [--body B] [--due YYYY-MM-DD]          issue a directive to counties
  directive list                               directives and each county's receipt
  case list [--county C] [--kind K] [--status S]
  case show ID
  case decide ID approve|reject|return [--reason R]
  nodes                                        each node: last seen, how far behind
  conflicts [--all] | conflicts restore N      concurrent edits whose value lost, city-wide
  rejections [--node N] [--since DATE]         writes the hub refused: who (node, certificate), what, why
  changes --node N [--since DATE]              every change the hub accepted from N: when, what, before, after
  revert --node N --since DATE [--dry-run]     undo N's changes since DATE (a stolen laptop, once revoked):
                                               fields go back, rows it made are deleted, later edits by
                                               others are left alone and listed
  renew-id                                     after restoring hub.db from a backup (hub stopped):
                                               every client then resyncs and pushes all it has

Every command takes --data DIR (default: $LIAISON_DATA) and --json. Each
command but init and serve is recorded in DATA/admin.log: when, who, what.
--version prints the version and the sync protocol it speaks.
)";

std::string now_text() { return cli::format_time(static_cast<std::uint64_t>(std::time(nullptr)) * 1000); }

// Who runs the command on this machine: the login name, and the one behind
// sudo when there is one.
std::string operator_name() {
  const passwd* pw = ::getpwuid(::geteuid());
  std::string who = pw ? pw->pw_name : "uid " + std::to_string(::geteuid());
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) who += " (sudo by " + std::string(sudo) + ")";
  return who;
}

// Appends one line per admin command to DATA/admin.log: when, who, the
// command as typed, and how it ended. The log is for the city's own record
// of who decided, issued or restored what; serve logs to its standard error.
void record_admin_command(const std::string& data_dir, const std::vector<std::string>& words, const Status& outcome) {
  std::string command;
  for (const auto& w : words) command += (command.empty() ? "" : " ") + w;
  const std::string line = now_text() + " " + operator_name() + " pid " + std::to_string(::getpid()) + ": " +
                           escape_for_terminal(command) + " -> " +
                           (outcome ? std::string("ok") : "failed: " + escape_for_terminal(outcome.error().message)) + "\n";
  const std::string path = (std::filesystem::path(data_dir) / "admin.log").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "liaison-hub: warning: can't append to " << path << ": " << std::strerror(errno) << "\n";
    return;
  }
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    std::cerr << "liaison-hub: warning: can't append to " << path << ": " << std::strerror(errno) << "\n";
  ::close(fd);
}

}  // namespace

Result<Context> open_context(cli::Args& args) {
  Context ctx;
  auto data = args.option("data");
  if (!data) {
    const char* env = std::getenv("LIAISON_DATA");
    if (!env || !*env) return make_error(Errc::invalid_argument, "no data folder — pass --data DIR or set LIAISON_DATA");
    data = env;
  }
  ctx.data_dir = *data;
  ctx.json = args.flag("json");
  auto config = load_config(ctx.data_dir);
  if (!config) return config.error();
  ctx.config = *config;
  LIAISON_TRY(make_private_folder(ctx.data_dir));
  auto node = NodeId::parse(ctx.config.node);
  if (!node) return make_error(Errc::invalid_argument, "hub.json names node '" + ctx.config.node + "': " + node.error().message);
  sync::ReplicaOptions options;
  options.path = replica_path(ctx.data_dir);
  options.self = *node;
  options.hub = true;
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
  if (auto per_node = args.option("max-connections-per-node")) LIAISON_TRY(parse_connections_per_node(*per_node, config));
  const bool force = args.flag("force");
  LIAISON_TRY(args.finish());
  auto node = sync::net::check_tls_files(files);
  if (!node) return node.error();
  if (!node->is_city())
    return make_error(Errc::invalid_argument, "certificate " + files.cert + " is for " + node->str() +
                                                  "; a hub needs a city certificate such as city:hub");
  LIAISON_TRY(make_private_folder(*data));
  if (std::filesystem::exists(config_path(*data)) && !force)
    return make_error(Errc::invalid_argument, *data + " already holds a hub — pass --force to rewrite its configuration");
  config.ca = files.ca;
  config.cert = files.cert;
  config.key = files.key;
  config.crl = files.crl;
  config.node = node->str();
  sync::ReplicaOptions options;
  options.path = replica_path(*data);
  options.self = *node;
  options.hub = true;
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
  log("hub " + ctx->config.node + " serving " + ctx->data_dir + " (feed at " + std::to_string(ctx->replica->feed_end()) + ")");
  // A watching client that has nothing to say pings once per heartbeat;
  // a shorter idle timeout drops it over and over.
  const std::uint64_t heartbeat_ms = sync::ClientSessionOptions{}.heartbeat_ms;
  if (ctx->config.idle_timeout_ms < 2 * heartbeat_ms)
    log("warning: idle timeout " + std::to_string(ctx->config.idle_timeout_ms / 1000) + " s is less than twice the clients' " +
        std::to_string(heartbeat_ms / 1000) + " s heartbeat: clients running 'sync --watch' will be dropped and reconnect "
        "again and again — use liaison-hub init --force --idle-timeout " + std::to_string(2 * heartbeat_ms / 1000) + " or more");
  Status st = sync::net::run_hub_server(*ctx->replica, options, log);
  if (st) log("stopped cleanly");
  return st;
}

}  // namespace liaison::hub

int main(int argc, char** argv) {
  using namespace liaison;
  create_files_private();
  // --data and --json may stand before the command too.
  std::vector<std::string> words, globals;
  for (int i = 1; i < argc; ++i) {
    const std::string w = argv[i];
    if (w == "--data" && i + 1 < argc) {
      globals.push_back(w);
      globals.push_back(argv[++i]);
    } else if (w.rfind("--data=", 0) == 0 || w == "--json") {
      globals.push_back(w);
    } else {
      words.push_back(w);
    }
  }
  if (!words.empty() && words[0] == "--version") {
    std::cout << "liaison-hub " << LIAISON_VERSION << " (sync protocol " << sync::kProtocolVersion << ", schema "
              << kSchemaVersion << ")\n";
    return 0;
  }
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    std::cout << hub::kUsage;
    return words.empty() ? 2 : 0;
  }
  const std::string command = words[0];
  const bool has_sub = words.size() > 1 && words[1].rfind("--", 0) != 0;
  const std::string sub = has_sub ? words[1] : "";
  std::vector<std::string> rest(words.begin() + (has_sub ? 2 : 1), words.end());
  rest.insert(rest.end(), globals.begin(), globals.end());
  cli::Args args(std::move(rest));
  if (args.flag("help")) {
    std::cout << hub::kUsage;
    return 0;
  }
  Status st;
  const auto with_context = [&](Status (*fn)(hub::Context&, cli::Args&)) -> Status {
    auto ctx = hub::open_context(args);
    if (!ctx) return ctx.error();
    Status outcome = fn(*ctx, args);
    hub::record_admin_command(ctx->data_dir, words, outcome);
    return outcome;
  };
  bool usage_error = false;
  if (command == "init" && !has_sub) st = hub::cmd_init(args);
  else if (command == "serve" && !has_sub) st = hub::cmd_serve(args);
  else if (command == "directive" && sub == "issue") st = with_context(hub::cmd_directive_issue);
  else if (command == "directive" && sub == "list") st = with_context(hub::cmd_directive_list);
  else if (command == "case" && sub == "list") st = with_context(hub::cmd_case_list);
  else if (command == "case" && sub == "show") st = with_context(hub::cmd_case_show);
  else if (command == "case" && sub == "decide") st = with_context(hub::cmd_case_decide);
  else if (command == "nodes" && !has_sub) st = with_context(hub::cmd_nodes);
  else if (command == "renew-id" && !has_sub) st = with_context(hub::cmd_renew_id);
  else if (command == "rejections" && !has_sub) st = with_context(hub::cmd_rejections);
  else if (command == "changes" && !has_sub) st = with_context(hub::cmd_changes);
  else if (command == "revert" && !has_sub) st = with_context(hub::cmd_revert);
  else if (command == "conflicts") {
    // `restore N` are the command's own words, not a subcommand.
    std::vector<std::string> own(words.begin() + 1, words.end());
    own.insert(own.end(), globals.begin(), globals.end());
    args = cli::Args(std::move(own));
    st = with_context(hub::cmd_conflicts);
  }
  else {
    std::cerr << "liaison-hub: unknown command '" << command << (sub.empty() ? "" : " " + sub) << "'\n\n" << hub::kUsage;
    return 2;
  }
  if (!st) {
    usage_error = st.error().code == Errc::usage;
    std::cerr << "liaison-hub: " << escape_for_terminal(st.error().message) << "\n";
    return usage_error ? 2 : 1;
  }
  return 0;
}
