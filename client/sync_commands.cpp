// `status`, `sync` and `sync --watch`: this node's standing with the hub,
// and the exchange itself over mutual TLS (sync/net/net.hpp keeps Asio and
// OpenSSL out of this file).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "client/commands.hpp"

#include "shared/labels.hpp"
#include "client/output.hpp"
#include "sync/net/net.hpp"

namespace liaison::client {
namespace {

using sync::net::SyncProgress;

using sync::meta_key::kClockOffset;
using sync::meta_key::kLastSync;
constexpr std::uint64_t kProgressAfterMs = 1'500;
constexpr std::uint64_t kRedrawMs = 100;

std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// Own cells not yet acknowledged by the hub.
Result<std::uint64_t> pending_changes(sync::Replica& replica) {
  auto peer = replica.peer(sync::kHubPeer);
  if (!peer) return peer.error();
  sync::FeedFilter filter;
  filter.own_cells_only = true;
  sync::FeedCursor cursor = peer->pushed;
  std::uint64_t count = 0;
  for (;;) {
    auto page = replica.read_feed(cursor, 1000, filter);
    if (!page) return page.error();
    count += page->cells.size();
    if (!page->more) return count;
    cursor = page->next;
  }
}

// What to do after a failed sync, by what failed.
std::string sync_advice(Errc code) {
  switch (code) {
    case Errc::not_permitted:
      return "check the certificate files named in client.json, or ask the city office for a new certificate";
    case Errc::protocol_version:
    case Errc::schema_mismatch: return "upgrade liaison-client to the hub's version";
    case Errc::invalid_argument: return "check client.json (re-create it with 'liaison-client init --force')";
    case Errc::crl_expired: return "your changes are kept on this replica; tell the city office";
    default:
      return "your changes are kept on this replica and go with the next sync; run 'liaison-client sync' again when "
             "the link is back";
  }
}

// The progress line on stderr: only on a terminal, only once the pass has
// taken longer than kProgressAfterMs, rewritten in place at most every
// kRedrawMs. The percentage is how far the pull cursor is along the hub's
// feed (hub_seq).
class ProgressLine {
 public:
  ProgressLine(sync::Replica& replica, bool enabled) : replica_(replica), enabled_(enabled), start_ms_(steady_ms()) {}

  void update(const SyncProgress& p) {
    const std::uint64_t now = steady_ms();
    const std::uint64_t elapsed = now - start_ms_;
    if (!enabled_ || elapsed < kProgressAfterMs || (shown_ && now - drawn_ms_ < kRedrawMs)) return;
    drawn_ms_ = now;
    std::string percent = "";
    if (p.hub_seq > 0) {
      auto peer = replica_.peer(sync::kHubPeer);
      const std::uint64_t at = peer ? std::min(peer->pulled.pos, p.hub_seq) : 0;
      percent = std::to_string(at * 100 / p.hub_seq) + "%  ";
    }
    const double rate = static_cast<double>(p.cells_pushed + p.cells_pulled) * 1000.0 / static_cast<double>(elapsed);
    std::fprintf(stderr, "\rsync: %spushed %llu, pulled %llu, %.0f cells/s\033[K", percent.c_str(),
                 static_cast<unsigned long long>(p.cells_pushed), static_cast<unsigned long long>(p.cells_pulled),
                 rate);
    std::fflush(stderr);
    shown_ = true;
  }

  void clear() {
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
  }

