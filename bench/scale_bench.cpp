// liaison-scale-bench: province-scale runs of the real programs. A hub
// (`liaison-hub serve`) seeded with the WORKLOAD.md cases of all six
// counties, and `liaison-client sync` runs of a Longyou office, each timed
// beside plain SQLite writing the same rows in the same run:
//   bootstrap  a new county client pulls its scope (1M of 6M cells)
//   catchup    a week offline: 50k local changes pushed, 50k remote pulled;
//              then the client idles in `sync --watch` (its memory)
//   slowlink   the catch-up through liaison-fault-proxy at 256 kbit/s and
//              300 ms, beside the same bytes as a plain TLS stream
//   search     `case search` on the seeded hub: the first search (which
//              indexes every case), then 1,000 words of the titles, each
//              beside a plain LIKE scan of the titles for the same word
//   report     the city's report over the whole seeded hub, beside one
//              plain GROUP BY scan of its cases
// One JSON object per line (bench/README.md).
#include <csignal>
#include <set>
#include <fstream>
#include <thread>

#include "bench/cluster.hpp"
#include "bench/raw_sqlite.hpp"
#include "bench/tls_floor.hpp"
#include "shared/schema.hpp"
#include "shared/text.hpp"
#include "sync/city_report.hpp"

namespace liaison::bench {
namespace {

constexpr std::size_t kCellsPerCase = 7;  // what a case row ships (WORKLOAD.md counts 8 fields)
constexpr double kEditedShare = 0.10;     // cases edited on two devices at once

struct Options {
  std::string mode;
  std::uint64_t hub_cells = 6'000'000;  // bootstrap: cells the hub holds
  std::uint64_t changes = 50'000;       // catchup/slowlink: each side's changes
  // catchup/slowlink: cases the hub holds; Longyou's sixth must exceed both
  // devices' edits together for only a tenth of them to overlap.
  std::uint64_t records = 200'000;
  std::uint32_t rate_kbit = 256;
  std::uint32_t latency_ms = 300;
  bool compress = true;  // slowlink: false passes --no-compress to the client
  std::string dir;
};

std::vector<sync::Fields> fields_of_all(std::span<const CaseRecord> records) {
  std::vector<sync::Fields> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(fields_of(r));
  return out;
}
std::vector<Uuid> ids_of(std::span<const CaseRecord> records) {
  std::vector<Uuid> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(*Uuid::parse(r.id));
  return out;
}

// The county whose office is measured, and its records (with the summaries
// the hub ended up with after the two-device edits: the later, field's).
constexpr std::string_view kCounty = "longyou";
std::vector<CaseRecord> county_records(std::span<const CaseRecord> all, const SeededHub& seeded) {
  std::set<std::size_t> edited(seeded.edited.begin(), seeded.edited.end());
  std::vector<CaseRecord> out;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].county == kCounty) {
      out.push_back(all[i]);
      if (edited.count(i)) out.back().notes = field_summary_edit(i);
    }
  return out;
}

double raw_insert_seconds(const ScratchDir& scratch, std::string_view name, std::span<const CaseRecord> records) {
  RawDb raw(scratch.file(std::string(name) + ".db"));
  raw.create_table();
  const auto ids = ids_of(records);
  Stopwatch clock;
  raw.insert_all(records, ids);
  return clock.seconds();
}

// ---------------------------------------------------------------------------

