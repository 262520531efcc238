// SQLite connection and statement wrappers.
#include "sync/sqlite.hpp"

#include <sqlite3.h>

#include <unistd.h>

#include <cerrno>

#include <utility>

namespace liaison::sync::sql {

namespace {

// What keeps SQLite from writing the file (or making its -wal and -shm
// files beside it), as the system tells it: the errno SQLite saw may be of
// another attempt, so the file and its folder are asked directly.
std::string why_not_writable(sqlite3* db) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  if (!file || !*file) return {};
  const std::string path(file);
  const auto slash = path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int error = 0;
  if (::access(folder.c_str(), W_OK) != 0)
    error = errno;
  else if (::access(path.c_str(), W_OK) != 0 && errno != ENOENT)
    error = errno;
  if (error == EROFS)
    return " — the data folder is on a read-only file system: mount it read-write, or copy the folder elsewhere";
  if (error == EACCES || error == EPERM)
    return " — this user can't write the replica file or its folder: run Liaison as the user who owns the data "
           "folder, or give it back to that user (chown -R)";
  if (error == ENOENT) return " — the data folder is gone: check the --data path";
  return " — check the data folder's permissions and free space";
}

}  // namespace

Error sqlite_error(int code, std::string_view doing, sqlite3* db) {
  const int primary = code & 0xff;
  const Errc errc = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? Errc::storage_busy : Errc::storage_failed;
  std::string message(doing);
  message += ": ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  switch (primary) {
    case SQLITE_FULL: message += " — free disk space, then retry"; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      message += " — the replica file is damaged; restore it from a backup or resync it from the hub";
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN: message += why_not_writable(db); break;
    case SQLITE_IOERR: message += " — the disk reported an error; check it, and free space"; break;
    default: break;
  }
  return make_error(errc, std::move(message));
}

namespace {

// Names the file, not the statement: people act on the file, and the SQL
// means nothing to them.
std::string replica_of(sqlite3* db) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  return std::string("replica ") + (file && *file ? file : "(in memory)");
}

}  // namespace

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
  // A default string_view has no data; SQLite would bind NULL for it. Text
  // is text, empty or not (NULL is bind_null's).
  sqlite3_bind_text(stmt_, index, text.data() ? text.data() : "", static_cast<int>(text.size()), SQLITE_TRANSIENT);
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
  Error error =
      sqlite_error(rc, (sqlite3_stmt_readonly(stmt_) ? "can't read " : "can't write ") + replica_of(db_), db_);
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

std::optional<Uuid> Statement::column_uuid(int i) const {
  const auto blob = column_blob(i);
  if (blob.size() != sizeof(Uuid::bytes)) return std::nullopt;
  return Uuid::from_bytes(blob.data());
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
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
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
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg says the same
  if (rc != SQLITE_OK) return sqlite_error(rc, "can't update replica " + path_, db_);
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, "can't query " + replica_of(db_), db_);
  return Statement(db_, stmt);
}

}  // namespace liaison::sync::sql
