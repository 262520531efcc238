// The history of a case; see case_history.hpp.
#include "sync/case_history.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "shared/labels.hpp"
#include "sync/hlc.hpp"
#include "sync/row_text.hpp"
#include "sync/staff_accounts.hpp"

namespace liaison::sync {
namespace {

// What a row is called now, to recognise it in a list of changes: a case's
// title, a person's name, an item's time, a gift.
std::string what_it_is(TableId table, const Row& row) {
  for (const char* column : {"title", "name", "at", "item", "body"})
    if (Schema::get().table(table).column_index(column)) return to_display(row[column]);
  return {};
}

using RowRef = std::pair<TableId, Uuid>;

// The case and every record of it, deleted ones too.
Result<std::vector<RowRef>> case_rows(Replica& replica, const Uuid& case_id) {
  std::vector<RowRef> rows = {{TableId::cases, case_id}};
  for (const auto& def : Schema::get().tables()) {
    if (!belongs_to_case(def)) continue;
    auto records = replica.list(def.id, {{{"case_id", case_id.to_string()}}, true, 0});
    if (!records) return records.error();
    for (const auto& r : *records) rows.emplace_back(def.id, r.id);
  }
  return rows;
}

// What a device can tell of the rows: each row's making (its earliest
// cell), every value it saw replaced, and every other value as its cell's
// stamp and person say (written before the device first received the row).
Result<std::vector<Change>> device_history(Replica& replica, const std::vector<RowRef>& rows) {
  std::vector<Uuid> ids;
  for (const auto& [table, id] : rows) ids.push_back(id);
  auto seen = replica.history_of(ids);
  if (!seen) return seen.error();
  std::set<std::tuple<Uuid, std::uint16_t, Stamp>> logged;
  for (const Change& c : *seen) logged.emplace(c.row, c.column, c.new_stamp);
  std::vector<Change> out = std::move(*seen);
  for (const auto& [table, id] : rows) {
    std::vector<Cell> cells;
    for (std::uint16_t column = 0; column < Schema::get().table(table).columns.size(); ++column) {
      auto cell = replica.cell_of(table, id, column);
      if (!cell) return cell.error();
      if (*cell) cells.push_back(std::move(**cell));
    }
    if (cells.empty()) continue;
    const Cell& first =
        *std::min_element(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) { return a.stamp < b.stamp; });
    Change made;
    made.table = table;
    made.row = id;
    made.created_row = true;
    made.new_stamp = first.stamp;
    made.node = first.stamp.node;
    made.staff = first.staff;
    made.at_ms = hlc_ms(first.stamp.hlc);
    out.push_back(made);
    for (const Cell& cell : cells) {
      if (cell.stamp == first.stamp || logged.count({id, cell.column, cell.stamp})) continue;
      Change set;
      set.table = table;
      set.row = id;
      set.column = cell.column;
      set.new_value = cell.value;
      set.new_stamp = cell.stamp;
      set.node = cell.stamp.node;
      set.staff = cell.staff;
      set.at_ms = hlc_ms(cell.stamp.hlc);
      out.push_back(std::move(set));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Change& a, const Change& b) {
    return std::tie(a.new_stamp, b.created_row) < std::tie(b.new_stamp, a.created_row);
  });
  return out;
}

}  // namespace

cli::Table change_table(bool certificates) {
  if (!certificates) return {{"at", "staff", "node", "row", "field", "before", "after"}, {}};
  return {{"at", "staff", "node", "certificate", "row", "field", "before", "after"}, {}};
}

void add_change(Replica& replica, const Change& c, cli::Table& table, std::vector<std::string>& items,
                bool certificates) {
  const std::string field = c.created_row ? std::string() : column_name(c.table, c.column);
  // The row as it is now: what it is called, and a case's kind (for its
  // status's label).
  auto now = replica.get(c.table, c.row);
  const bool found = now && *now;
  const std::string name = found ? what_it_is(c.table, **now) : std::string();
  const std::string kind = found && c.table == TableId::cases ? to_display((**now)["kind"]) : std::string();
  const std::string row =
      table_label(Schema::get().table(c.table).name) + " " + (name.empty() || english() ? c.row.to_string() : name);
  std::vector<std::string> line = {cli::format_time(c.at_ms), staff_label(c.staff), c.node};
  if (certificates) line.push_back(c.certificate);
  line.push_back(row);
  if (c.created_row) {
    line.insert(line.end(), {in_language("(created the row)", "（新建）"), "", name});
  } else {
    const auto shown = [&](const Value& v) { return value_label(field, kind, display_value(field, v)); };
    line.insert(line.end(), {field_label(field), shown(c.old_value), shown(c.new_value)});
  }
  table.rows.push_back(std::move(line));
  items.push_back(cli::json_object({{"id", std::to_string(c.id)},
                                    {"at_ms", std::to_string(c.at_ms)},
                                    {"node", cli::json_quote(c.node)},
                                    {"staff", c.staff.empty() ? "null" : cli::json_quote(c.staff)},
                                    {"certificate", cli::json_quote(c.certificate)},
                                    {"table", cli::json_quote(Schema::get().table(c.table).name)},
                                    {"row", cli::json_quote(c.row.to_string())},
                                    {"field", c.created_row ? "null" : cli::json_quote(field)},
                                    {"created_row", c.created_row ? "true" : "false"},
                                    {"before", c.created_row ? "null" : json_cell(field, c.old_value)},
                                    {"after", c.created_row ? "null" : json_cell(field, c.new_value)}}));
}

