// The records that belong to a case, with commands to add, list, change and
// take them off: `person` (a trip's members, an invitation's invitees, a
// delegation's guests, those involved in an incident), `itinerary` (a
// visit's programme: when, where, what) and `gift` (gifts given and
// received, for the register). Each is one ChildKind over one table; the
// commands are the same for all. A record is named by the number `... list`
// shows (1, 2, ...: in the order they were added) or by the start of its id.
#include <charconv>
#include <cstdint>

#include "shared/labels.hpp"
#include "client/case_fields.hpp"
#include "client/commands.hpp"
#include "client/output.hpp"

namespace liaison::client {

struct ChildKind {
  TableId table;
  std::string_view command;   // person
  std::string_view noun;      // person
  std::string_view plural;    // people
  std::string_view key;       // the column every record needs, given as --KEY: name
  std::string_view key_meta;  // what --KEY takes: NAME
  std::span<const std::string_view> listed;
  std::string_view noun_zh;  // 人员
};

namespace {

constexpr std::string_view kPersonColumns[] = {"role",        "name", "name_latin", "gender",        "born_on",
                                               "nationality", "unit", "post",       "passport_type", "passport_no"};
constexpr std::string_view kItineraryColumns[] = {"at", "place", "description"};
constexpr std::string_view kGiftColumns[] = {"direction", "item", "counterpart", "value", "currency", "handed_over"};

const TableDef& table_of(const ChildKind& kind) { return Schema::get().table(kind.table); }

std::string field_names(const ChildKind& kind) {
  std::string out;
  for (const auto& column : table_of(kind).columns)
    if (column.name != "deleted" && column.name != "case_id")
      out += (out.empty() ? "" : ", ") + std::string(column.name);
  return out;
}

// FIELD=VALUE words as a record's fields, typed by their columns.
Result<sync::Fields> child_fields(const ChildKind& kind,
                                  const std::vector<std::pair<std::string, std::string>>& assignments) {
  sync::Fields fields;
  for (const auto& [field, text] : assignments) {
    const auto column = table_of(kind).column_index(field);
    if (!column || field == "deleted" || field == "case_id")
      return make_error(Errc::unknown_field, "no " + std::string(kind.noun) + " field '" + escape_for_terminal(field) +
                                                 "' — a " + std::string(kind.noun) + "'s fields: " + field_names(kind));
    auto value = typed_value(table_of(kind).columns[*column], text);
    if (!value) return value.error();
    fields.emplace_back(field, std::move(*value));
  }
  return fields;
}

Result<std::vector<std::pair<std::string, std::string>>> assignments_of(std::span<const std::string> words,
                                                                        std::string_view usage) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& word : words) {
    auto pair = split_assignment(word);
    if (!pair) return make_error(Errc::usage, pair.error().message + " — usage: liaison-client " + std::string(usage));
    out.push_back(std::move(*pair));
  }
  return out;
}

// The records of a case, in the order they were added (ids are time-ordered).
Result<std::vector<sync::Row>> records_of(const ChildKind& kind, CaseAt& at) {
  return at.context.replica->list(kind.table, {{{"case_id", at.row.id.to_string()}}, false, 0});
}

// The record `which` names among the case's: its number in the list, or the
// start of its id.
Result<sync::Row> find_record(const ChildKind& kind, CaseAt& at, std::string_view which) {
  auto all = records_of(kind, at);
  if (!all) return all.error();
  const std::string list_command = "'" + std::string(kind.command) + " list'";
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(which.data(), which.data() + which.size(), n);
  if (ec == std::errc() && end == which.data() + which.size() && which.size() < 8) {
    if (n >= 1 && n <= all->size()) return (*all)[n - 1];
    return make_error(Errc::not_found, "case " + to_display(at.row["ref"]) + " has " + std::to_string(all->size()) +
                                           " " + std::string(kind.plural) + "; there is no number " +
                                           std::string(which) + " — " + list_command + " shows them");
  }
  std::vector<sync::Row> matches;
  for (auto& row : *all)
    if (row.id.to_string().starts_with(which) && which.size() >= 4) matches.push_back(std::move(row));
  if (matches.size() == 1) return std::move(matches.front());
  return make_error(matches.empty() ? Errc::not_found : Errc::invalid_argument,
                    "'" + escape_for_terminal(which) + "' names " +
                        (matches.empty() ? "no " + std::string(kind.noun) : "several " + std::string(kind.plural)) +
                        " of case " + to_display(at.row["ref"]) + " — give the number " + list_command +
                        " shows, or more of its id");
}

Outcome written(const ChildKind& kind, CaseAt& at, const Uuid& record, const std::string& line) {
  auto row = at.context.replica->get(kind.table, record);
  if (!row || !*row)
    return advised(Errc::storage_failed,
                   std::string(kind.noun) + " " + record.to_string() + " was written but can't be read back",
                   "run '" + std::string(kind.command) + " list'");
  cli::Report report{row_json(**row), {}};
  return report.line(line);
}

std::string usage(const ChildKind& kind, std::string_view rest) {
  return std::string(kind.command) + " " + std::string(rest);
}

}  // namespace

