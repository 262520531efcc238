// Error and result output; see output.hpp.
#include "client/output.hpp"

#include <iostream>

namespace liaison::client {
namespace {

constexpr std::string_view kDash = " — ";

bool is_time_column(std::string_view column) {
  return column.size() > 3 && column.substr(column.size() - 3) == "_at";
}

}  // namespace

int fail(std::string_view what, std::string_view todo) {
  std::string line = "liaison-client: ";
  line += what;
  if (!todo.empty() && what.find(kDash) == std::string_view::npos) {
    line += kDash;
    line += todo;
  }
  std::cout.flush();
  std::cerr << escape_for_terminal(line) << '\n';
  return kExitFailure;
}

int fail(const Error& error, std::string_view todo) {
  if (!todo.empty()) return fail(error.message, todo);
  switch (error.code) {
    case Errc::storage_busy: return fail(error.message, "another program is writing this replica; try again in a moment");
    case Errc::storage_failed: return fail(error.message, "check the data folder's free space and permissions");
    default: return fail(error.message, "nothing was changed");
  }
}

int usage_error(std::string_view what) {
  std::cout.flush();
  std::cerr << "liaison-client: " << escape_for_terminal(what);
  if (what.find(kDash) == std::string_view::npos) std::cerr << kDash << "see liaison-client --help";
  std::cerr << '\n';
  return kExitUsage;
}

std::string display_value(std::string_view column, const Value& value) {
  if (const auto* ms = std::get_if<std::int64_t>(&value); ms && is_time_column(column) && *ms > 0)
    return cli::format_time(static_cast<std::uint64_t>(*ms));
  return to_display(value);
}

std::string row_json(const sync::Row& row, const std::vector<std::pair<std::string, std::string>>& extra) {
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

std::string row_json_columns(const sync::Row& row, std::span<const std::string_view> columns) {
  std::vector<std::pair<std::string, std::string>> members;
  members.emplace_back("id", cli::json_quote(row.id.to_string()));
  for (const auto column : columns) members.emplace_back(std::string(column), cli::json_value(row[column]));
  return cli::json_object(members);
}

cli::Table row_table(const sync::Row& row) {
  const auto& def = Schema::get().table(row.table);
  cli::Table table{{"field", "value"}, {}};
  table.rows.push_back({"id", row.id.to_string()});
  for (std::size_t c = 0; c < def.columns.size() && c < row.values.size(); ++c) {
    if (is_null(row.values[c]) || def.columns[c].name == "deleted") continue;
    table.rows.push_back({std::string(def.columns[c].name), display_value(def.columns[c].name, row.values[c])});
  }
  return table;
}

void print_line(const std::string& text) { std::cout << text << '\n'; }

std::string id_text(const Uuid& id) { return id.to_string(); }

}  // namespace liaison::client
