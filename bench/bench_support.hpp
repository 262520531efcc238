// Helpers shared by the benchmark programs: failing fast, timing, one JSON
// object per output line, scratch folders, and loading the workload into
// replicas. Header-only; not thread-safe (one benchmark thread).
#pragma once

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench/workload.hpp"
#include "shared/error.hpp"
#include "shared/node_id.hpp"
#include "sync/replica.hpp"

namespace liaison::bench {

namespace fs = std::filesystem;
using sync::Cell;
using sync::FeedCursor;
using sync::Replica;

inline constexpr std::size_t kRowsPerTransaction = 1000;
inline constexpr std::size_t kCellsPerPage = 1000;
inline constexpr std::size_t kCellsPerBatch = 1000;

// A failed step makes every later figure meaningless: unwind to main, which
// removes the scratch files and exits non-zero.
struct BenchFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void must(const Status& status, std::string_view doing) {
  if (!status.ok())
    throw BenchFailure(std::string(doing) + ": " + status.error().message + " (" + errc_name(status.error().code) +
                       ")");
}
template <class T>
inline T must(Result<T> result, std::string_view doing) {
  if (!result.ok())
    throw BenchFailure(std::string(doing) + ": " + result.error().message + " (" + errc_name(result.error().code) +
                       ")");
  return std::move(result).value();
}

// The value below which a share `p` (0..1) of `v` lies; -1 for none.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const std::size_t at = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[at];
}

class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Other work on a shared machine skews every figure; the env line says how busy it was.
inline double load_average() {
  double load[1] = {0.0};
  return getloadavg(load, 1) == 1 ? load[0] : -1.0;
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// One JSON object, printed as one line (flushed, so a crash mid-run keeps
// the lines already measured).
class JsonLine {
 public:
  explicit JsonLine(std::string_view bench) { str("bench", bench); }
  JsonLine& str(std::string_view key, std::string_view value) {
    this->key(key);
    out_ += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') out_ += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out_ += buf;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
    return *this;
  }
  JsonLine& integer(std::string_view key, std::uint64_t value) {
    this->key(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonLine& number(std::string_view key, double value, int decimals) {
    this->key(key);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    out_ += buf;
    return *this;
  }
  JsonLine& boolean(std::string_view key, bool value) {
    this->key(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  JsonLine& numbers(std::string_view key, const std::vector<double>& values, int decimals) {
    this->key(key);
    out_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%.*f", i ? "," : "", decimals, values[i]);
      out_ += buf;
    }
    out_ += ']';
    return *this;
  }
  // The figures every timed line carries: the median, and every run so that
  // a reader can see how noisy the (shared) machine was.
  JsonLine& timing(std::size_t cells, const std::vector<double>& runs) {
    const double seconds = median(runs);
    integer("cells", cells);
    number("seconds", seconds, 4);
    number("cells_per_s", seconds > 0 ? static_cast<double>(cells) / seconds : 0.0, 0);
    return runs.size() > 1 ? numbers("runs_seconds", runs, 4) : *this;
  }
  // The ratio of medians; only where the baseline ran in this process on the same rows.
  JsonLine& versus(std::string_view baseline, const std::vector<double>& baseline_runs,
                   const std::vector<double>& runs) {
    const double baseline_seconds = median(baseline_runs);
    const double seconds = median(runs);
    str("baseline", baseline);
    number("baseline_seconds", baseline_seconds, 4);
    return number("time_ratio", baseline_seconds > 0 ? seconds / baseline_seconds : 0.0, 2);
  }
  void print() const {
    std::printf("{%s}\n", out_.c_str());
    std::fflush(stdout);
  }

 private:
  void key(std::string_view k) {
    if (!out_.empty()) out_ += ',';
    out_ += '"';
    out_ += k;
    out_ += "\":";
  }
  std::string out_;
};

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent) {
    std::string tmpl = (parent.empty() ? std::string("/tmp") : parent) + "/liaison-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr)
      throw BenchFailure("make scratch directory under " + tmpl + ": " + std::strerror(errno));
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---------------------------------------------------------------------------
// The replica side.

inline std::unique_ptr<Replica> open_replica(const std::string& path, std::string_view node, bool hub,
                                             std::uint64_t seed) {
  sync::ReplicaOptions options;
  options.path = path;
  options.self = must(NodeId::parse(node), "parse node id");
  options.hub = hub;
  options.seed = seed;
  return must(Replica::open(std::move(options)), "open replica " + path);
}

inline sync::Fields fields_of(const CaseRecord& r) {
  return {{"county", r.county},       {"kind", r.kind},     {"title", r.title},          {"status", r.status},
          {"applicant", r.applicant}, {"summary", r.notes}, {"updated_at", r.updated_at}};
}

inline void insert_all(Replica& replica, std::span<const sync::Fields> fields, std::span<const Uuid> ids) {
  for (std::size_t start = 0; start < fields.size(); start += kRowsPerTransaction) {
    must(replica.transact([&]() -> Status {
      for (std::size_t i = start; i < std::min(fields.size(), start + kRowsPerTransaction); ++i) {
        auto inserted = replica.insert(TableId::cases, fields[i], ids[i]);
        if (!inserted.ok()) return inserted.error();
      }
      return Status::success();
    }),
         "insert cases");
  }
}

// Reads the feed from `from` to its end; appends the cells to `sink` when
// given. Returns the cursor after the last page.
inline FeedCursor read_whole_feed(Replica& replica, FeedCursor from, std::size_t& cells, std::vector<Cell>* sink) {
  FeedCursor cursor = from;
  for (;;) {
    auto page = must(replica.read_feed(cursor, kCellsPerPage), "read feed");
    cells += page.cells.size();
    if (sink) std::move(page.cells.begin(), page.cells.end(), std::back_inserter(*sink));
    if (!page.more) return page.next;
    if (page.next == cursor) throw BenchFailure("read feed: cursor did not advance with more == true");
    cursor = page.next;
  }
}

inline sync::MergeStats apply_in_batches(Replica& replica, std::span<const Cell> cells) {
  sync::MergeStats total;
  for (std::size_t start = 0; start < cells.size(); start += kCellsPerBatch) {
    const auto batch = cells.subspan(start, std::min(kCellsPerBatch, cells.size() - start));
    const auto stats = must(replica.apply_remote(batch), "apply remote batch");
    total.applied += stats.applied;
    total.duplicates += stats.duplicates;
    total.older += stats.older;
    total.conflicts += stats.conflicts;
  }
  return total;
}

inline std::uint64_t file_bytes(const std::string& path) {
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = fs::file_size(path + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

}  // namespace liaison::bench