namespace {

// One refused write for the case's history: when, who tried it and from
// which device, the field, the value tried and why it was refused.
struct RefusedWrite {
  std::uint64_t at_ms = 0;
  std::string staff, node;
  TableId table = TableId::cases;
  Uuid row;
  std::uint16_t column = 0;
  Value value;
  std::string reason;
};

// The JSON of one refused cell.
std::string refused_item(const RefusedWrite& r) {
  const std::string field = column_name(r.table, r.column);
  return cli::json_object({{"at_ms", std::to_string(r.at_ms)},
                           {"staff", r.staff.empty() ? "null" : cli::json_quote(r.staff)},
                           {"node", cli::json_quote(r.node)},
                           {"table", cli::json_quote(Schema::get().table(r.table).name)},
                           {"row", cli::json_quote(r.row.to_string())},
                           {"field", cli::json_quote(field)},
                           {"refused", "true"},
                           {"value", json_cell(field, r.value)},
                           {"reason", cli::json_quote(r.reason)}});
}

// The refused cells as lines: a record refused whole (its cells carry the
// field only its making sets: a case's kind, a record's case) is one line,
// named as its title, name, time or text, with the fullest of its reasons
// (the others' "the new row's title was refused: ..." says which field);
// an edit is a line per field.
void add_refused(std::span<const RefusedWrite> refused, cli::Table& table, std::vector<std::string>& items) {
  const auto same_attempt = [](const RefusedWrite& a, const RefusedWrite& b) {
    return a.row == b.row && a.node == b.node && a.staff == b.staff;
  };
  for (std::size_t i = 0; i < refused.size();) {
    std::size_t end = i;
    while (end < refused.size() && same_attempt(refused[i], refused[end])) ++end;
    const auto attempt = refused.subspan(i, end - i);
    const RefusedWrite& first = attempt.front();
    const std::string made_by = first.table == TableId::cases ? "kind" : "case_id";
    Row tried{first.table, first.row, std::vector<Value>(Schema::get().table(first.table).columns.size()), {}, 0};
    bool making = false;
    for (const auto& r : attempt) {
      making = making || column_name(r.table, r.column) == made_by;
      if (r.column < tried.values.size()) tried.values[r.column] = r.value;
      items.push_back(refused_item(r));
    }
    const auto line = [&](const RefusedWrite& r, std::string field, std::string value) {
      table.rows.push_back({cli::format_time(r.at_ms), staff_label(r.staff), r.node,
                            table_label(Schema::get().table(r.table).name), std::move(field), std::move(value),
                            r.reason});
    };
    if (making) {
      const auto fullest = std::max_element(attempt.begin(), attempt.end(), [](const auto& a, const auto& b) {
        return a.reason.size() < b.reason.size();
      });
      line(*fullest, in_language("(a new record)", "（新建）"), what_it_is(first.table, tried));
    } else {
      for (const auto& r : attempt) {
        const std::string field = column_name(r.table, r.column);
        line(r, field_label(field), display_value(field, r.value));
      }
    }
    i = end;
  }
}

// What was refused of the writes to a case and its rows: at the hub, every
// device's attempts; on a device, its own.
Result<std::vector<RefusedWrite>> refused_writes(Replica& replica, const Uuid& case_id, std::span<const Uuid> rows) {
  std::vector<RefusedWrite> out;
  if (replica.is_hub()) {
    auto refused = replica.refusals_of_case(case_id, rows);
    if (!refused) return refused.error();
    for (const auto& r : *refused)
      out.push_back({r.at_ms, r.staff, r.node, r.table, r.row, r.column, r.value, r.reason});
    return out;
  }
  auto refused = replica.rejections();
  if (!refused) return refused.error();
  const std::set<Uuid> wanted(rows.begin(), rows.end());
  for (const auto& r : *refused)
    if (wanted.count(r.row))
      out.push_back({r.at_ms, r.staff, r.stamp.node, r.table, r.row, r.column, r.value, r.reason});
  return out;
}

}  // namespace

Result<cli::Report> case_history_report(Replica& replica, const Uuid& case_id) {
  auto rows = case_rows(replica, case_id);
  if (!rows) return rows.error();
  std::vector<Uuid> ids;
  for (const auto& [table, id] : *rows) ids.push_back(id);
  std::vector<std::string> items;
  const bool hub = replica.is_hub();
  auto changes = hub ? replica.history_of(ids) : device_history(replica, *rows);
  if (!changes) return changes.error();
  cli::Table table = change_table(hub);
  for (const auto& c : *changes) add_change(replica, c, table, items, hub);
  auto refused = refused_writes(replica, case_id, ids);
  if (!refused) return refused.error();
  cli::Table refusals{{"at", "staff", "node", "row", "field", "tried", "reason"}, {}};
  add_refused(*refused, refusals, items);

  cli::Report report{cli::json_array(items), {}};
  report.table_or(table, hub ? in_language("no change of it has reached the hub", "该案件尚无送达市级枢纽的修改")
                             : in_language("no change of it on this device", "本设备上没有该案件的修改"));
  if (!refusals.rows.empty())
    report
        .line(hub ? in_language("refused:", "拒收的修改：")
                  : in_language("refused by the hub:", "市级枢纽拒收的修改："))
        .table(refusals);
  if (hub) return report;
  return report.line(
      in_language("as this device knows it: values replaced before it received them are not shown; "
                  "the hub's 'case history' has every change",
                  "以上为本设备所知的记录：本设备收到之前已被替换的值不在其中；完整记录见市级枢纽的 case history"));
}

}  // namespace liaison::sync