void bootstrap(const Options& opt, const ScratchDir& scratch) {
  const std::size_t n = opt.hub_cells / kCellsPerCase;
  const auto records = generate_workload(n);
  const std::string node = std::string(kCounty) + ":office-9";
  const Pki pki = make_pki(scratch, {"city:hub", node});
  const std::string hub_dir = scratch.file("hub"), client_dir = scratch.file("client");
  const std::uint16_t port = free_port();
  init_hub(pki, hub_dir, port);
  Stopwatch seeding;
  const SeededHub seeded = seed_hub(hub_replica_path(hub_dir), scratch, records, kEditedShare);
  const double seed_seconds = seeding.seconds();
  const auto scope = county_records(records, seeded);

  auto hub = start_hub(hub_dir);
  init_client(pki, client_dir, node, port);
  const ClientSyncRun run = run_client_sync(client_dir, scratch.file("bootstrap"));
  const double hub_peak_rss = hub->peak_rss_mb();
  hub->signal(SIGTERM);
  const double hub_cpu = hub->wait().cpu_seconds;

  const double baseline = raw_insert_seconds(scratch, "raw-bootstrap", scope);
  auto client = open_replica(client_replica_path(client_dir), node, false, 0);
  auto hub_replica = open_replica(hub_replica_path(hub_dir), "city:hub", true, 0);
  const bool converged =
      must(client->content_hash(kCounty), "hash") == must(hub_replica->content_hash(kCounty), "hash");
  JsonLine("bootstrap")
      .integer("cells", run.pulled)
      .integer("hub_cells", seeded.cells)
      .integer("scope_cases", scope.size())
      .number("seconds", run.seconds, 3)
      .number("cells_per_s", run.pulled / run.seconds, 0)
      .str("baseline", "raw_sqlite_insert of the scope's rows")
      .number("baseline_seconds", baseline, 3)
      .number("time_ratio", run.seconds / baseline, 2)
      .number("client_peak_rss_mb", run.peak_rss_mb, 1)
      .number("hub_peak_rss_mb", hub_peak_rss, 1)
      .number("client_cpu_seconds", run.cpu_seconds, 2)
      .number("hub_cpu_seconds", hub_cpu, 2)
      .number("bytes_per_cell", static_cast<double>(run.bytes_received) / run.pulled, 1)
      .number("seed_seconds", seed_seconds, 1)
      .boolean("converged", converged)
      .print();
  if (!converged) throw BenchFailure("the client's scope differs from the hub's after bootstrap");
}

// ---------------------------------------------------------------------------
// The hub's reads for the city: a hub seeded as for bootstrap, opened in
// this process.

struct SeededReplica {
  std::string path;
  std::unique_ptr<Replica> replica;
  std::vector<CaseRecord> records;
};

SeededReplica seeded_hub_replica(const Options& opt, const ScratchDir& scratch) {
  SeededReplica out;
  out.records = generate_workload(opt.hub_cells / kCellsPerCase);
  out.path = scratch.file("hub.db");
  seed_hub(out.path, scratch, out.records, kEditedShare);
  out.replica = open_replica(out.path, "city:hub", true, 0);
  return out;
}

// Milliseconds a plain statement takes to step through all its rows.
double plain_query_ms(sqlite3* db, const std::string& sql, const std::string& bound) {
  Stopwatch clock;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) throw BenchFailure(sqlite3_errmsg(db));
  if (!bound.empty()) sqlite3_bind_text(st, 1, bound.data(), static_cast<int>(bound.size()), SQLITE_STATIC);
  while (sqlite3_step(st) == SQLITE_ROW) {
  }
  sqlite3_finalize(st);
  return clock.seconds() * 1000;
}

