// The replica's logs; see replica_logs.hpp.
#include "sync/replica_logs.hpp"

#include "sync/hlc.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace liaison::sync {
namespace {

// Columns a log row shares with the others, read from `first` on.
struct CellRef {
  TableId table;
  Uuid row;
  std::uint16_t column;
};
CellRef cell_ref_at(const sql::Statement& st, int first) {
  return {static_cast<TableId>(st.column_int(first)), Uuid::from_bytes(st.column_blob(first + 1).data()),
          static_cast<std::uint16_t>(st.column_int(first + 2))};
}
Stamp stamp_at(const sql::Statement& st, int hlc_column) {
  return {static_cast<std::uint64_t>(st.column_int(hlc_column)), st.column_text(hlc_column + 1)};
}

// Prepares `sql`, binds with `bind`, and collects one `T` per row via `read`.
template <class T, class Bind, class Read>
Result<std::vector<T>> select_all(sql::Database& db, std::string_view sql, Bind&& bind, Read&& read) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  bind(*st);
  std::vector<T> out;
  LIAISON_TRY(st->for_each_row([&]() -> Status {
    out.push_back(read(*st));
    return {};
  }));
  return out;
}

// A log's entries about `rows`, in the order they were written (by id):
// `sql` selects one row's entries (?1), `read` makes a T of each.
template <class T, class Read>
Result<std::vector<T>> entries_of_rows(sql::Database& db, const std::string& sql, std::span<const Uuid> rows,
                                       Read&& read) {
  std::vector<T> out;
  for (const Uuid& row : rows) {
    auto entries = select_all<T>(
        db, sql, [&](sql::Statement& st) { st.bind_blob(1, row.bytes); }, read);
    if (!entries) return entries.error();
    out.insert(out.end(), entries->begin(), entries->end());
  }
  std::sort(out.begin(), out.end(), [](const T& a, const T& b) { return a.id < b.id; });
  return out;
}

Status prepare_into(sql::Database& db, std::string_view sql, sql::Statement& out) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  out = std::move(*st);
  return {};
}

}  // namespace

// ---- conflicts ----

