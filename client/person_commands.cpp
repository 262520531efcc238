// `person add|list|set|remove`: the people of a case (a trip's members, an
// invitation's invitees, a delegation's guests, those involved in an
// incident), as records with typed fields. A person is named by the number
// `person list` shows (1, 2, ...: in the order they were added) or by the
// start of their id.
#include <charconv>
#include <cstdint>

#include "client/case_fields.hpp"
#include "client/commands.hpp"
#include "client/output.hpp"

namespace liaison::client {
namespace {

constexpr std::string_view kListed[] = {"role",        "name", "name_latin", "gender",        "born_on",
                                        "nationality", "unit", "post",       "passport_type", "passport_no"};

const TableDef& people() { return Schema::get().table(TableId::people); }

std::string field_names() {
  std::string out;
  for (const auto& column : people().columns)
    if (column.name != "deleted" && column.name != "case_id")
      out += (out.empty() ? "" : ", ") + std::string(column.name);
  return out;
}

// FIELD=VALUE words as a person's fields, typed by their columns.
Result<sync::Fields> person_fields(const std::vector<std::pair<std::string, std::string>>& assignments) {
  sync::Fields fields;
  for (const auto& [field, text] : assignments) {
    const auto column = people().column_index(field);
    if (!column || field == "deleted" || field == "case_id")
      return make_error(Errc::unknown_field,
                        "no person field '" + escape_for_terminal(field) + "' — a person's fields: " + field_names());
    auto value = typed_value(people().columns[*column], text);
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

// The people of a case, in the order they were added (ids are time-ordered).
Result<std::vector<sync::Row>> people_of(CaseAt& at) {
  return at.context.replica->list(TableId::people, {{{"case_id", at.row.id.to_string()}}, false, 0});
}

// The person `which` names among the case's people: their number in the
// list, or the start of their id.
Result<sync::Row> find_person(CaseAt& at, std::string_view which) {
  auto all = people_of(at);
  if (!all) return all.error();
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(which.data(), which.data() + which.size(), n);
  if (ec == std::errc() && end == which.data() + which.size() && which.size() < 8) {
    if (n >= 1 && n <= all->size()) return (*all)[n - 1];
    return make_error(Errc::not_found, "case " + to_display(at.row["ref"]) + " has " + std::to_string(all->size()) +
                                           " people; there is no number " + std::string(which) +
                                           " — 'person list' shows them");
  }
  std::vector<sync::Row> matches;
  for (auto& row : *all)
    if (row.id.to_string().starts_with(which) && which.size() >= 4) matches.push_back(std::move(row));
  if (matches.size() == 1) return std::move(matches.front());
  return make_error(matches.empty() ? Errc::not_found : Errc::invalid_argument,
                    "'" + escape_for_terminal(which) + "' names " + (matches.empty() ? "nobody" : "several people") +
                        " of case " + to_display(at.row["ref"]) +
                        " — give the number 'person list' shows, or more of the person's id");
}

Outcome written(CaseAt& at, const Uuid& person, const std::string& line) {
  auto row = at.context.replica->get(TableId::people, person);
  if (!row || !*row)
    return advised(Errc::storage_failed, "person " + person.to_string() + " was written but can't be read back",
                   "run 'person list'");
  cli::Report report{row_json(**row), {}};
  return report.line(line);
}

}  // namespace

Outcome cmd_person_add(Invocation& in) {
  const auto name = in.args.option("name");
  const auto sets = in.args.options("set");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "person add CASE --name NAME [--set FIELD=VALUE]..."));
  if (!name || name->find_first_not_of(' ') == std::string::npos)
    return make_error(Errc::usage,
                      "a person needs a name — add --name NAME (as written in Chinese, or as the person "
                      "writes it; the passport's spelling goes in --set name_latin=...)");
  auto assignments = assignments_of(sets, "person add CASE --name NAME [--set FIELD=VALUE]...");
  if (!assignments) return assignments.error();
  auto fields = person_fields(*assignments);
  if (!fields) return advised(fields.error(), "nothing was written");
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto& at = *opened;
  fields->insert(fields->begin(), {{"case_id", at.row.id.to_string()}, {"name", *name}});
  auto id = checked_insert(at.context, TableId::people, *fields);
  if (!id) return advised(id.error(), "nothing was written");
  auto all = people_of(at);
  const std::size_t n = all ? all->size() : 0;
  return written(at, *id,
                 "added " + *name + " as person " + std::to_string(n) + " of case " + to_display(at.row["ref"]));
}

Outcome cmd_person_list(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "person list CASE"));
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto all = people_of(*opened);
  if (!all) return all.error();
  std::vector<std::string> items;
  cli::Table table{{"#", "id"}, {}};
  for (const auto column : kListed) table.headers.emplace_back(column);
  for (std::size_t i = 0; i < all->size(); ++i) {
    const sync::Row& person = (*all)[i];
    items.push_back(row_json(person));
    std::vector<std::string> line = {std::to_string(i + 1), person.id.to_string().substr(0, 8)};
    for (const auto column : kListed) line.push_back(display_value(column, person[column]));
    table.rows.push_back(std::move(line));
  }
  cli::Report report{cli::json_array(items), {}};
  return report.table_or(table, "case " + to_display(opened->row["ref"]) +
                                    " has no people yet — add them with "
                                    "'person add'");
}

Outcome cmd_person_set(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 3, SIZE_MAX, "person set CASE PERSON FIELD=VALUE..."));
  auto assignments = assignments_of(std::span(words).subspan(2), "person set CASE PERSON FIELD=VALUE...");
  if (!assignments) return assignments.error();
  auto fields = person_fields(*assignments);
  if (!fields) return advised(fields.error(), "nothing was written");
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto person = find_person(*opened, words[1]);
  if (!person) return person.error();
  if (auto st = checked_update(opened->context, TableId::people, person->id, *fields); !st)
    return advised(st.error(), "nothing was written");
  std::string names;
  for (const auto& field : *fields) names += (names.empty() ? "" : ", ") + field.first;
  return written(*opened, person->id, "updated " + to_display((*person)["name"]) + ": " + names);
}

Outcome cmd_person_remove(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 2, 2, "person remove CASE PERSON"));
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto person = find_person(*opened, words[1]);
  if (!person) return person.error();
  if (auto st = checked_update(opened->context, TableId::people, person->id, {{"deleted", Value{std::int64_t{1}}}});
      !st)
    return advised(st.error(), "nothing was written");
  cli::Report report{cli::json_object({{"id", cli::json_quote(person->id.to_string())}, {"removed", "true"}}), {}};
  return report.line("removed " + to_display((*person)["name"]) + " from case " + to_display(opened->row["ref"]));
}

}  // namespace liaison::client