 private:
  sync::Replica& replica_;
  bool enabled_;
  std::uint64_t start_ms_;
  std::uint64_t drawn_ms_ = 0;
  bool shown_ = false;
};

// `sync --NAME N`: absent, a positive whole number at most `max`, or a
// usage error (returned as the exit status).
std::optional<int> take_number_option(cli::Args& args, std::string_view name, std::uint64_t max,
                                      std::optional<std::uint64_t>& out) {
  auto text = args.option(name);
  if (!text) return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n == 0 || n > max)
    return usage_error("--" + std::string(name) + " '" + *text + "' is not a whole number from 1 to " +
                       std::to_string(max));
  out = n;
  return std::nullopt;
}

// The tuning options of `sync`: cells per batch, the link's heartbeat and
// timeout, for slow or flaky links (and tests that break the link), how
// often a watching client asks for news unprompted, and whether to offer
// compression.
std::optional<int> take_session_options(cli::Args& args, sync::ClientSessionOptions& session) {
  std::optional<std::uint64_t> batch, heartbeat, timeout, recheck;
  if (auto bad = take_number_option(args, "batch-cells", 1'000'000, batch)) return bad;
  if (auto bad = take_number_option(args, "heartbeat-ms", 3'600'000, heartbeat)) return bad;
  if (auto bad = take_number_option(args, "timeout-ms", 3'600'000, timeout)) return bad;
  if (auto bad = take_number_option(args, "recheck-ms", 86'400'000, recheck)) return bad;
  if (recheck) session.recheck_ms = *recheck;
  if (batch) session.batch_cells = static_cast<std::uint32_t>(*batch);
  if (args.flag("no-compress")) session.compress = false;
  if (timeout) session.timeout_ms = *timeout;
  if (heartbeat) session.heartbeat_ms = *heartbeat;
  // A short timeout alone brings the heartbeat down with it.
  else if (session.heartbeat_ms >= session.timeout_ms)
    session.heartbeat_ms = std::max<std::uint64_t>(1, session.timeout_ms / 3);
  if (session.heartbeat_ms >= session.timeout_ms)
    return usage_error("--heartbeat-ms (" + std::to_string(session.heartbeat_ms) +
                       ") must be shorter than --timeout-ms (" + std::to_string(session.timeout_ms) +
                       "), or a quiet link would time out between pings");
  return std::nullopt;
}

void log_line(bool json, const std::string& text) {
  const auto now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  if (json)
    std::cerr << cli::json_object({{"at_ms", std::to_string(now)}, {"event", cli::json_quote(text)}}) << std::endl;
  else
    std::cerr << cli::format_time(now) << "  " << escape_for_terminal(text) << std::endl;
}

int run_watch(Context& ctx, sync::net::ClientLinkOptions options) {
  bool announce = true;  // say so when the first pass after a (re)connect completes
  const auto log = [&](const std::string& line) {
    log_line(ctx.json, line);
    announce = true;
  };
  std::uint64_t received = 0;                          // by this connection's session, as last reported
  options.on_welcome = [&received] { received = 0; };  // a new connection, a new session
  options.on_caught_up = [&](sync::Replica& replica, const sync::SessionStats& stats) {
    if (announce) log_line(ctx.json, "in step with the hub at " + ctx.config.hub);
    announce = false;
    (void)replica.set_meta(kLastSync, std::to_string(replica.clock().wall_ms()));
    if (stats.directives_received > received)
      log_line(ctx.json, "new directives received — see 'liaison-client directive list'");
    received = stats.directives_received;
  };
  log_line(ctx.json, "watching the hub at " + ctx.config.hub + " as " + ctx.node.str() + " (Ctrl-C stops)");
  std::atomic<bool> stop{false};
  Status st = sync::net::sync_watch(*ctx.replica, options, log, &stop);
  if (!st) return fail("sync stopped: " + st.error().message, sync_advice(st.error().code));
  log_line(ctx.json, "stopped");
  return kExitOk;
}

}  // namespace

