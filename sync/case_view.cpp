// How a case reads at the hub and on clients (sync/case_view.hpp).
#include "sync/case_view.hpp"

#include "shared/labels.hpp"
#include "shared/node_id.hpp"
#include "shared/text.hpp"
#include "sync/row_text.hpp"

namespace liaison::sync {

bool case_involves(const Row& case_row, std::string_view county) {
  if (county == kCityScope) return to_display(case_row["county"]) == kCityScope;
  return scope_visible(case_row.scope, county);
}

std::string case_place(const Row& case_row) {
  std::string place = to_display(case_row["county"]);
  const std::string also = to_display(case_row["also_counties"]);
  if (!also.empty())
    for (const auto county : split_list(also, ',')) place += "+" + std::string(county);
  return place;
}

namespace {

// The records of one table that belong to the case, as JSON items and as a
// table of `columns` (numbered first when `numbered`).
struct Records {
  std::vector<Row> rows;
  std::vector<std::string> json;
  cli::Table table;
};

Result<Records> records_of(Replica& replica, TableId table, const std::vector<std::pair<std::string, Value>>& filter,
                           std::vector<std::string> columns, bool numbered) {
  auto rows = replica.list(table, {filter, false, 0});
  if (!rows) return rows.error();
  Records out{std::move(*rows), {}, {}};
  if (numbered) out.table.headers.push_back("#");
  out.table.headers.insert(out.table.headers.end(), columns.begin(), columns.end());
  for (const Row& row : out.rows) {
    out.json.push_back(row_json(row));
    std::vector<std::string> cells;
    if (numbered) cells.push_back(std::to_string(out.table.rows.size() + 1));
    for (const auto& column : columns) cells.push_back(labelled_value(row, column));
    out.table.rows.push_back(std::move(cells));
  }
  return out;
}

}  // namespace

Result<cli::Report> case_sheet(Replica& replica, const Row& case_row, const std::vector<ReviewFlag>& flags) {
  const std::vector<std::pair<std::string, Value>> of_case = {{"case_id", case_row.id.to_string()}};
  auto notes = records_of(replica, TableId::case_notes, of_case, {"written_at", "author", "label", "body"}, false);
  if (!notes) return notes.error();
  auto people = records_of(replica, TableId::people, of_case, {"role", "name", "name_latin", "unit", "post"}, true);
  if (!people) return people.error();
  auto programme = records_of(replica, TableId::itinerary_items, of_case, {"at", "place", "description"}, false);
  if (!programme) return programme.error();
  auto gifts = records_of(replica, TableId::gifts, of_case, {"item", "direction", "counterpart"}, false);
  if (!gifts) return gifts.error();
  const bool trip = to_display(case_row["kind"]) == "outbound_trip";
  // A trip's passports: those of the register lent to it, now or before.
  Records passports;
  if (trip) {
    auto lent =
        records_of(replica, TableId::cases, {{"kind", std::string("passport")}, {"lent_to", case_row.id.to_string()}},
                   {"passport_no", "holder", "status", "lent_on", "due_back_on", "returned_on"}, false);
    if (!lent) return lent.error();
    passports = std::move(*lent);
  }

  std::vector<std::pair<std::string, std::string>> extra = {{"notes", cli::json_array(notes->json)},
                                                            {"people", cli::json_array(people->json)},
                                                            {"itinerary", cli::json_array(programme->json)},
                                                            {"gifts", cli::json_array(gifts->json)},
                                                            {"review_flags", review_flags_json(flags)}};
  if (trip) extra.emplace_back("passports", cli::json_array(passports.json));
  cli::Report report{row_json(case_row, extra), {}};
  report.table(row_table(case_row)).line("");
  report.table_or(notes->table, std::string(in_language("no notes", "暂无记录")));
  for (const Records* records : {&*people, &passports, &*programme, &*gifts})
    if (!records->rows.empty()) report.line("").table(records->table);
  for (const auto& flag : flags) report.line(std::string(in_language("review flag: ", "审核提示：")) + flag.message);
  return report;
}

}  // namespace liaison::sync
