// The benchmarks' baseline: plain SQLite, same pragmas as a durable
// replica, no clocks, no feed; one table of the 8 workload fields. What a
// program with no sync at all would pay for the same rows.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "bench/bench_support.hpp"
#include "shared/ids.hpp"

namespace liaison::bench {

// Rows are bound straight from the records (no copies).
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (int rc = sqlite3_open(path.c_str(), &db_); rc != SQLITE_OK) fail(rc, "open " + path);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void create_table() {
    exec(
        "CREATE TABLE cases(id BLOB PRIMARY KEY, county TEXT, kind TEXT, title TEXT, status TEXT, "
        "applicant TEXT, summary TEXT, updated_at INTEGER)");
  }

  void insert_all(std::span<const CaseRecord> records, std::span<const Uuid> ids) {
    sqlite3_stmt* st = prepare("INSERT INTO cases VALUES(?,?,?,?,?,?,?,?)");
    in_transactions(records.size(), [&](std::size_t i) {
      const CaseRecord& r = records[i];
      sqlite3_bind_blob(st, 1, ids[i].bytes.data(), 16, SQLITE_STATIC);
      bind_text(st, 2, r.county);
      bind_text(st, 3, r.kind);
      bind_text(st, 4, r.title);
      bind_text(st, 5, r.status);
      bind_text(st, 6, r.applicant);
      bind_text(st, 7, r.notes);
      sqlite3_bind_int64(st, 8, r.updated_at);
      step_done(st, "insert case");
    });
    sqlite3_finalize(st);
  }

  // Every column of every row, read and touched; returns the rows seen.
  std::size_t scan_all(std::uint64_t& bytes_seen) {
    sqlite3_stmt* st = prepare("SELECT id, county, kind, title, status, applicant, summary, updated_at FROM cases");
    std::size_t rows = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int c = 0; c < 7; ++c) {
        const void* p = sqlite3_column_blob(st, c);
        bytes_seen += static_cast<std::uint64_t>(sqlite3_column_bytes(st, c)) + (p != nullptr);
      }
      bytes_seen += static_cast<std::uint64_t>(sqlite3_column_int64(st, 7) & 1);
      ++rows;
    }
    if (rc != SQLITE_DONE) fail(rc, "scan cases");
    sqlite3_finalize(st);
    return rows;
  }

  // summary = values[k] for rows ids[k], as a sync would write pulled edits.
  void update_summaries(std::span<const Uuid> ids, std::span<const std::string> values) {
    sqlite3_stmt* st = prepare("UPDATE cases SET summary = ? WHERE id = ?");
    in_transactions(ids.size(), [&](std::size_t k) {
      bind_text(st, 1, values[k]);
      sqlite3_bind_blob(st, 2, ids[k].bytes.data(), 16, SQLITE_STATIC);
      step_done(st, "update case summary");
    });
    sqlite3_finalize(st);
  }

  void update_status(std::span<const Uuid> ids, std::span<const std::size_t> which, std::string_view status) {
    sqlite3_stmt* st = prepare("UPDATE cases SET status = ? WHERE id = ?");
    in_transactions(which.size(), [&](std::size_t k) {
      bind_text(st, 1, status);
      sqlite3_bind_blob(st, 2, ids[which[k]].bytes.data(), 16, SQLITE_STATIC);
      step_done(st, "update case status");
    });
    sqlite3_finalize(st);
  }

 private:
  void in_transactions(std::size_t n, const std::function<void(std::size_t)>& row) {
    for (std::size_t start = 0; start < n; start += kRowsPerTransaction) {
      exec("BEGIN");
      for (std::size_t i = start; i < std::min(n, start + kRowsPerTransaction); ++i) row(i);
      exec("COMMIT");
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (int rc = sqlite3_prepare_v2(db_, sql, -1, &st, nullptr); rc != SQLITE_OK) fail(rc, sql);
    return st;
  }
  static void bind_text(sqlite3_stmt* st, int index, std::string_view text) {
    sqlite3_bind_text(st, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void step_done(sqlite3_stmt* st, const char* doing) {
    if (int rc = sqlite3_step(st); rc != SQLITE_DONE) fail(rc, doing);
    sqlite3_reset(st);
  }
  void exec(const char* sql) {
    if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK) fail(rc, sql);
  }
  [[noreturn]] void fail(int rc, const std::string& doing) {
    throw BenchFailure("raw sqlite: " + doing + ": " + sqlite3_errstr(rc) + " (" + sqlite3_errmsg(db_) + ")");
  }
  sqlite3* db_ = nullptr;
};

}  // namespace liaison::bench
