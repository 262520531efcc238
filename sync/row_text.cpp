// How rows read for people and scripts (sync/row_text.hpp).
#include "sync/row_text.hpp"

#include "shared/labels.hpp"

namespace liaison::sync {
namespace {

bool is_time_column(std::string_view column) { return column.size() > 3 && column.substr(column.size() - 3) == "_at"; }

}  // namespace

std::string row_json(const Row& row, const std::vector<std::pair<std::string, std::string>>& extra) {
  const auto& def = Schema::get().table(row.table);
  std::vector<std::pair<std::string, std::string>> members;
  members.emplace_back("id", cli::json_quote(row.id.to_string()));
  for (std::size_t c = 0; c < def.columns.size() && c < row.values.size(); ++c) {
    if (is_null(row.values[c])) continue;
    members.emplace_back(std::string(def.columns[c].name), cli::json_value(row.values[c]));
  }
  members.insert(members.end(), extra.begin(), extra.end());
  return cli::json_object(members);
}

// A staff account's password hash is shown to no one, wherever it appears
// (a conflict, a rejection, the history).
constexpr std::string_view kSecretColumn = "password";

std::string column_name(TableId table, std::uint16_t column) {
  const auto& def = Schema::get().table(table);
  return column < def.columns.size() ? std::string(def.columns[column].name) : "#" + std::to_string(column);
}

std::string json_cell(std::string_view column, const Value& value) {
  return column == kSecretColumn ? "null" : cli::json_value(value);
}

std::string display_value(std::string_view column, const Value& value) {
  if (column == kSecretColumn) return is_null(value) ? "" : "******";
  if (const auto* ms = std::get_if<std::int64_t>(&value); ms && is_time_column(column) && *ms > 0)
    return cli::format_time(static_cast<std::uint64_t>(*ms));
  return to_display(value);
}

std::string labelled_value(const Row& row, std::string_view column) {
  const std::string kind = row.table == TableId::cases ? to_display(row["kind"]) : std::string();
  return value_label(column, kind, display_value(column, row[column]));
}

cli::Table row_table(const Row& row) {
  const auto& def = Schema::get().table(row.table);
  cli::Table table{{"field", "field value"}, {}};
  table.rows.push_back({"id", row.id.to_string()});
  for (std::size_t c = 0; c < def.columns.size() && c < row.values.size(); ++c) {
    const auto name = def.columns[c].name;
    if (is_null(row.values[c]) || name == "deleted") continue;
    table.rows.push_back({field_label(name), labelled_value(row, name)});
  }
  return table;
}

}  // namespace liaison::sync