Status ConflictLog::prepare(sql::Database& db) {
  db_ = &db;
  return prepare_into(db,
                      "INSERT OR IGNORE INTO _conflicts (tbl, row, col, loser_value, loser_hlc, loser_node,"
                      " winner_value, winner_hlc, winner_node, logged_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      insert_);
}

Status ConflictLog::record(TableId table, const Uuid& row, std::uint16_t column, const Value& loser_value,
                           const Stamp& loser, const Value& winner_value, const Stamp& winner, std::uint64_t at_ms) {
  return insert_.bind(1, static_cast<std::int64_t>(table))
      .bind_blob(2, row.bytes)
      .bind(3, column)
      .bind_value(4, loser_value)
      .bind(5, static_cast<std::int64_t>(loser.hlc))
      .bind(6, std::string_view(loser.node))
      .bind_value(7, winner_value)
      .bind(8, static_cast<std::int64_t>(winner.hlc))
      .bind(9, std::string_view(winner.node))
      .bind(10, static_cast<std::int64_t>(at_ms))
      .run();
}

Result<std::vector<Conflict>> ConflictLog::list(bool include_restored) {
  return select_all<Conflict>(
      *db_,
      include_restored ? "SELECT id, tbl, row, col, loser_value, loser_hlc, loser_node, winner_value, winner_hlc,"
                         " winner_node, logged_at_ms, restored FROM _conflicts ORDER BY id"
                       : "SELECT id, tbl, row, col, loser_value, loser_hlc, loser_node, winner_value, winner_hlc,"
                         " winner_node, logged_at_ms, restored FROM _conflicts WHERE restored = 0 ORDER BY id",
      [](sql::Statement&) {},
      [](const sql::Statement& st) {
        Conflict c;
        c.id = st.column_int(0);
        const CellRef ref = cell_ref_at(st, 1);
        c.table = ref.table;
        c.row = ref.row;
        c.column = ref.column;
        c.loser_value = st.column_value(4);
        c.loser = stamp_at(st, 5);
        c.winner_value = st.column_value(7);
        c.winner = stamp_at(st, 8);
        c.logged_at_ms = static_cast<std::uint64_t>(st.column_int(10));
        c.restored = st.column_int(11) != 0;
        return c;
      });
}

Status ConflictLog::mark_restored(std::int64_t id) {
  auto st = db_->prepare("UPDATE _conflicts SET restored = 1 WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  return st->run();
}

// ---- rejections (client) ----

Status RejectionLog::prepare(sql::Database& db) {
  db_ = &db;
  return prepare_into(db,
                      "INSERT OR IGNORE INTO _rejections (tbl, row, col, value, hlc, node, code, reason, at_ms,"
                      " staff) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      insert_);
}

Status RejectionLog::record(const Rejection& r, const Value& value, std::string_view staff, std::uint64_t at_ms) {
  return insert_.bind(1, static_cast<std::int64_t>(r.table))
      .bind_blob(2, r.row.bytes)
      .bind(3, r.column)
      .bind_value(4, value)
      .bind(5, static_cast<std::int64_t>(r.stamp.hlc))
      .bind(6, std::string_view(r.stamp.node))
      .bind(7, std::string_view(errc_name(r.code)))
      .bind(8, std::string_view(r.reason))
      .bind(9, static_cast<std::int64_t>(at_ms))
      .bind(10, staff)
      .run();
}

Result<std::vector<RecordedRejection>> RejectionLog::list() {
  return select_all<RecordedRejection>(
      *db_, "SELECT id, tbl, row, col, value, hlc, node, code, reason, at_ms, staff FROM _rejections ORDER BY id",
      [](sql::Statement&) {},
      [](const sql::Statement& st) {
        RecordedRejection r;
        r.id = st.column_int(0);
        const CellRef ref = cell_ref_at(st, 1);
        r.table = ref.table;
        r.row = ref.row;
        r.column = ref.column;
        r.value = st.column_value(4);
        r.stamp = stamp_at(st, 5);
        r.code = errc_from_name(st.column_text(7));
        r.reason = st.column_text(8);
        r.at_ms = static_cast<std::uint64_t>(st.column_int(9));
        r.staff = st.column_text(10);
        return r;
      });
}

// ---- refusals (hub) ----

Status RefusalLog::prepare(sql::Database& db) {
  db_ = &db;
  return prepare_into(db,
                      "INSERT OR IGNORE INTO _refusals (at_ms, node, certificate, tbl, row, col, value, hlc,"
                      " stamp_node, code, reason, staff) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      insert_);
}

Status RefusalLog::record(std::uint64_t at_ms, std::string_view node, std::string_view certificate, const Cell& cell,
                          const Verdict& verdict) {
  return insert_.bind(1, static_cast<std::int64_t>(at_ms))
      .bind(2, node)
      .bind(3, certificate)
      .bind(4, static_cast<std::int64_t>(cell.table))
      .bind_blob(5, cell.row.bytes)
      .bind(6, cell.column)
      .bind_value(7, cell.value)
      .bind(8, static_cast<std::int64_t>(cell.stamp.hlc))
      .bind(9, std::string_view(cell.stamp.node))
      .bind(10, std::string_view(errc_name(verdict.code)))
      .bind(11, std::string_view(verdict.reason))
      .bind(12, std::string_view(cell.staff))
      .run();
}

namespace {

constexpr std::string_view kRefusalColumns =
    "id, at_ms, node, certificate, tbl, row, col, value, hlc, stamp_node, code, reason, staff";

Refusal refusal_at(const sql::Statement& st) {
  Refusal r;
  r.id = st.column_int(0);
  r.at_ms = static_cast<std::uint64_t>(st.column_int(1));
  r.node = st.column_text(2);
  r.certificate = st.column_text(3);
  const CellRef ref = cell_ref_at(st, 4);
  r.table = ref.table;
  r.row = ref.row;
  r.column = ref.column;
  r.value = st.column_value(7);
  r.stamp = stamp_at(st, 8);
  r.code = errc_from_name(st.column_text(10));
  r.reason = st.column_text(11);
  r.staff = st.column_text(12);
  return r;
}

}  // namespace

Result<std::vector<Refusal>> RefusalLog::list(const RefusalFilter& filter) {
  return select_all<Refusal>(
      *db_,
      "SELECT " + std::string(kRefusalColumns) +
          " FROM _refusals WHERE (?1 = '' OR node = ?1) AND at_ms >= ?2 ORDER BY id",
      [&](sql::Statement& st) {
        st.bind(1, std::string_view(filter.node)).bind(2, static_cast<std::int64_t>(filter.since_ms));
      },
      refusal_at);
}

Result<std::vector<Refusal>> RefusalLog::of_case(const Uuid& case_id, std::span<const Uuid> rows) {
  std::vector<Uuid> all(rows.begin(), rows.end());
  // The column as a literal, for SQLite to use the partial index on it.
  auto named = db_->prepare("SELECT DISTINCT row FROM _refusals WHERE col = " + std::to_string(kCaseIdColumn) +
                            " AND value = ?1 AND tbl != ?2");
  if (!named) return named.error();
  named->bind(1, case_id.to_string()).bind(2, static_cast<std::int64_t>(TableId::cases));
  LIAISON_TRY(named->for_each_row([&]() -> Status {
    if (auto row = named->column_uuid(0); row && std::find(all.begin(), all.end(), *row) == all.end())
      all.push_back(*row);
    return {};
  }));
  return entries_of_rows<Refusal>(*db_, "SELECT " + std::string(kRefusalColumns) + " FROM _refusals WHERE row = ?1",
                                  all, refusal_at);
}

// ---- changes seen (client) ----

Status SeenChanges::prepare(sql::Database& db) {
  db_ = &db;
  return prepare_into(db,
                      "INSERT INTO _seen_changes (at_ms, tbl, row, col, old_value, old_hlc, old_node, new_value,"
                      " new_hlc, new_node, staff) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      insert_);
}

Status SeenChanges::record(TableId table, const Uuid& row, std::uint16_t column, const Value& old_value,
                           const Stamp& old_stamp, const Cell& now, std::uint64_t at_ms) {
  return insert_.bind(1, static_cast<std::int64_t>(at_ms))
      .bind(2, static_cast<std::int64_t>(table))
      .bind_blob(3, row.bytes)
      .bind(4, column)
      .bind_value_in_place(5, old_value)
      .bind(6, static_cast<std::int64_t>(old_stamp.hlc))
      .bind(7, std::string_view(old_stamp.node))
      .bind_value_in_place(8, now.value)
      .bind(9, static_cast<std::int64_t>(now.stamp.hlc))
      .bind(10, std::string_view(now.stamp.node))
      .bind(11, std::string_view(now.staff))
      .run();
}

Result<std::vector<Change>> SeenChanges::of_rows(std::span<const Uuid> rows) {
  return entries_of_rows<Change>(
      *db_,
      "SELECT id, tbl, row, col, old_value, old_hlc, old_node, new_value, new_hlc, new_node, staff"
      " FROM _seen_changes WHERE row = ?1",
      rows, [](const sql::Statement& st) {
        Change c;
        c.id = st.column_int(0);
        const CellRef ref = cell_ref_at(st, 1);
        c.table = ref.table;
        c.row = ref.row;
        c.column = ref.column;
        c.old_value = st.column_value(4);
        c.old_stamp = stamp_at(st, 5);
        c.new_value = st.column_value(7);
        c.new_stamp = stamp_at(st, 8);
        c.node = c.new_stamp.node;
        c.staff = st.column_text(10);
        c.at_ms = hlc_ms(c.new_stamp.hlc);
        return c;
      });
}

// ---- history (hub) ----

namespace {

constexpr std::string_view kHistoryColumns =
    "id, at_ms, node, certificate, tbl, row, col, created_row, old_value, old_hlc, old_node, new_value, new_hlc,"
    " new_node, chain, staff";

Change change_at(const sql::Statement& st) {
  Change c;
  c.id = st.column_int(0);
  c.at_ms = static_cast<std::uint64_t>(st.column_int(1));
  c.node = st.column_text(2);
  c.certificate = st.column_text(3);
  const CellRef ref = cell_ref_at(st, 4);
  c.table = ref.table;
  c.row = ref.row;
  c.column = ref.column;
  c.created_row = st.column_int(7) != 0;
  c.old_value = st.column_value(8);
  c.old_stamp = stamp_at(st, 9);
  c.new_value = st.column_value(11);
  c.new_stamp = stamp_at(st, 12);
  c.staff = st.column_text(15);
  return c;
}

using Hash = std::array<std::uint8_t, 32>;

// The bytes an entry's hash covers: the hash before it and every field of
// the entry, each with its length or type, so no two entries read alike.
class Digest {
 public:
  explicit Digest(const Hash& before) {
    crypto_generichash_init(&state_, nullptr, 0, sizeof(Hash));
    crypto_generichash_update(&state_, before.data(), before.size());
  }
  Digest& number(std::uint64_t v) {
    std::uint8_t bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(v >> (8 * i));
    crypto_generichash_update(&state_, bytes, sizeof bytes);
    return *this;
  }
  Digest& text(std::string_view t) {
    number(t.size());
    crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(t.data()), t.size());
    return *this;
  }
  Digest& value(const Value& v) {
    number(v.index());
    if (const auto* i = std::get_if<std::int64_t>(&v)) return number(static_cast<std::uint64_t>(*i));
    if (const auto* d = std::get_if<double>(&v)) {
      std::uint64_t bits;
      std::memcpy(&bits, d, sizeof bits);
      return number(bits);
    }
    if (const auto* t = std::get_if<std::string>(&v)) return text(*t);
    return *this;
  }
  Hash finish() {
    Hash out;
    crypto_generichash_final(&state_, out.data(), out.size());
    return out;
  }

 private:
  crypto_generichash_state state_;
};

Hash entry_hash(const Hash& before, const Change& c) {
  Digest d(before);
  d.number(static_cast<std::uint64_t>(c.id)).number(c.at_ms).text(c.node).text(c.certificate);
  d.number(static_cast<std::uint64_t>(c.table))
      .text(std::string_view(reinterpret_cast<const char*>(c.row.bytes.data()), c.row.bytes.size()));
  d.number(c.column).number(c.created_row ? 1 : 0);
  d.value(c.old_value).number(c.old_stamp.hlc).text(c.old_stamp.node);
  d.value(c.new_value).number(c.new_stamp.hlc).text(c.new_stamp.node);
  // Entries from before staff accounts hash as they did.
  if (!c.staff.empty()) d.text("staff").text(c.staff);
  return d.finish();
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

Hash hash_at(const sql::Statement& st, int column) {
  Hash h{};
  const auto blob = st.column_blob(column);
  if (blob.size() == h.size()) std::memcpy(h.data(), blob.data(), h.size());
  return h;
}

}  // namespace

Status ChangeHistory::prepare(sql::Database& db, bool chain_old) {
  db_ = &db;
  if (sodium_init() < 0) return make_error(Errc::storage_failed, "libsodium could not start; the history is not kept");
  LIAISON_TRY(prepare_into(db,
                           "INSERT INTO _history (id, at_ms, node, certificate, tbl, row, col, created_row, old_value,"
                           " old_hlc, old_node, new_value, new_hlc, new_node, chain, staff)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           insert_));
  LIAISON_TRY(prepare_into(db, "SELECT id, chain FROM _history ORDER BY id DESC LIMIT 1", last_));
  return chain_old ? chain_old_entries() : Status{};
}

Status ChangeHistory::chain_old_entries() {
  Hash before{};
  auto rows = db_->prepare("SELECT " + std::string(kHistoryColumns) + " FROM _history ORDER BY id");
  auto set = db_->prepare("UPDATE _history SET chain = ?1 WHERE id = ?2");
  if (!rows) return rows.error();
  if (!set) return set.error();
  return rows->for_each_row([&]() -> Status {
    const Change c = change_at(*rows);
    before = entry_hash(before, c);
    return set->bind_blob(1, before).bind(2, c.id).run();
  });
}

Status ChangeHistory::insert(std::uint64_t at_ms, std::string_view node, std::string_view certificate,
                             std::string_view staff, TableId table, const Uuid& row, std::uint16_t column,
                             bool created_row, const Value& old_value, const Stamp& old_stamp, const Value& new_value,
                             const Stamp& new_stamp) {
  // Read inside the writing transaction: admin commands append from other
  // processes, so the latest entry is the file's, not this process's.
  Hash before{};
  std::int64_t last_id = 0;
  auto found = last_.step();
  if (!found) return found.error();
  if (*found) {
    last_id = last_.column_int(0);
    before = hash_at(last_, 1);
  }
  last_.reset();
  Change c;
  c.id = last_id + 1;
  c.at_ms = at_ms;
  c.node = std::string(node);
  c.certificate = std::string(certificate);
  c.staff = std::string(staff);
  c.table = table;
  c.row = row;
  c.column = column;
  c.created_row = created_row;
  c.old_value = old_value;
  c.old_stamp = old_stamp;
  c.new_value = new_value;
  c.new_stamp = new_stamp;
  const Hash chain = entry_hash(before, c);
  return insert_.bind(1, c.id)
      .bind(2, static_cast<std::int64_t>(at_ms))
      .bind(3, node)
      .bind(4, certificate)
      .bind(5, static_cast<std::int64_t>(table))
      .bind_blob(6, row.bytes)
      .bind(7, column)
      .bind(8, std::int64_t{created_row})
      .bind_value_in_place(9, old_value)
      .bind(10, static_cast<std::int64_t>(old_stamp.hlc))
      .bind(11, std::string_view(old_stamp.node))
      .bind_value_in_place(12, new_value)
      .bind(13, static_cast<std::int64_t>(new_stamp.hlc))
      .bind(14, std::string_view(new_stamp.node))
      .bind_blob(15, chain)
      .bind(16, staff)
      .run();
}

Status ChangeHistory::record_change(std::uint64_t at_ms, std::string_view node, std::string_view certificate,
                                    std::string_view staff, TableId table, const Uuid& row, std::uint16_t column,
                                    const Value& old_value, const Stamp& old_stamp, const Value& new_value,
                                    const Stamp& new_stamp) {
  return insert(at_ms, node, certificate, staff, table, row, column, false, old_value, old_stamp, new_value, new_stamp);
}

Status ChangeHistory::record_creation(std::uint64_t at_ms, std::string_view node, std::string_view certificate,
                                      std::string_view staff, TableId table, const Uuid& row, const Stamp& stamp) {
  return insert(at_ms, node, certificate, staff, table, row, 0, true, Value{}, Stamp{}, Value{}, stamp);
}

Result<std::vector<Change>> ChangeHistory::list(const ChangeFilter& filter) {
  return select_all<Change>(
      *db_,
      "SELECT " + std::string(kHistoryColumns) +
          " FROM _history WHERE (?1 = '' OR node = ?1) AND at_ms >= ?2 AND id >= ?3 ORDER BY id",
      [&](sql::Statement& st) {
        st.bind(1, std::string_view(filter.node))
            .bind(2, static_cast<std::int64_t>(filter.since_ms))
            .bind(3, filter.from_id);
      },
      change_at);
}

Result<std::vector<Change>> ChangeHistory::of_rows(std::span<const Uuid> rows) {
  return entries_of_rows<Change>(*db_, "SELECT " + std::string(kHistoryColumns) + " FROM _history WHERE row = ?1", rows,
                                 change_at);
}

Result<AuditCheck> ChangeHistory::verify(std::string_view exported_head) {
  auto st = db_->prepare("SELECT " + std::string(kHistoryColumns) + " FROM _history ORDER BY id");
  if (!st) return st.error();
  AuditCheck check;
  check.head_found = exported_head.empty();
  Hash before{};
  std::int64_t expected_id = 1;
  LIAISON_TRY(st->for_each_row([&]() -> Status {
    if (check.broken_at) return {};
    const Change c = change_at(*st);
    const Hash stored = hash_at(*st, 14);
    if (c.id != expected_id) {
      check.broken_at = expected_id;
      check.problem = c.id > expected_id ? "entries " + std::to_string(expected_id) + " to " +
                                               std::to_string(c.id - 1) + " are missing"
                                         : "entry " + std::to_string(c.id) + " is out of order";
      return {};
    }
    const Hash computed = entry_hash(before, c);
    if (computed != stored) {
      check.broken_at = c.id;
      check.problem = "its contents, or an entry before it, were changed after it was written";
      return {};
    }
    before = stored;
    ++check.entries;
    ++expected_id;
    check.head = hex(stored);
    if (!check.head_found && check.head == exported_head) check.head_found = true;
    return {};
  }));
  return check;
}

Result<AuditHead> ChangeHistory::head() {
  auto st =
      db_->prepare("SELECT id, at_ms, chain, (SELECT count(*) FROM _history) FROM _history ORDER BY id DESC LIMIT 1");
  if (!st) return st.error();
  auto found = st->step();
  if (!found) return found.error();
  AuditHead head;
  if (!*found) return head;
  head.last_id = st->column_int(0);
  head.at_ms = static_cast<std::uint64_t>(st->column_int(1));
  head.hash = hex(hash_at(*st, 2));
  head.entries = st->column_int(3);
  return head;
}

}  // namespace liaison::sync
