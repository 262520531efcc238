// The hub's history of accepted changes (`_history`): written in the same
// transaction as the change itself, by apply_push for what nodes send and by
// local writes for the hub's own; read by `liaison-hub changes` and revert.
#include "sync/replica_impl.hpp"

namespace liaison::sync {

namespace {

Status insert_entry(sql::Statement& insert, std::uint64_t at_ms, std::string_view node, std::string_view certificate,
                    TableId table, const Uuid& id, std::uint16_t column, bool created_row, const Value& old_value,
                    const Stamp& old_stamp, const Value& new_value, const Stamp& new_stamp) {
  return insert.bind(1, static_cast<std::int64_t>(at_ms))
      .bind(2, node)
      .bind(3, certificate)
      .bind(4, static_cast<std::int64_t>(table))
      .bind_blob(5, id.bytes)
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

}  // namespace

Status Replica::Impl::record_change(std::string_view node, std::string_view certificate, TableId table, const Uuid& id,
                                    std::uint16_t column, const Value& old_value, const Stamp& old_stamp,
                                    const Value& new_value, const Stamp& new_stamp) {
  return insert_entry(insert_change, clock.wall_ms(), node, certificate, table, id, column, false, old_value, old_stamp,
                      new_value, new_stamp);
}

Status Replica::Impl::record_creation(std::string_view node, std::string_view certificate, TableId table,
                                      const Uuid& id, const Stamp& stamp) {
  return insert_entry(insert_change, clock.wall_ms(), node, certificate, table, id, 0, true, Value{}, Stamp{}, Value{},
                      stamp);
}

Result<std::vector<Change>> Replica::history(const ChangeFilter& filter) {
  if (!impl_->options.hub) return std::vector<Change>{};
  auto st = impl_->db->prepare(
      "SELECT id, at_ms, node, certificate, tbl, row, col, created_row, old_value, old_hlc, old_node, new_value,"
      " new_hlc, new_node FROM _history"
      " WHERE (?1 = '' OR node = ?1) AND at_ms >= ?2 AND id >= ?3 ORDER BY id");
  if (!st) return st.error();
  st->bind(1, std::string_view(filter.node))
      .bind(2, static_cast<std::int64_t>(filter.since_ms))
      .bind(3, filter.from_id);
  std::vector<Change> out;
  LIAISON_TRY(st->for_each_row([&]() -> Status {
    Change c;
    c.id = st->column_int(0);
    c.at_ms = static_cast<std::uint64_t>(st->column_int(1));
    c.node = st->column_text(2);
    c.certificate = st->column_text(3);
    c.table = static_cast<TableId>(st->column_int(4));
    c.row = Uuid::from_bytes(st->column_blob(5).data());
    c.column = static_cast<std::uint16_t>(st->column_int(6));
    c.created_row = st->column_int(7) != 0;
    c.old_value = st->column_value(8);
    c.old_stamp = {static_cast<std::uint64_t>(st->column_int(9)), st->column_text(10)};
    c.new_value = st->column_value(11);
    c.new_stamp = {static_cast<std::uint64_t>(st->column_int(12)), st->column_text(13)};
    out.push_back(std::move(c));
    return {};
  }));
  return out;
}

}  // namespace liaison::sync
