// The client's network side: one mutual-TLS connection to the hub driving a
// ClientSession (sync_once), or a connection kept up and re-made with
// exponential backoff and jitter (sync_watch).
#include "sync/net/client_link.hpp"

#include <csignal>
#include <random>
#include <thread>

namespace liaison::sync::net {
namespace {

std::atomic<bool>* g_signal_flag = nullptr;
extern "C" void on_stop_signal(int) {
  if (g_signal_flag) g_signal_flag->store(true);
}

}  // namespace

Result<SyncReport> sync_once(Replica& replica, const ClientLinkOptions& options,
                             const std::function<void(const SyncProgress&)>& progress, SyncReport* attempt) {
  auto context = make_tls_context(options.tls, Role::client);
  if (!context) return context.error();
  asio::io_context io(1);
  ClientLink link(io, replica, options, **context, false, progress, nullptr);
  link.start();
  io.run();
  SyncReport report;
  Status st = link.finish(report);
  if (attempt) *attempt = report;
  if (!st) return st.error();
  if (!report.synced) return make_error(Errc::disconnected, "the sync did not complete");
  return report;
}

Status sync_watch(Replica& replica, const ClientLinkOptions& options, const LogLine& log, std::atomic<bool>* stop) {
  auto context = make_tls_context(options.tls, Role::client);
  if (!context) return context.error();
  std::atomic<bool> local_stop{false};
  if (!stop) stop = &local_stop;
  g_signal_flag = stop;
  const auto old_int = std::signal(SIGINT, on_stop_signal);
  const auto old_term = std::signal(SIGTERM, on_stop_signal);
  std::mt19937_64 rng(std::random_device{}());
  std::uint64_t delay = options.backoff_min_ms;
  ClientLinkOptions current = options;
  while (!stop->load()) {
    asio::io_context io(1);
    ClientLink link(io, replica, current, **context, true, {}, stop);
    link.start();
    io.run();
    // Pinned at the first connection: later ones must present the same key.
    if (current.hub_key.empty() && !current.hub_node.empty()) current.hub_key = link.hub_key_seen();
    if (link.crl_stored()) current.tls.crl = options.crl_store;
    SyncReport report;
    Status st = link.finish(report);
    if (stop->load()) break;
    if (report.synced) delay = options.backoff_min_ms;  // it worked for a while: start over
    // Retrying can't get past a refusal, a bad configuration or a version
    // to upgrade: a person must act, and the watcher says so and stops.
    if (!st && st.error().recovery() == Recovery::person) {
      std::signal(SIGINT, old_int);
      std::signal(SIGTERM, old_term);
      g_signal_flag = nullptr;
      return st;
    }
    // Full jitter: anywhere between half and all of the current delay.
    const std::uint64_t wait = delay / 2 + rng() % (delay / 2 + 1);
    log((st ? std::string("connection ended") : st.error().message) + "; reconnecting in " + std::to_string(wait) +
        " ms");
    for (std::uint64_t waited = 0; waited < wait && !stop->load(); waited += 100)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::uint64_t>(100, wait - waited)));
    delay = std::min(options.backoff_max_ms, delay * 2);
  }
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  g_signal_flag = nullptr;
  return {};
}

}  // namespace liaison::sync::net
