// The replica's logs; see replica_logs.hpp.
#include "sync/replica_logs.hpp"

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
                      "INSERT OR IGNORE INTO _rejections (tbl, row, col, value, hlc, node, code, reason, at_ms)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      insert_);
}

Status RejectionLog::record(const Rejection& r, const Value& value, std::uint64_t at_ms) {
  return insert_.bind(1, static_cast<std::int64_t>(r.table))
      .bind_blob(2, r.row.bytes)
      .bind(3, r.column)
      .bind_value(4, value)
      .bind(5, static_cast<std::int64_t>(r.stamp.hlc))
      .bind(6, std::string_view(r.stamp.node))
      .bind(7, std::string_view(errc_name(r.code)))
      .bind(8, std::string_view(r.reason))
      .bind(9, static_cast<std::int64_t>(at_ms))
      .run();
}

Result<std::vector<RecordedRejection>> RejectionLog::list() {
  return select_all<RecordedRejection>(
      *db_, "SELECT id, tbl, row, col, value, hlc, node, code, reason, at_ms FROM _rejections ORDER BY id",
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
        return r;
      });
}

// ---- refusals (hub) ----

Status RefusalLog::prepare(sql::Database& db) {
  db_ = &db;
  return prepare_into(db,
                      "INSERT OR IGNORE INTO _refusals (at_ms, node, certificate, tbl, row, col, value, hlc,"
                      " stamp_node, code, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
      .run();
}

Result<std::vector<Refusal>> RefusalLog::list(const RefusalFilter& filter) {
  return select_all<Refusal>(
      *db_,
      "SELECT id, at_ms, node, certificate, tbl, row, col, value, hlc, stamp_node, code, reason FROM _refusals"
      " WHERE (?1 = '' OR node = ?1) AND at_ms >= ?2 ORDER BY id",
      [&](sql::Statement& st) {
        st.bind(1, std::string_view(filter.node)).bind(2, static_cast<std::int64_t>(filter.since_ms));
      },
      [](const sql::Statement& st) {
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
        return r;
      });
}

// ---- history (hub) ----

Status ChangeHistory::prepare(sql::Database& db) {
  db_ = &db;
  return prepare_into(db,
                      "INSERT INTO _history (at_ms, node, certificate, tbl, row, col, created_row, old_value, old_hlc,"
                      " old_node, new_value, new_hlc, new_node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      insert_);
}

Status ChangeHistory::insert(std::uint64_t at_ms, std::string_view node, std::string_view certificate, TableId table,
                             const Uuid& row, std::uint16_t column, bool created_row, const Value& old_value,
                             const Stamp& old_stamp, const Value& new_value, const Stamp& new_stamp) {
  return insert_.bind(1, static_cast<std::int64_t>(at_ms))
      .bind(2, node)
      .bind(3, certificate)
      .bind(4, static_cast<std::int64_t>(table))
      .bind_blob(5, row.bytes)
      .bind(6, column)
      .bind(7, std::int64_t{created_row})
      .bind_value_in_place(8, old_value)
      .bind(9, static_cast<std::int64_t>(old_stamp.hlc))
      .bind(10, std::string_view(old_stamp.node))
      .bind_value_in_place(11, new_value)
      .bind(12, static_cast<std::int64_t>(new_stamp.hlc))
      .bind(13, std::string_view(new_stamp.node))
      .run();
}

Status ChangeHistory::record_change(std::uint64_t at_ms, std::string_view node, std::string_view certificate,
                                    TableId table, const Uuid& row, std::uint16_t column, const Value& old_value,
                                    const Stamp& old_stamp, const Value& new_value, const Stamp& new_stamp) {
  return insert(at_ms, node, certificate, table, row, column, false, old_value, old_stamp, new_value, new_stamp);
}

Status ChangeHistory::record_creation(std::uint64_t at_ms, std::string_view node, std::string_view certificate,
                                      TableId table, const Uuid& row, const Stamp& stamp) {
  return insert(at_ms, node, certificate, table, row, 0, true, Value{}, Stamp{}, Value{}, stamp);
}

Result<std::vector<Change>> ChangeHistory::list(const ChangeFilter& filter) {
  return select_all<Change>(
      *db_,
      "SELECT id, at_ms, node, certificate, tbl, row, col, created_row, old_value, old_hlc, old_node, new_value,"
      " new_hlc, new_node FROM _history WHERE (?1 = '' OR node = ?1) AND at_ms >= ?2 AND id >= ?3 ORDER BY id",
      [&](sql::Statement& st) {
        st.bind(1, std::string_view(filter.node))
            .bind(2, static_cast<std::int64_t>(filter.since_ms))
            .bind(3, filter.from_id);
      },
      [](const sql::Statement& st) {
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
        return c;
      });
}

}  // namespace liaison::sync