void search(const Options& opt, const ScratchDir& scratch) {
  auto hub = seeded_hub_replica(opt, scratch);
  // Words people would type: three or four characters of a title's Chinese part.
  std::mt19937_64 rng(7);
  std::vector<std::string> words;
  for (int i = 0; i < 1001; ++i) {
    const std::string& title = hub.records[rng() % hub.records.size()].title;
    const std::size_t length = 3 + rng() % 2, start = rng() % (8 - length + 1);
    words.push_back(title.substr(start * 3, length * 3));  // CJK: 3 bytes a character
  }
  // The first search indexes every case the hub stored since the last one.
  Stopwatch first_clock;
  const auto first = must(hub.replica->search_cases({{words.back()}, "", "", 20}), "first search");
  const double first_seconds = first_clock.seconds();
  words.pop_back();
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(hub.path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw BenchFailure("open " + hub.path);
  std::vector<double> ms, plain_ms;
  std::size_t found = 0;
  for (const auto& word : words) {
    Stopwatch clock;
    found += must(hub.replica->search_cases({{word}, "", "", 20}), "search").size();
    ms.push_back(clock.seconds() * 1000);
    plain_ms.push_back(plain_query_ms(raw, "SELECT id FROM cases WHERE title LIKE '%' || ?1 || '%' LIMIT 20", word));
  }
  sqlite3_close(raw);
  JsonLine("search")
      .integer("cases", hub.records.size())
      .number("first_search_seconds", first_seconds, 2)
      .integer("first_found", first.size())
      .integer("queries", words.size())
      .number("found_per_query", static_cast<double>(found) / words.size(), 1)
      .number("p50_ms", percentile(ms, 0.5), 2)
      .number("p99_ms", percentile(ms, 0.99), 2)
      .str("baseline", "plain LIKE scan of the titles, first 20")
      .number("baseline_p50_ms", percentile(plain_ms, 0.5), 2)
      .number("baseline_p99_ms", percentile(plain_ms, 0.99), 2)
      .number("p99_ratio", percentile(ms, 0.99) / percentile(plain_ms, 0.99), 3)
      .print();
}

void report(const Options& opt, const ScratchDir& scratch) {
  auto hub = seeded_hub_replica(opt, scratch);
  // The workload's ids are random (version 4), not made at a time, so a
  // period stands for a share of the ids: from 1970 to 9999 takes nearly
  // all of them in (the most a report can count); to 4201, a quarter (a
  // quarter's report on a hub holding a year).
  const auto timed = [&](const char* to, std::int64_t& opened) {
    Stopwatch clock;
    const auto counted = must(sync::city_report(*hub.replica, {"1970-01-02", to, {}, "2026-12-03"}), "report");
    opened = 0;
    for (const auto& c : counted.cases) opened += c.opened;
    return clock.seconds();
  };
  std::int64_t opened = 0, quarter_opened = 0;
  const double seconds = timed("9999-12-31", opened);
  const double quarter_seconds = timed("4201-01-01", quarter_opened);
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(hub.path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw BenchFailure("open " + hub.path);
  const double plain_ms = plain_query_ms(raw, "SELECT county, kind, status, count(*) FROM cases GROUP BY 1, 2, 3", "");
  sqlite3_close(raw);
  JsonLine("report")
      .integer("cases", hub.records.size())
      .integer("cases_counted", opened)
      .number("seconds", seconds, 3)
      .integer("quarter_cases_counted", quarter_opened)
      .number("quarter_seconds", quarter_seconds, 3)
      .str("baseline", "plain GROUP BY county, kind, status of the cases")
      .number("baseline_seconds", plain_ms / 1000, 3)
      .number("time_ratio", seconds * 1000 / plain_ms, 2)
      .print();
}

// ---------------------------------------------------------------------------
// A week offline: the measured office and a field laptop of the same county
// both start from a synced copy; each then makes `changes` changes (new
// cases, summary edits; a tenth of the laptop's edits hit cases the office
// also edited). The laptop syncs first; the office's one sync is timed.

struct WeekOffline {
  Pki pki;
  std::string hub_dir, office_dir;
  std::uint16_t hub_port = 0;
  std::unique_ptr<ChildProcess> hub;
  std::vector<CaseRecord> new_cases;  // both devices' new cases
  std::vector<Uuid> edited_ids;       // both devices' summary edits
  std::vector<std::string> edited_summaries;
  std::vector<CaseRecord> scope;  // the county's cases before the week
};

constexpr std::string_view kOffice = "longyou:office-2";
constexpr std::string_view kLaptop = "longyou:field-2";

sync::net::ClientLinkOptions direct_link(const WeekOffline& w, std::string_view node) {
  sync::net::ClientLinkOptions link;
  link.host = "127.0.0.1";
  link.port = w.hub_port;
  link.tls = w.pki.files(node);
  return link;
}

// One device's week: `changes` cells as new cases (7 cells each) for 70 %,
// summary edits of existing cases for the rest.
void write_week(Replica& device, WeekOffline& w, std::uint64_t changes, std::size_t first_new_record,
                std::size_t edit_offset, std::string_view who) {
  const std::size_t new_cases = changes * 7 / 10 / kCellsPerCase;
  const std::size_t edits = changes - new_cases * kCellsPerCase;
  WorkloadGenerator gen;
  std::vector<CaseRecord> fresh;
  while (gen.index() < first_new_record + new_cases) {
    CaseRecord r = gen.next();
    if (gen.index() <= first_new_record) continue;
    r.county = std::string(kCounty);
    fresh.push_back(std::move(r));
  }
  if (2 * edits > w.scope.size())
    throw BenchFailure("Longyou has " + std::to_string(w.scope.size()) + " cases: too few for two devices' " +
                       std::to_string(edits) + " edits each to overlap by a tenth (raise --records)");
  const auto fields = fields_of_all(fresh);
  const auto ids = ids_of(fresh);
  insert_all(device, fields, ids);
  must(device.transact([&]() -> Status {
    for (std::size_t k = 0; k < edits; ++k) {
      const std::size_t at = (edit_offset + k) % w.scope.size();
      const Uuid id = *Uuid::parse(w.scope[at].id);
      std::string summary = std::string(who) + " week edit " + std::to_string(at) + "：回访记录已更新";
      LIAISON_TRY(device.update(TableId::cases, id, {{"summary", summary}}));
      w.edited_ids.push_back(id);
      w.edited_summaries.push_back(std::move(summary));
    }
    return Status::success();
  }),
       "week's edits");
  w.new_cases.insert(w.new_cases.end(), fresh.begin(), fresh.end());
}

// The hub listens on `hub_port`; the office's configuration names
// `office_hub_port` (the hub, or a proxy in front of it).
WeekOffline prepare_week(const Options& opt, const ScratchDir& scratch, std::uint16_t hub_port,
                         std::uint16_t office_hub_port) {
  WeekOffline w;
  const auto records = generate_workload(opt.records);
  w.pki = make_pki(scratch, {"city:hub", std::string(kOffice), std::string(kLaptop)});
  w.hub_dir = scratch.file("hub");
  w.office_dir = scratch.file("office");
  w.hub_port = hub_port;
  init_hub(w.pki, w.hub_dir, w.hub_port);
  const SeededHub seeded = seed_hub(hub_replica_path(w.hub_dir), scratch, records, kEditedShare);
  w.scope = county_records(records, seeded);
  w.hub = start_hub(w.hub_dir);
  init_client(w.pki, w.office_dir, kOffice, office_hub_port);

  auto office = open_replica(client_replica_path(w.office_dir), kOffice, false, 0);
  auto laptop = open_replica(scratch.file("laptop.db"), kLaptop, false, 0);
  must(sync::net::sync_once(*office, direct_link(w, kOffice)), "office's first sync");
  must(sync::net::sync_once(*laptop, direct_link(w, kLaptop)), "laptop's first sync");
  // The edits overlap by the edited share: the laptop starts where the
  // office's edits end minus that share.
  const std::size_t edits = opt.changes - opt.changes * 7 / 10 / kCellsPerCase * kCellsPerCase;
  const std::size_t overlap = static_cast<std::size_t>(edits * kEditedShare);
  write_week(*laptop, w, opt.changes, opt.records, edits - overlap, "field-2");
  must(sync::net::sync_once(*laptop, direct_link(w, kLaptop)), "laptop's push");
  write_week(*office, w, opt.changes, opt.records + opt.changes, 0, "office-2");
  return w;
}

double week_baseline(const ScratchDir& scratch, const WeekOffline& w) {
  RawDb raw(scratch.file("raw-week.db"));
  raw.create_table();
  raw.insert_all(w.scope, ids_of(w.scope));
  const auto ids = ids_of(w.new_cases);
  Stopwatch clock;
  raw.insert_all(w.new_cases, ids);
  raw.update_summaries(w.edited_ids, w.edited_summaries);
  return clock.seconds();
}

bool office_converged(const WeekOffline& w) {
  auto office = open_replica(client_replica_path(w.office_dir), kOffice, false, 0);
  auto hub = open_replica(hub_replica_path(w.hub_dir), "city:hub", true, 0);
  return must(office->content_hash(kCounty), "hash") == must(hub->content_hash(kCounty), "hash");
}

// The office left in `sync --watch` with nothing to do: its memory.
void idle_watch(const WeekOffline& w, const ScratchDir& scratch) {
  ChildProcess watch({program_path("liaison-client"), "--data", w.office_dir, "sync", "--watch"},
                     scratch.file("watch.out"), scratch.file("watch.err"));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  double rss = 0;
  for (int i = 0; i < 10; ++i) {
    rss = std::max(rss, watch.rss_mb());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  const double peak = watch.peak_rss_mb();
  watch.signal(SIGTERM);
  const auto exit = watch.wait();
  JsonLine("idle_watch")
      .integer("scope_cases", w.scope.size() + w.new_cases.size())
      .number("client_idle_rss_mb", rss, 1)
      .number("client_peak_rss_mb", peak, 1)
      .boolean("stopped_cleanly", exit.code == 0)
      .print();
}

void catchup(const Options& opt, const ScratchDir& scratch) {
  const std::uint16_t port = free_port();
  WeekOffline w = prepare_week(opt, scratch, port, port);
  const ClientSyncRun run = run_client_sync(w.office_dir, scratch.file("catchup"));
  const double baseline = week_baseline(scratch, w);
  JsonLine("catchup")
      .integer("cells_pushed", run.pushed)
      .integer("cells_pulled", run.pulled)
      .integer("rejections", run.rejections)
      .number("seconds", run.seconds, 3)
      .str("baseline", "raw_sqlite insert + update of both sides' changes")
      .number("baseline_seconds", baseline, 3)
      .number("time_ratio", run.seconds / baseline, 2)
      .number("client_peak_rss_mb", run.peak_rss_mb, 1)
      .number("bytes_per_cell", static_cast<double>(run.bytes_sent + run.bytes_received) / (run.pushed + run.pulled), 1)
      .boolean("converged", office_converged(w))
      .print();
  idle_watch(w, scratch);
}

// liaison-fault-proxy in throttle mode in front of 127.0.0.1:to.
std::unique_ptr<ChildProcess> start_throttle(const Options& opt, const ScratchDir& scratch, std::uint16_t to,
                                             std::string_view name, std::uint16_t& port) {
  const std::string out = scratch.file(std::string(name) + ".out");
  auto proxy = std::make_unique<ChildProcess>(
      std::vector<std::string>{program_path("liaison-fault-proxy"), "--listen", "127.0.0.1:0", "--to",
                               "127.0.0.1:" + std::to_string(to), "--rate-kbit", std::to_string(opt.rate_kbit),
                               "--latency-ms", std::to_string(opt.latency_ms)},
      out, scratch.file(std::string(name) + ".err"));
  proxy->wait_for_output(out, "\n", 10);
  std::ifstream in(out);
  std::string word;
  in >> word >> port;
  if (word != "port" || port == 0) throw BenchFailure("liaison-fault-proxy did not say its port (" + out + ")");
  return proxy;
}

void slowlink(const Options& opt, const ScratchDir& scratch) {
  // The office reaches the hub only through the throttle; its setup syncs
  // go straight to the hub.
  const std::uint16_t hub_port = free_port();
  std::uint16_t proxy_port = 0;
  auto proxy = start_throttle(opt, scratch, hub_port, "proxy", proxy_port);
  WeekOffline w = prepare_week(opt, scratch, hub_port, proxy_port);
  const ClientSyncRun run =
      run_client_sync(w.office_dir, scratch.file("slowlink"),
                      opt.compress ? std::vector<std::string>{} : std::vector<std::string>{"--no-compress"});
  std::unique_ptr<ChildProcess> floor_proxy;
  const double floor = tls_stream_seconds(w.pki.files("city:hub"), w.pki.files(kOffice), run.bytes_sent,
                                          run.bytes_received, [&](std::uint16_t server_port) {
                                            std::uint16_t port = 0;
                                            floor_proxy =
                                                start_throttle(opt, scratch, server_port, "floor-proxy", port);
                                            return port;
                                          });
  JsonLine("slowlink")
      .integer("rate_kbit", opt.rate_kbit)
      .integer("latency_ms", opt.latency_ms)
      .boolean("compressed", opt.compress)
      .integer("cells_pushed", run.pushed)
      .integer("cells_pulled", run.pulled)
      .integer("bytes_sent", run.bytes_sent)
      .integer("bytes_received", run.bytes_received)
      .number("bytes_per_cell", static_cast<double>(run.bytes_sent + run.bytes_received) / (run.pushed + run.pulled), 1)
      .number("seconds", run.seconds, 2)
      .str("baseline", "the same bytes as one TLS stream through the same throttle")
      .number("floor_seconds", floor, 2)
      .number("time_ratio", run.seconds / floor, 2)
      .boolean("converged", office_converged(w))
      .print();
}

constexpr const char* kUsage =
    "usage: liaison-scale-bench bootstrap [--hub-cells N]\n"
    "       liaison-scale-bench catchup [--records N] [--changes N]\n"
    "       liaison-scale-bench slowlink [--records N] [--changes N] [--rate-kbit R] [--latency-ms L] [--no-compress]\n"
    "       liaison-scale-bench search|report [--hub-cells N]\n"
    "       (every mode also takes --dir DIR for its scratch files, default /tmp)\n";

}  // namespace
}  // namespace liaison::bench

int main(int argc, char** argv) {
  using namespace liaison::bench;
  Options opt;
  auto number = [&](int& i, const char* what) -> std::uint64_t {
    char* end = nullptr;
    const std::uint64_t v = std::strtoull(argv[++i], &end, 10);
    if (*end != '\0' || v == 0) {
      std::fprintf(stderr, "liaison-scale-bench: %s needs a positive number, not '%s'\n", what, argv[i]);
      std::exit(2);
    }
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (i == 1 && (arg == "bootstrap" || arg == "catchup" || arg == "slowlink" || arg == "search" || arg == "report"))
      opt.mode = arg;
    else if (arg == "--hub-cells" && has_value)
      opt.hub_cells = number(i, "--hub-cells");
    else if (arg == "--records" && has_value)
      opt.records = number(i, "--records");
    else if (arg == "--changes" && has_value)
      opt.changes = number(i, "--changes");
    else if (arg == "--rate-kbit" && has_value)
      opt.rate_kbit = static_cast<std::uint32_t>(number(i, "--rate-kbit"));
    else if (arg == "--latency-ms" && has_value)
      opt.latency_ms = static_cast<std::uint32_t>(number(i, "--latency-ms"));
    else if (arg == "--no-compress")
      opt.compress = false;
    else if (arg == "--dir" && has_value)
      opt.dir = argv[++i];
    else {
      std::fprintf(stderr, "liaison-scale-bench: unexpected '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (opt.mode.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  try {
    ScratchDir scratch(opt.dir);
    JsonLine("env")
        .integer("nproc", std::thread::hardware_concurrency())
        .number("load_average", load_average(), 2)
        .print();
    if (opt.mode == "bootstrap")
      bootstrap(opt, scratch);
    else if (opt.mode == "catchup")
      catchup(opt, scratch);
    else if (opt.mode == "search")
      search(opt, scratch);
    else if (opt.mode == "report")
      report(opt, scratch);
    else
      slowlink(opt, scratch);
  } catch (const BenchFailure& e) {
    std::fprintf(stderr, "liaison-scale-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