Outcome cmd_status(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "status"));
  auto context = open_context(in);
  if (!context) return context.error();
  sync::Replica& replica = *context->replica;
  auto pending = pending_changes(replica);
  if (!pending) return pending.error();
  auto last_sync = meta_number(replica, kLastSync);
  auto offset = meta_number(replica, kClockOffset);
  auto conflicts = replica.conflicts(false);
  auto rejections = replica.rejections();
  if (!last_sync) return last_sync.error();
  if (!offset) return offset.error();
  if (!conflicts) return conflicts.error();
  if (!rejections) return rejections.error();
  // The CA's revocation list this node checks the hub against.
  std::string revocations = "none yet (the hub hands it over at the next sync)";
  std::string revocations_json = "null";
  if (const std::string crl = current_crl(context->data_dir, context->config); !crl.empty()) {
    auto loaded = sync::net::load_crl({context->config.ca, context->config.cert, context->config.key, crl});
    if (!loaded) {
      revocations = "unreadable: " + loaded.error().message;
    } else {
      revocations = "revoked certificates: " + std::to_string(loaded->status.revoked) + ", issued " +
                    cli::format_time(loaded->status.last_update_ms);
      revocations_json = cli::json_object({{"revoked", std::to_string(loaded->status.revoked)},
                                           {"issued_ms", std::to_string(loaded->status.last_update_ms)},
                                           {"expires_ms", std::to_string(loaded->status.next_update_ms)}});
    }
  }
  cli::Report report{cli::json_object({{"node", cli::json_quote(context->node.str())},
                                       {"hub", cli::json_quote(context->config.hub)},
                                       {"data", cli::json_quote(context->data_dir)},
                                       {"pending_changes", std::to_string(*pending)},
                                       {"last_sync_ms", *last_sync ? std::to_string(*last_sync) : "null"},
                                       {"clock_offset_ms", std::to_string(*offset)},
                                       {"conflicts", std::to_string(conflicts->size())},
                                       {"rejections", std::to_string(rejections->size())},
                                       {"revocation_list", revocations_json}}),
                     {}};
  cli::Table table;
  table.headers = {"node", context->node.str()};
  table.rows = {{"hub", context->config.hub},
                {"data folder", context->data_dir},
                {"pending changes", std::to_string(*pending) + (*pending ? " (sent at the next sync)" : "")},
                {"last sync", cli::format_time(static_cast<std::uint64_t>(*last_sync))},
                {"clock offset to hub", std::to_string(*offset) + " ms"},
                {"conflicts to review", std::to_string(conflicts->size())},
                {"refused by the hub", std::to_string(rejections->size())},
                {"revocation list", revocations}};
  return report.table(table);
}