Outcome child_add(Invocation& in, const ChildKind& kind) {
  const auto key = in.args.option(kind.key);
  const auto sets = in.args.options("set");
  const std::string synopsis =
      usage(kind, "add CASE --" + std::string(kind.key) + " " + std::string(kind.key_meta) + " [--set FIELD=VALUE]...");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, synopsis));
  if (!key || key->find_first_not_of(' ') == std::string::npos)
    return make_error(Errc::usage, kind.table == TableId::people
                                       ? "a person needs a name — add --name NAME (as written in Chinese, or as the "
                                         "person writes it; the passport's spelling goes in --set name_latin=...)"
                                       : "every " + std::string(kind.noun) + " needs --" + std::string(kind.key) + " " +
                                             std::string(kind.key_meta) + " — usage: liaison-client " + synopsis);
  auto assignments = assignments_of(sets, synopsis);
  if (!assignments) return assignments.error();
  assignments->insert(assignments->begin(), {std::string(kind.key), *key});
  auto fields = child_fields(kind, *assignments);
  if (!fields) return advised(fields.error(), "nothing was written");
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto& at = *opened;
  fields->insert(fields->begin(), {"case_id", at.row.id.to_string()});
  auto id = checked_insert(at.context, kind.table, *fields);
  if (!id) return advised(id.error(), "nothing was written");
  auto all = records_of(kind, at);
  const std::size_t n = all ? all->size() : 0;
  return written(kind, at, *id,
                 english() ? "added " + *key + " as " + std::string(kind.noun) + " " + std::to_string(n) + " of case " +
                                 to_display(at.row["ref"])
                           : "已添加 " + *key + "，为案件 " + to_display(at.row["ref"]) + " 的第 " + std::to_string(n) +
                                 " 项" + std::string(kind.noun_zh));
}

Outcome child_list(Invocation& in, const ChildKind& kind) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, usage(kind, "list CASE")));
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto all = records_of(kind, *opened);
  if (!all) return all.error();
  std::vector<std::string> items;
  cli::Table table{{"#"}, {}};
  for (const auto column : kind.listed) table.headers.emplace_back(column);
  for (std::size_t i = 0; i < all->size(); ++i) {
    const sync::Row& record = (*all)[i];
    items.push_back(row_json(record));
    std::vector<std::string> line = {std::to_string(i + 1)};
    for (const auto column : kind.listed) line.push_back(sync::labelled_value(record, column));
    table.rows.push_back(std::move(line));
  }
  cli::Report report{cli::json_array(items), {}};
  return report.table_or(table, "case " + to_display(opened->row["ref"]) + " has no " + std::string(kind.plural) +
                                    " yet — add them with '" + std::string(kind.command) + " add'");
}

Outcome child_set(Invocation& in, const ChildKind& kind) {
  std::vector<std::string> words;
  const std::string synopsis = usage(kind, "set CASE N FIELD=VALUE...");
  LIAISON_TRY(take_words(in.args, words, 3, SIZE_MAX, synopsis));
  auto assignments = assignments_of(std::span(words).subspan(2), synopsis);
  if (!assignments) return assignments.error();
  auto fields = child_fields(kind, *assignments);
  if (!fields) return advised(fields.error(), "nothing was written");
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto record = find_record(kind, *opened, words[1]);
  if (!record) return record.error();
  if (auto st = checked_update(opened->context, kind.table, record->id, *fields); !st)
    return advised(st.error(), "nothing was written");
  std::string names;
  for (const auto& field : *fields) names += (names.empty() ? "" : ", ") + field.first;
  return written(kind, *opened, record->id,
                 english() ? "updated " + to_display((*record)[kind.key]) + ": " + names
                           : "已修改 " + to_display((*record)[kind.key]) + "：" + names);
}

Outcome child_remove(Invocation& in, const ChildKind& kind) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 2, 2, usage(kind, "remove CASE N")));
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto record = find_record(kind, *opened, words[1]);
  if (!record) return record.error();
  if (auto st = checked_update(opened->context, kind.table, record->id, {{"deleted", Value{std::int64_t{1}}}}); !st)
    return advised(st.error(), "nothing was written");
  cli::Report report{cli::json_object({{"id", cli::json_quote(record->id.to_string())}, {"removed", "true"}}), {}};
  return report.line(english()
                         ? "removed " + to_display((*record)[kind.key]) + " from case " + to_display(opened->row["ref"])
                         : "已从案件 " + to_display(opened->row["ref"]) + " 删除 " + to_display((*record)[kind.key]));
}

const ChildKind kPerson{TableId::people, "person", "person", "people", "name", "NAME", kPersonColumns, "人员"};
const ChildKind kItinerary{TableId::itinerary_items, "itinerary", "itinerary item", "itinerary items", "at", "WHEN",
                           kItineraryColumns,        "行程"};
const ChildKind kGift{TableId::gifts, "gift", "gift", "gifts", "item", "ITEM", kGiftColumns, "礼品"};

}  // namespace liaison::client
