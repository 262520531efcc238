// liaison-fanout-bench: many offices at once. One load-generator thread
// holds N mutual-TLS connections (N client replicas, N certificates) to a
// real `liaison-hub serve` process; every client pushes its changes and
// stays live (`sync --watch` behaviour) while the city issues a directive
// to all counties (`liaison-hub directive issue`, another process), once
// while the pushes are under way and once when every office is idle.
// Measures the time until every office holds its county's cases and the
// directive, the directive's delay from the hub's commit to each office
// connected at that moment, and the hub's peak memory. One JSON object per
// line (bench/README.md).
#include <sys/resource.h>

#include <csignal>
#include <map>
#include <thread>

#include "bench/cluster.hpp"
#include "bench/mint_certs.hpp"
#include "shared/schema.hpp"
#include "sync/hlc.hpp"
#include "sync/net/client_link.hpp"

namespace liaison::bench {
namespace {

using sync::net::ClientLink;
namespace asio = boost::asio;

struct Options {
  std::size_t clients = 1000;
  std::size_t changes = 100;
  double timeout_s = 900;
  std::string dir;
};

constexpr std::string_view kCounties[] = {"kecheng", "qujiang", "jiangshan", "longyou", "changshan", "kaihua"};

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

struct Office {
  std::string node;
  std::size_t county = 0;
  std::unique_ptr<Replica> replica;
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<ClientLink> link;
  std::uint64_t to_push = 0;                             // cells in its feed before connecting
  std::uint64_t expect_pull = 0;                         // cells the other offices of its county push
  std::map<std::string, double> directive_ms;            // title -> hub commit to arrival
  std::map<std::string, double> directive_committed_ms;  // title -> the hub's commit (wall clock)
  double greeted_ms = -1;                                // wall clock when its session was welcomed
  double converged_s = -1;
};

// `changes` local cells: new cases (7 cells each) and case notes (4 cells
// each), as many notes as it takes to hit the number exactly (100 = 12
// cases + 4 notes); within 3 cells of it when no mix does.
void write_changes(Replica& replica, std::string_view county, std::size_t changes, std::size_t index) {
  std::size_t notes = 0;
  while (notes < 7 && (changes < 7 + 4 * notes || (changes - 4 * notes) % 7 != 0)) ++notes;
  if (notes == 7) notes = 0;
  const std::size_t cases = (changes - 4 * notes) / 7;
  must(replica.transact([&]() -> Status {
    std::optional<Uuid> last_case;
    for (std::size_t k = 0; k < cases; ++k) {
      auto id = replica.insert(TableId::cases,
                               {{"county", std::string(county)},
                                {"kind", "overseas_chinese"},
                                {"title", "侨务走访 office " + std::to_string(index) + " case " + std::to_string(k)},
                                {"status", "draft"},
                                {"applicant", "applicant " + std::to_string(k)},
                                {"summary", "走访记录 " + std::string(60, 'x')},
                                {"updated_at", static_cast<std::int64_t>(wall_ms())}});
      if (!id) return id.error();
      last_case = *id;
    }
    for (std::size_t k = 0; k < notes && last_case; ++k) {
      auto note = replica.insert(TableId::case_notes, {{"case_id", last_case->to_string()},
                                                       {"author", replica.self().str()},
                                                       {"body", "电话回访，材料齐全"},
                                                       {"written_at", static_cast<std::int64_t>(wall_ms())}});
      if (!note) return note.error();
    }
    return Status::success();
  }),
       "write the office's changes");
}

std::uint64_t feed_cells(Replica& replica) {
  std::size_t cells = 0;
  read_whole_feed(replica, {}, cells, nullptr);
  return cells;
}

// Where an office stands, for a run that did not converge.
std::string describe(const Office& o) {
  static constexpr const char* kStates[] = {"start", "await_welcome", "await_push_ack", "await_changes",
                                            "live",  "done",          "failed"};
  const auto& session = o.link->session();
  std::string out = o.node + ": pushed " + std::to_string(session.stats().cells_pushed) + "/" +
                    std::to_string(o.to_push) + ", pulled " + std::to_string(session.stats().cells_pulled) + "/" +
                    std::to_string(o.expect_pull) + ", session " + kStates[static_cast<int>(session.state())] +
                    (o.link->connected() ? ", connected" : ", never connected") + ", directives seen:";
  for (const auto& [title, ms] : o.directive_ms) out += " '" + title + "'";
  sync::net::SyncReport report;
  if (auto status = o.link->finish(report); !status) out += ", link: " + status.error().message;
  return out;
}

void raise_open_files_limit(std::size_t needed) {
  struct rlimit limit {};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < needed)
    throw BenchFailure("the open-files limit is " + std::to_string(limit.rlim_cur) + ", " + std::to_string(needed) +
                       " are needed: raise it (ulimit -n)");
}

void run(const Options& opt, const ScratchDir& scratch) {
  raise_open_files_limit(opt.clients * 3 + 64);
  const Pki pki = make_pki(scratch, {"city:hub"});
  const std::string hub_dir = scratch.file("hub");
  const std::uint16_t port = free_port();
  init_hub(pki, hub_dir, port);
  auto hub = start_hub(hub_dir);

  // The offices: certificates, replicas and their offline changes (not timed).
  CertificateMinter minter(pki.dir);
  fs::create_directories(scratch.file("offices"));
  // Before the offices: their links' timers must go before the io_context does.
  asio::io_context io(1);
  std::vector<Office> offices(opt.clients);
  std::vector<std::uint64_t> county_cells(std::size(kCounties), 0);
  const std::uint64_t title_column = *Schema::get().table(TableId::directives).column_index("title");
  std::atomic<bool> stop{false};
  for (std::size_t i = 0; i < opt.clients; ++i) {
    Office& o = offices[i];
    o.county = i % std::size(kCounties);
    o.node = std::string(kCounties[o.county]) + ":office-" + std::to_string(i);
    sync::net::ClientLinkOptions link;
    link.host = "127.0.0.1";
    link.port = port;
    link.tls = minter.mint(o.node, scratch.file("offices"));
    link.connect_timeout_ms = 60'000;  // a thousand handshakes queue at the hub
    o.tls = must(sync::net::make_tls_context(link.tls, sync::net::Role::client), "TLS context");
    o.replica = open_replica(scratch.file("offices/" + std::to_string(i) + ".db"), o.node, false, i + 1);
    write_changes(*o.replica, kCounties[o.county], opt.changes, i);
    o.to_push = feed_cells(*o.replica);
    county_cells[o.county] += o.to_push;
    // A directive arrives ahead of the pull (urgent) or with it.
    const auto note_directives = [&o, title_column](Replica& replica) {
      auto directives = replica.list(TableId::directives);
      if (!directives) return;
      for (const auto& d : *directives) {
        const auto* title = std::get_if<std::string>(&d["title"]);
        if (!title || o.directive_ms.count(*title)) continue;
        auto cell = replica.cell_of(TableId::directives, d.id, static_cast<std::uint16_t>(title_column));
        if (!cell || !*cell) continue;
        const auto committed = static_cast<double>(sync::hlc_ms((*cell)->stamp.hlc));
        o.directive_ms[*title] = static_cast<double>(wall_ms()) - committed;
        o.directive_committed_ms[*title] = committed;
      }
    };
    link.on_caught_up = [note_directives](Replica& replica, const sync::SessionStats&) { note_directives(replica); };
    link.on_ahead = note_directives;
    link.on_welcome = [&o] { o.greeted_ms = static_cast<double>(wall_ms()); };
    o.link = std::make_unique<ClientLink>(io, *o.replica, link, *o.tls, true,
                                          std::function<void(const sync::net::SyncProgress&)>{}, &stop);
  }
  for (auto& o : offices) o.expect_pull = county_cells[o.county] - o.to_push;

  // The city issues directives from another process, as an officer would.
  const std::string under_load = "fanout directive while offices push";
  const std::string when_idle = "fanout directive to idle offices";
  std::vector<std::thread> issuers;
  auto issue = [&](const std::string& title) {
    issuers.emplace_back([&, title] {
      ChildProcess p({program_path("liaison-hub"), "--data", hub_dir, "directive", "issue", "--to", "all", "--kind",
                      "notice", "--title", title},
                     "/dev/null", scratch.file("issue.err"));
      p.wait();
    });
  };

  Stopwatch clock;
  // Offices don't all open their connection in the same millisecond, and
  // the hub holds at most 64 handshakes from one address (here every office
  // is 127.0.0.1): keep fewer than that in flight, starting the next office
  // as others are welcomed.
  constexpr std::size_t kHandshakesInFlight = 48;
  std::size_t started = 0;
  const auto start_more = [&] {
    std::size_t welcomed = 0;
    for (std::size_t i = 0; i < started; ++i) welcomed += offices[i].greeted_ms >= 0;
    while (started < offices.size() && started - welcomed < kHandshakesInFlight) offices[started++].link->start();
  };
  start_more();
  double converged_s = -1, pushed_half_s = -1, hub_rss_under_load = 0;
  bool idle_issued = false;
  std::string failure;
  asio::steady_timer watch(io);
  std::function<void()> check = [&] {
    start_more();
    std::size_t pushed = 0, converged = 0, seen_idle = 0;
    for (auto& o : offices) {
      const auto& stats = o.link->session().stats();
      if (stats.cells_pushed >= o.to_push) ++pushed;
      if (o.converged_s < 0 && stats.cells_pushed >= o.to_push && stats.cells_pulled >= o.expect_pull &&
          o.directive_ms.count(under_load))
        o.converged_s = clock.seconds();
      if (o.converged_s >= 0) ++converged;
      if (o.directive_ms.count(when_idle)) ++seen_idle;
    }
    if (pushed_half_s < 0 && pushed * 2 >= offices.size()) {
      pushed_half_s = clock.seconds();
      issue(under_load);
    }
    if (converged_s < 0 && converged == offices.size()) {
      converged_s = clock.seconds();
      hub_rss_under_load = hub->peak_rss_mb();
    }
    if (converged_s >= 0 && !idle_issued && clock.seconds() > converged_s + 2) {
      idle_issued = true;
      issue(when_idle);
    }
    if (seen_idle == offices.size() || clock.seconds() > opt.timeout_s) {
      if (seen_idle < offices.size()) {
        failure = "timed out after " + std::to_string(opt.timeout_s) + " s: " + std::to_string(converged) + " of " +
                  std::to_string(offices.size()) + " offices converged, " + std::to_string(pushed) + " pushed";
        for (const auto& o : offices)
          if (o.converged_s < 0 || !o.directive_ms.count(when_idle)) failure += "\n  " + describe(o);
      }
      stop = true;
      return;
    }
    watch.expires_after(std::chrono::milliseconds(20));
    watch.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) check();
    });
  };
  check();
  io.run();
  for (auto& t : issuers) t.join();
  const double hub_peak = hub->peak_rss_mb();
  hub->signal(SIGTERM);
  hub->wait();
  if (!failure.empty()) throw BenchFailure(failure);

  // The delay to each office connected when the hub committed the directive;
  // one still in its TLS handshake gets it with its welcome, which says how
  // long 1,000 handshakes take, not how fast a directive travels. (A
  // welcome the busy thread handles late counts as later than it came.)
  std::vector<double> loaded, idle;
  std::size_t connecting = 0, got_ahead = 0;
  std::uint64_t pushed = 0, pulled = 0;
  for (const auto& o : offices) {
    if (o.greeted_ms >= 0 && o.greeted_ms <= o.directive_committed_ms.at(under_load))
      loaded.push_back(o.directive_ms.at(under_load));
    else
      ++connecting;
    idle.push_back(o.directive_ms.at(when_idle));
    const auto& stats = o.link->session().stats();
    pushed += stats.cells_pushed;
    pulled += stats.cells_pulled;
    if (stats.cells_ahead > 0) ++got_ahead;
  }
  JsonLine("fanout")
      .integer("clients", offices.size())
      .integer("cells_pushed", pushed)
      .integer("cells_pulled", pulled)
      .integer("offices_sent_directives_ahead", got_ahead)
      .number("converge_seconds", converged_s, 2)
      .number("directive_issued_at_s", pushed_half_s, 2)
      .integer("offices_connecting_at_directive", connecting)
      .number("directive_p50_ms", percentile(loaded, 0.5), 1)
      .number("directive_p99_ms", percentile(loaded, 0.99), 1)
      .number("directive_max_ms", percentile(loaded, 1.0), 1)
      .number("idle_directive_p50_ms", percentile(idle, 0.5), 1)
      .number("idle_directive_p99_ms", percentile(idle, 0.99), 1)
      .number("hub_peak_rss_mb", hub_peak, 1)
      .number("hub_peak_rss_at_convergence_mb", hub_rss_under_load, 1)
      .number("loadgen_peak_rss_mb", own_peak_rss_mb(), 1)
      .print();
}

}  // namespace
}  // namespace liaison::bench

int main(int argc, char** argv) {
  using namespace liaison::bench;
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--clients" && has_value)
      opt.clients = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--changes" && has_value)
      opt.changes = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--timeout" && has_value)
      opt.timeout_s = std::strtod(argv[++i], nullptr);
    else if (arg == "--dir" && has_value)
      opt.dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: liaison-fanout-bench [--clients N] [--changes CELLS] [--timeout S] [--dir DIR]\n");
      return 2;
    }
  }
  if (opt.clients < 2 || opt.changes < 7 || opt.timeout_s <= 0) {
    std::fprintf(stderr, "liaison-fanout-bench: needs --clients ≥ 2, --changes ≥ 7 and a positive --timeout\n");
    return 2;
  }
  try {
    ScratchDir scratch(opt.dir);
    JsonLine("env")
        .integer("nproc", std::thread::hardware_concurrency())
        .number("load_average", load_average(), 2)
        .print();
    run(opt, scratch);
  } catch (const BenchFailure& e) {
    std::fprintf(stderr, "liaison-fanout-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