namespace {

// How to reach and trust the hub, from this node's configuration; the
// certificate must still be this node's.
Result<sync::net::ClientLinkOptions> link_options(Context& ctx, const sync::ClientSessionOptions& session) {
  auto hub = parse_hub_address(ctx.config.hub);
  if (!hub)
    return make_error(hub.error().code, "configuration " + config_path(ctx.data_dir) + ": " + hub.error().message);
  sync::net::ClientLinkOptions options;
  options.host = hub->host;
  options.port = hub->port;
  options.tls = {ctx.config.ca, ctx.config.cert, ctx.config.key, current_crl(ctx.data_dir, ctx.config)};
  options.crl_store = crl_path(ctx.data_dir);
  options.session = session;
  options.session.mark_received = true;
  options.hub_node = ctx.config.hub_node;
  options.hub_key = ctx.config.hub_key;
  options.on_hub_key_seen = [&ctx](const std::string& key) {
    if (!ctx.config.hub_key.empty() || key.empty()) return;
    ctx.config.hub_key = key;
    if (auto st = save_config(ctx.data_dir, ctx.config); !st)
      log_line(ctx.json, "could not pin the hub's key: " + st.error().message);
    else
      log_line(ctx.json,
               english() ? "pinned the key of " + ctx.config.hub_node + " at this first connection (sha256 " + key + ")"
                         : "首次连接，已记住 " + ctx.config.hub_node + " 的密钥（sha256 " + key + "）");
  };
  auto cert_node = sync::net::check_tls_files(options.tls);
  if (!cert_node) return advised(cert_node.error(), "check the files named in " + config_path(ctx.data_dir));
  if (!(*cert_node == ctx.node))
    return advised(Errc::invalid_argument,
                   "certificate " + ctx.config.cert + " is for " + cert_node->str() +
                       ", but this data folder belongs to " + ctx.node.str(),
                   "put this node's certificate back, or use another data folder");
  return options;
}

// A pass that did not complete: what went out before the failure is sent
// again (from the last acknowledged batch) by the next sync. Exit 75 unless
// a person must act.
int report_failed_sync(const Context& ctx, const Error& error, const sync::net::SyncReport& attempt) {
  const std::string what = "sync with " + ctx.config.hub + " failed: " + error.message;
  if (ctx.json) {
    print_line(cli::json_object({{"synced", "false"},
                                 {"error", cli::json_quote(errc_name(error.code))},
                                 {"message", cli::json_quote(what)},
                                 {"pushed", std::to_string(attempt.stats.cells_pushed)},
                                 {"pulled", std::to_string(attempt.stats.cells_pulled)},
                                 {"bytes_sent", std::to_string(attempt.bytes_sent)},
                                 {"bytes_received", std::to_string(attempt.bytes_received)}}));
    complain(what, sync_advice(error.code));
  } else {
    fail(what, sync_advice(error.code));
  }
  return error.recovery() == Recovery::person ? kExitFailure : kExitTryLater;
}

void report_sync(const Context& ctx, const sync::net::SyncReport& report) {
  const auto& stats = report.stats;
  if (ctx.json) {
    print_line(cli::json_object({{"synced", "true"},
                                 {"pushed", std::to_string(stats.cells_pushed)},
                                 {"pulled", std::to_string(stats.cells_pulled)},
                                 {"rejections", std::to_string(stats.rejections)},
                                 {"bytes_sent", std::to_string(report.bytes_sent)},
                                 {"bytes_received", std::to_string(report.bytes_received)}}));
    return;
  }
  const auto count = [](std::uint64_t n) { return std::to_string(n); };
  std::string line = english() ? "synced with " + ctx.config.hub + ": pushed " + count(stats.cells_pushed) +
                                     ", pulled " + count(stats.cells_pulled) + ", rejections " + count(stats.rejections)
                               : "已与 " + ctx.config.hub + " 同步：上传 " + count(stats.cells_pushed) + " 项，收到 " +
                                     count(stats.cells_pulled) + " 项，被拒绝 " + count(stats.rejections) + " 项";
  if (stats.rejections) line += in_language(" (see 'liaison-client rejections')", "（见 liaison-client rejections）");
  if (stats.directives_received)
    line += english()
                ? "; " + count(stats.directives_received) + " new directive(s) (see 'liaison-client directive list')"
                : "；新文件 " + count(stats.directives_received) + " 件（见 liaison-client directive list）";
  print_line(line);
  if (stats.hub_schema > kSchemaVersion)
    print_line("the hub runs a newer release (schema " + std::to_string(stats.hub_schema) + ", this program's is " +
               std::to_string(kSchemaVersion) +
               "): fields this release doesn't know wait at the hub — update liaison-client");
}

}  // namespace

int cmd_sync(Invocation& in) {
  const bool watch = in.args.flag("watch");
  sync::ClientSessionOptions session;
  if (auto bad = take_session_options(in.args, session)) return *bad;
  std::vector<std::string> words;
  if (auto st = take_words(in.args, words, 0, 0,
                           "sync [--watch] [--batch-cells N] [--heartbeat-ms MS] [--timeout-ms MS] [--no-compress]");
      !st)
    return usage_error(st.error().message);
  auto context = open_context(in);
  if (!context) return fail(context.error());
  Context& ctx = *context;
  auto options = link_options(ctx, session);
  if (!options) return fail(options.error());
  if (watch) return run_watch(ctx, std::move(*options));

  ProgressLine progress(*ctx.replica, !ctx.json && ::isatty(STDERR_FILENO) == 1);
  sync::net::SyncReport attempt;
  auto report = sync::net::sync_once(
      *ctx.replica, *options, [&](const SyncProgress& p) { progress.update(p); }, &attempt);
  progress.clear();
  if (!report) return report_failed_sync(ctx, report.error(), attempt);
  if (auto st = ctx.replica->set_meta(kLastSync, std::to_string(ctx.now_ms())); !st) return fail(st.error());
  report_sync(ctx, *report);
  // The sync may have brought the disabling of the person signed in.
  auto signed_in = sync::load_signed_in(*ctx.replica);
  if (!signed_in) return fail(signed_in.error());
  if (!signed_in->signed_out.empty() && !ctx.json)
    print_line(in_language("the account " + signed_in->signed_out + " was disabled: signed out on this device",
                           "账号 " + signed_in->signed_out + " 已被停用：已在本设备退出登录"));
  return kExitOk;
}

}  // namespace liaison::client
