// SQLite connection and statement wrappers.
#include "sync/sqlite.hpp"

#include <sqlite3.h>

#include <utility>

namespace liaison::sync::sql {

Error sqlite_error(int code, std::string_view doing, sqlite3* db) {
  const int primary = code & 0xff;
  const Errc errc = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? Errc::storage_busy : Errc::storage_failed;
  std::string message(doing);
  message += ": ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  if (primary == SQLITE_FULL) message += " — free disk space, then retry";
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    message += " — the replica file is damaged; restore it from a backup or resync it from the hub";
  return make_error(errc, std::move(message));
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> blob) {
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::bind_value(int index, const Value& v) {
  switch (v.index()) {
    case 1: return bind(index, std::get<std::int64_t>(v));
    case 2: sqlite3_bind_double(stmt_, index, std::get<double>(v)); return *this;
    case 3: return bind(index, std::string_view(std::get<std::string>(v)));
    default: return bind_null(index);
  }
}

Statement& Statement::bind_value_in_place(int index, const Value& v) {
  if (const auto* text = std::get_if<std::string>(&v)) {
    sqlite3_bind_text(stmt_, index, text->data(), static_cast<int>(text->size()), SQLITE_STATIC);
    return *this;
  }
  return bind_value(index, v);
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error error = sqlite_error(rc, std::string("run ") + sqlite3_sql(stmt_), db_);
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::run() {
  return for_each_row([] { return Status(); });
}

Status Statement::for_each_row(const std::function<Status()>& row) {
  for (;;) {
    auto more = step();
    if (!more) return more.error();
    if (!*more) break;
    if (Status st = row(); !st) {
      reset();
      return st;
    }
  }
  reset();
  return {};
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_, i); }

std::string Statement::column_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
}

std::span<const std::uint8_t> Statement::column_blob(int i) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, i));
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
}

bool Statement::column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

Value Statement::column_value(int i) const {
  switch (sqlite3_column_type(stmt_, i)) {
    case SQLITE_INTEGER: return column_int(i);
    case SQLITE_FLOAT: return sqlite3_column_double(stmt_, i);
    case SQLITE_TEXT:
    case SQLITE_BLOB: return column_text(i);
    default: return std::monostate{};
  }
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(rc, "open replica " + path, db);
    sqlite3_close(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);  // admin commands share the hub's file
  return std::unique_ptr<Database>(new Database(db, path));
}

Database::~Database() { sqlite3_close(db_); }

Status Database::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    Error error = sqlite_error(rc, "replica " + path_ + ": " + text.substr(0, 60), nullptr);
    error.message = "replica " + path_ + ": " + text.substr(0, 60) + ": " + detail;
    return error;
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                    nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, "prepare " + std::string(sql.substr(0, 80)), db_);
  return Statement(db_, stmt);
}

}  // namespace liaison::sync::sql
