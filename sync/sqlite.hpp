// Thin RAII over the SQLite C API: a connection and prepared statements,
// with failures mapped to liaison Errors that name what was being done.
// Internal to sync/. Not thread-safe: one owner, like the Replica.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "shared/error.hpp"
#include "shared/ids.hpp"
#include "shared/value.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace liaison::sync::sql {

Error sqlite_error(int code, std::string_view doing, sqlite3* db = nullptr);

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& bind(int index, std::int64_t v);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> blob);
  Statement& bind_null(int index);
  Statement& bind_value(int index, const Value& v);
  // Binds without SQLite copying the text. REQUIRES: `v` outlives the step.
  Statement& bind_value_in_place(int index, const Value& v);

  // true: a row is ready; false: done. Errors come back as values.
  Result<bool> step();
  Status run();  // step to completion, expecting no rows
  // Steps to completion, calling `row` for each result row; stops at the
  // first error `row` returns.
  Status for_each_row(const std::function<Status()>& row);
  void reset();
  bool prepared() const noexcept { return stmt_ != nullptr; }

  std::int64_t column_int(int i) const;
  std::string column_text(int i) const;
  std::span<const std::uint8_t> column_blob(int i) const;
  // A row id stored as its 16 bytes; nullopt when the column holds anything else.
  std::optional<Uuid> column_uuid(int i) const;
  bool column_is_null(int i) const;
  Value column_value(int i) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  sqlite3* handle() const noexcept { return db_; }
  const std::string& path() const noexcept { return path_; }

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace liaison::sync::sql
