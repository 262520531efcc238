// How a case reads at the hub and on clients (sync/case_view.hpp).
#include "sync/case_view.hpp"

#include "shared/field_format.hpp"
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

Result<CaseSearch> case_search_query(const std::vector<std::string>& words, const std::optional<std::string>& from,
                                     const std::optional<std::string>& to, const std::optional<std::string>& limit) {
  CaseSearch query;
  if (words.empty())
    return make_error(Errc::usage,
                      in_language("give the words to look for: case search WORDS... [--from DAY] [--to DAY]",
                                  "请给出要查找的词：case search 词… [--from 日期] [--to 日期]"));
  for (const auto& word : words) {
    if (auto problem = text_problem(word, {false, 200}))
      return make_error(Errc::invalid_argument, in_language("the word ", "查找词") + escape_for_terminal(word) +
                                                    in_language(" ", "") + *problem);
    if (!word.empty()) query.words.push_back(word);
  }
  if (query.words.empty()) return make_error(Errc::usage, in_language("the words to look for are empty", "查找词为空"));
  LIAISON_TRY(check_day_options(from, to));
  query.from_day = from.value_or("");
  query.to_day = to.value_or("");
  query.limit = 50;
  if (limit) {
    const auto n = parse_meta_number(*limit);
    if (!n || *n < 1 || *n > 1000)
      return make_error(Errc::invalid_argument,
                        "--limit " + escape_for_terminal(*limit) +
                            in_language(" must be a number from 1 to 1000", " 应为 1 到 1000 之间的整数"));
    query.limit = static_cast<std::size_t>(*n);
  }
  return query;
}

const std::vector<cli::OptionSpec>& case_search_options() {
  static const std::vector<cli::OptionSpec> options = {
      {"from", "YYYY-MM-DD", "only cases opened on or after this day, or whose dates reach it"},
      {"to", "YYYY-MM-DD", "only cases opened on or before this day, or whose dates begin by it"},
      {"limit", "N", "show at most N (default 50, the latest first)"}};
  return options;
}

Result<cli::Report> case_search_report(Replica& replica, const CaseSearch& query) {
  auto rows = replica.search_cases(query);
  if (!rows) return rows.error();
  std::vector<std::string> items;
  cli::Table table{{"ref", "number", "county", "kind", "status", "title"}, {}};
  for (const Row& r : *rows) {
    items.push_back(row_json(r));
    // A case made by an older release has no ref until the hub gives it one.
    const std::string ref = to_display(r["ref"]);
    table.rows.push_back({ref.empty() ? r.id.to_string().substr(0, 8) : ref, to_display(r["number"]),
                          place_label(case_place(r)), kind_label(to_display(r["kind"])),
                          status_label(to_display(r["kind"]), to_display(r["status"])), to_display(r["title"])});
  }
  cli::Report report{cli::json_array(items), {}};
  if (rows->empty()) return report.line(in_language("no case matches", "没有符合的案件"));
  report.table(table);
  if (rows->size() == query.limit)
    return report.line(english() ? "the latest " + std::to_string(rows->size()) +
                                       " shown: add words, or --from/--to, to narrow it (or --limit N)"
                                 : "仅显示最新的 " + std::to_string(rows->size()) +
                                       " 件：可加查找词或 --from/--to 缩小范围（或用 --limit N）");
  return report.line(english() ? std::to_string(rows->size()) + " case" + (rows->size() == 1 ? "" : "s")
                               : "共 " + std::to_string(rows->size()) + " 件");
}

}  // namespace liaison::sync
