// liaison-bench: what the sync bookkeeping costs. Each step runs the replica
// (local writes, change feed, merge, a field-level update) on the WORKLOAD.md
// case records beside plain SQLite doing the same job on the same rows in the
// same process, and prints one JSON object per line, so that the ratio, not
// the machine, is the figure to compare. bench/README.md explains each line.
#include <sqlite3.h>
#include <stdlib.h>  // mkdtemp
#include <unistd.h>  // sysconf

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_support.hpp"
#include "bench/raw_sqlite.hpp"
#include "bench/workload.hpp"
#include "shared/error.hpp"
#include "shared/ids.hpp"
#include "shared/node_id.hpp"
#include "shared/schema.hpp"
#include "sync/replica.hpp"

namespace liaison::bench {
namespace {

// ---------------------------------------------------------------------------

struct Options {
  std::size_t records = 100000;
  std::size_t runs = 3;
  std::string dir;  // parent of the scratch directory; empty = /tmp
};

void run(const Options& opt, const ScratchDir& scratch) {
  const std::size_t n = opt.records;
  const std::size_t runs = opt.runs;
  const std::size_t workload_cells = n * kFieldsPerRecord;

  // Everything a step needs is built before any clock starts: the timed
  // sections measure storage work, not our string copies.
  const auto records = generate_workload(n);
  std::vector<Uuid> ids;
  std::vector<sync::Fields> fields;
  ids.reserve(n);
  fields.reserve(n);
  for (const auto& r : records) {
    const auto id = Uuid::parse(r.id);
    if (!id) throw BenchFailure("workload id is not a UUID: " + r.id);
    ids.push_back(*id);
    fields.push_back(fields_of(r));
  }

  JsonLine("env")
      .integer("nproc", static_cast<std::uint64_t>(sysconf(_SC_NPROCESSORS_ONLN)))
      .number("loadavg_1m", load_average(), 2)
      .str("sqlite_version", sqlite3_libversion())
#ifdef __clang__
      .str("compiler", "clang " __clang_version__)
#else
      .str("compiler", "gcc " __VERSION__)
#endif
#ifdef NDEBUG
      .boolean("ndebug", true)
#else
      .boolean("ndebug", false)
#endif
      .integer("records", n)
      .integer("seed", kDefaultSeed)
      .str("workload_checksum", checksum_hex(workload_checksum(records)))
      .integer("runs", runs)
      .str("dir", scratch.path())
      .print();

  // ---- inserts: baseline and replica interleaved, so machine noise hits both
  std::vector<std::unique_ptr<RawDb>> raws;
  std::vector<std::unique_ptr<Replica>> locals;
  std::vector<double> raw_insert_s, local_write_s;
  for (std::size_t r = 0; r < runs; ++r) {
    auto raw = std::make_unique<RawDb>(scratch.file("raw-" + std::to_string(r) + ".db"));
    raw->create_table();
    Stopwatch raw_watch;
    raw->insert_all(records, ids);
    raw_insert_s.push_back(raw_watch.seconds());
    raws.push_back(std::move(raw));

    auto local = open_replica(scratch.file("local-" + std::to_string(r) + ".db"), "longyou:office-1", false, 1 + r);
    Stopwatch local_watch;
    insert_all(*local, fields, ids);
    local_write_s.push_back(local_watch.seconds());
    locals.push_back(std::move(local));
  }
  JsonLine("raw_sqlite_insert").timing(workload_cells, raw_insert_s).print();
  JsonLine("local_write")
      .timing(workload_cells, local_write_s)
      .versus("raw_sqlite_insert", raw_insert_s, local_write_s)
      .print();

  // ---- full scans: the feed from zero against a plain SELECT
  std::vector<double> raw_scan_s, feed_s;
  std::vector<FeedCursor> after_inserts(runs);
  std::vector<Cell> feed_cells;  // run 0's feed: the input of the merge step
  std::size_t feed_cell_count = 0;
  for (std::size_t r = 0; r < runs; ++r) {
    std::uint64_t bytes_seen = 0;
    Stopwatch raw_watch;
    const auto rows = raws[r]->scan_all(bytes_seen);
    raw_scan_s.push_back(raw_watch.seconds());
    if (rows != n) throw BenchFailure("raw scan saw " + std::to_string(rows) + " rows, expected " + std::to_string(n));

    std::size_t cells = 0;
    std::vector<Cell> sink;
    Stopwatch feed_watch;
    after_inserts[r] = read_whole_feed(*locals[r], FeedCursor{0, 0}, cells, &sink);
    feed_s.push_back(feed_watch.seconds());
    if (r == 0) {
      feed_cells = std::move(sink);
      feed_cell_count = cells;
    }
  }
  JsonLine("raw_sqlite_scan").timing(workload_cells, raw_scan_s).print();
  JsonLine("feed_read")
      .timing(workload_cells, feed_s)
      .integer("feed_cells", feed_cell_count)
      .integer("page_cells", kCellsPerPage)
      .versus("raw_sqlite_scan", raw_scan_s, feed_s)
      .print();

  // ---- merge: the whole feed, in push-sized batches, into empty replicas
  const auto source_hash = must(locals[0]->content_hash(kCityScope), "content hash of local replica");
  std::uint64_t hub_bytes = 0;
  auto merge_into = [&](std::string_view bench, std::string_view node, bool hub) {
    std::vector<double> merge_s, replay_s;
    sync::MergeStats first, replay;
    bool converged = true;
    for (std::size_t r = 0; r < runs; ++r) {
      const auto path = scratch.file(std::string(bench) + "-" + std::to_string(r) + ".db");
      auto target = open_replica(path, node, hub, 100 + r);
      Stopwatch watch;
      const auto stats = apply_in_batches(*target, feed_cells);
      merge_s.push_back(watch.seconds());
      converged = converged && must(target->content_hash(kCityScope), "content hash of merged replica") == source_hash;
      // At-least-once delivery resends batches: a replay must cost little and change nothing.
      Stopwatch replay_watch;
      const auto again = apply_in_batches(*target, feed_cells);
      replay_s.push_back(replay_watch.seconds());
      if (r == 0) {
        first = stats;
        replay = again;
      }
      target.reset();
      if (r == 0 && hub) hub_bytes = file_bytes(path);
    }
    JsonLine(bench)
        .str("node", node)
        .timing(workload_cells, merge_s)
        .integer("feed_cells", feed_cells.size())
        .integer("batch_cells", kCellsPerBatch)
        .integer("applied", first.applied)
        .integer("duplicates", first.duplicates)
        .integer("conflicts", first.conflicts)
        .boolean("converged", converged)
        .versus("raw_sqlite_insert", raw_insert_s, merge_s)
        .print();
    JsonLine(std::string(bench) + "_replay")
        .str("node", node)
        .timing(workload_cells, replay_s)
        .integer("applied", replay.applied)
        .integer("duplicates", replay.duplicates)
        .versus("raw_sqlite_insert", raw_insert_s, replay_s)
        .print();
  };
  merge_into("merge", "city:hub", true);
  merge_into("merge_client", "city:desk-3", false);

  // ---- update phase: one field of every tenth case, then what the feed ships
  const auto status_column = Schema::get().table(TableId::cases).column_index("status");
  std::vector<std::size_t> updated;
  for (std::size_t i = 0; i < n; ++i)
    if (is_updated_in_phase(i)) updated.push_back(i);
  const sync::Fields submitted = {{"status", std::string(kUpdatedStatus)}};
  std::vector<double> raw_update_s, update_s, update_feed_s;
  std::size_t shipped = 0;
  bool only_status = true;
  for (std::size_t r = 0; r < runs; ++r) {
    Stopwatch raw_watch;
    raws[r]->update_status(ids, updated, kUpdatedStatus);
    raw_update_s.push_back(raw_watch.seconds());

    Replica& local = *locals[r];
    Stopwatch watch;
    for (std::size_t start = 0; start < updated.size(); start += kRowsPerTransaction) {
      must(local.transact([&]() -> Status {
        for (std::size_t k = start; k < std::min(updated.size(), start + kRowsPerTransaction); ++k)
          LIAISON_TRY(local.update(TableId::cases, ids[updated[k]], submitted));
        return Status::success();
      }),
           "update case status");
    }
    update_s.push_back(watch.seconds());

    std::size_t cells = 0;
    std::vector<Cell> sink;
    Stopwatch feed_watch;
    read_whole_feed(local, after_inserts[r], cells, &sink);
    update_feed_s.push_back(feed_watch.seconds());
    if (r == 0) {
      shipped = cells;
      for (const auto& c : sink) only_status = only_status && status_column && c.column == *status_column;
    }
  }
  JsonLine("raw_sqlite_update").timing(updated.size(), raw_update_s).print();
  JsonLine("update_phase")
      .timing(updated.size(), update_s)
      .integer("cells_shipped", shipped)
      .integer("expected_cells", updated.size())
      .boolean("only_status_shipped", only_status)
      .number("feed_seconds", median(update_feed_s), 4)
      .versus("raw_sqlite_update", raw_update_s, update_s)
      .print();

  // ---- storage: what the per-cell clocks and feed index cost on disk
  raws.clear();
  locals.clear();
  const auto raw_bytes = file_bytes(scratch.file("raw-0.db"));
  const auto local_bytes = file_bytes(scratch.file("local-0.db"));
  JsonLine("storage")
      .integer("raw_bytes", raw_bytes)
      .integer("replica_bytes", local_bytes)
      .integer("hub_bytes", hub_bytes)
      .number("replica_vs_raw", raw_bytes ? static_cast<double>(local_bytes) / static_cast<double>(raw_bytes) : 0.0, 2)
      .print();
}

std::size_t parse_count(const char* flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v == 0 || text[0] == '-')
    throw BenchFailure(std::string(flag) + " wants a positive integer, got '" + text + "'");
  return static_cast<std::size_t>(v);
}

Options parse_options(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--records" && has_value) {
      opt.records = parse_count("--records", argv[++i]);
    } else if (arg == "--runs" && has_value) {
      opt.runs = parse_count("--runs", argv[++i]);
    } else if (arg == "--dir" && has_value) {
      opt.dir = argv[++i];
    } else {
      throw BenchFailure(
          "usage: liaison-bench [--records N] [--runs R] [--dir DIR]\n"
          "  N records of WORKLOAD.md seed 42 (default 100000); each timed step runs R times\n"
          "  (default 3) on fresh files, median reported; scratch files go in a fresh\n"
          "  directory under DIR (default /tmp), removed at the end");
    }
  }
  return opt;
}

}  // namespace
}  // namespace liaison::bench

int main(int argc, char** argv) {
  using namespace liaison::bench;
  try {
    const Options opt = parse_options(argc, argv);
    const ScratchDir scratch(opt.dir);
    run(opt, scratch);
  } catch (const BenchFailure& e) {
    std::fprintf(stderr, "liaison-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
