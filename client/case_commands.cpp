// `case new|list|show|set|submit` and `note add`: cases as county and field
// staff work on them offline. Every write is pre-checked against the hub's
// authority rules and goes through the replica in one transaction.
#include <cstdint>
#include <variant>

#include "client/case_fields.hpp"
#include "client/commands.hpp"
#include "sync/case_history.hpp"
#include "client/output.hpp"
#include "shared/labels.hpp"
#include "sync/case_view.hpp"
#include "sync/review.hpp"
#include "sync/row_lookup.hpp"

namespace liaison::client {
namespace {

constexpr std::string_view kListColumns[] = {"kind", "county", "title", "status", "updated_at", "ref", "number"};

std::string text_of(const Value& value) {
  const auto* text = std::get_if<std::string>(&value);
  return text ? *text : std::string();
}

std::string counties() {
  std::string out;
  for (const auto county : kCounties) out += (out.empty() ? "" : ", ") + std::string(county);
  return out;
}

// Adds or replaces a field: the last FIELD=VALUE for a field wins.
void put(sync::Fields& fields, std::pair<std::string, Value> field) {
  for (auto& existing : fields)
    if (existing.first == field.first) {
      existing.second = std::move(field.second);
      return;
    }
  fields.push_back(std::move(field));
}

bool county_may_edit(const CaseKind& kind, const sync::Row& row) {
  const StatusDef* status = kind.status(text_of(row["status"]));
  return status && status->county_editable;
}

// The case after a change: its JSON object, or one line for people.
Outcome changed(CaseAt& at, const std::string& line) {
  auto row = at.context.replica->get(TableId::cases, at.row.id);
  if (!row || !*row)
    return advised(Errc::storage_failed, "case " + at.row.id.to_string() + " was written but can't be read back",
                   "run 'case show'");
  cli::Report report{row_json(**row), {}};
  return report.line(line);
}

}  // namespace

Outcome cmd_case_new(Invocation& in) {
  auto& args = in.args;
  auto kind_name = args.required("kind");
  auto title = args.required("title");
  const auto county_opt = args.option("county");
  const auto also = args.option("also");
  const auto sets = args.options("set");
  std::vector<std::string> words;
  LIAISON_TRY(
      take_words(args, words, 0, 0, "case new --kind K --title T [--county C] [--also C,C] [--set FIELD=VALUE]..."));
  if (!kind_name) return make_error(Errc::usage, kind_name.error().message + " (one of " + kind_names() + ")");
  if (!title) return make_error(Errc::usage, title.error().message);
  const CaseKind* kind = Schema::get().find_kind(*kind_name);
  if (!kind) return make_error(Errc::usage, "no case kind '" + *kind_name + "' — kinds: " + kind_names());
  if (county_opt && !is_county(*county_opt) && *county_opt != kCityScope)
    return make_error(Errc::usage, "'" + *county_opt + "' is not a county — counties: " + counties() +
                                       ", or city for the city office's own cases");
  std::vector<std::pair<std::string, std::string>> assignments;
  for (const auto& set : sets) {
    auto pair = split_assignment(set);
    if (!pair) return make_error(Errc::usage, pair.error().message + " in --set");
    assignments.push_back(std::move(*pair));
  }

  auto context = open_context(in);
  if (!context) return context.error();
  Context& ctx = *context;
  std::string county;
  if (county_opt) {
    county = *county_opt;
    if (ctx.county_node() && county != ctx.node.scope())
      return advised(Errc::out_of_scope,
                     ctx.node.str() + " can open cases only for " + std::string(ctx.node.scope()) + ", not " + county,
                     "leave out --county, or ask the city office to open it");
  } else {
    if (ctx.node.is_city())
      return make_error(Errc::usage, "a city node must say which county the case belongs to — add --county C (" +
                                         counties() + "), or --county city for the city office's own case");
    county = std::string(ctx.node.scope());
  }
  sync::Fields fields = {{"kind", std::string(kind->name)},
                         {"county", county},
                         {"title", *title},
                         {"status", std::string(kind->initial_status)},
                         {"created_by", ctx.node.str()},
                         {"updated_at", static_cast<std::int64_t>(ctx.now_ms())}};
  if (also && !also->empty()) {
    // Typed as people write lists: "kaihua、changshan" or "kaihua, changshan".
    std::string list;
    for (std::size_t i = 0; i < also->size();) {
      if ((*also)[i] == ' ') {
        ++i;
      } else if (also->compare(i, 3, "、") == 0 || also->compare(i, 3, "，") == 0) {
        list += ',';
        i += 3;
      } else {
        list += (*also)[i++];
      }
    }
    put(fields, {"also_counties", list});
  }
  for (const auto& [typed_field, typed_text] : assignments)
    for (const auto& [field, text] : expand_assignment(typed_field, typed_text)) {
      auto parsed = parse_case_field(*kind, ctx.node.is_city(), field, text, false);
      if (!parsed) return advised(parsed.error(), "nothing was written");
      put(fields, std::move(*parsed));
    }
  if (auto st = money_problem(*kind, fields, [](std::string_view) { return Value{}; }); !st)
    return advised(st.error(), "nothing was written");
  auto id = checked_insert(ctx, TableId::cases, fields);
  if (!id) return advised(id.error(), "nothing was written");
  auto made = ctx.replica->get(TableId::cases, *id);
  if (!made) return made.error();
  const std::string ref = *made ? text_of((**made)["ref"]) : std::string();
  cli::Report report{cli::json_object({{"id", cli::json_quote(id->to_string())}, {"ref", cli::json_quote(ref)}}), {}};
  return report.line(ref + "  " + id->to_string());
}

Outcome cmd_case_list(Invocation& in) {
  auto& args = in.args;
  const auto county = args.option("county");
  const auto kind = args.option("kind");
  const auto status = args.option("status");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(args, words, 0, 0, "case list [--county C] [--kind K] [--status S]"));
  if (county && !is_county(*county) && *county != kCityScope)
    return make_error(Errc::usage, "'" + *county + "' is not a county — counties: " + counties() + ", or city");
  const CaseKind* kind_def = kind ? Schema::get().find_kind(*kind) : nullptr;
  if (kind && !kind_def) return make_error(Errc::usage, "no case kind '" + *kind + "' — kinds: " + kind_names());
  if (status) {
    bool known = false;
    for (const auto& k : Schema::get().case_kinds())
      if ((!kind_def || &k == kind_def) && k.status(*status)) known = true;
    if (!known)
      return make_error(Errc::usage,
                        "no case status '" + *status + "'" + (kind ? " for " + *kind + " cases" : std::string()));
  }

  auto context = open_context(in);
  if (!context) return context.error();
  sync::RowFilter filter;
  if (kind) filter.equals.emplace_back("kind", *kind);
  if (status) filter.equals.emplace_back("status", *status);
  auto rows = context->replica->list(TableId::cases, filter);
  if (!rows) return rows.error();
  std::vector<std::string> items;
  cli::Table table{{"ref", "number", "kind", "county", "status", "updated", "title"}, {}};
  for (const auto& row : *rows) {
    if (county && !sync::case_involves(row, *county)) continue;
    items.push_back(row_json_columns(row, kListColumns));
    // A case made by an older release has no ref until the hub gives it one.
    const std::string ref = text_of(row["ref"]);
    table.rows.push_back({ref.empty() ? row.id.to_string().substr(0, 8) : ref, text_of(row["number"]),
                          kind_label(text_of(row["kind"])), place_label(sync::case_place(row)),
                          status_label(text_of(row["kind"]), text_of(row["status"])),
                          display_value("updated_at", row["updated_at"]), text_of(row["title"])});
  }
  cli::Report report{cli::json_array(items), {}};
  return report.table_or(table, "no cases" + std::string(county || kind || status ? " match" : " on this replica yet"));
}

Outcome cmd_case_search(Invocation& in) {
  const auto from = in.args.option("from");
  const auto to = in.args.option("to");
  const auto limit = in.args.option("limit");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 100, "case search WORDS... [--from DAY] [--to DAY] [--limit N]"));
  auto query = sync::case_search_query(words, from, to, limit);
  if (!query) return query.error();
  auto context = open_context(in);
  if (!context) return context.error();
  return sync::case_search_report(*context->replica, *query);
}

namespace {

// What the reviewer is warned of about the case, by the settings in force.
Result<std::vector<sync::ReviewFlag>> review_flags(CaseAt& at) {
  auto rules = sync::load_rules(*at.context.replica);
  if (!rules) return rules.error();
  return sync::review_case(*at.context.replica, at.row, *rules, china_date(at.context.now_ms()));
}

}  // namespace

Outcome cmd_case_show(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "case show ID"));
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto flags = review_flags(*opened);
  if (!flags) return flags.error();
  return sync::case_sheet(*opened->context.replica, opened->row, *flags);
}

Outcome cmd_case_history(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "case history ID"));
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  return sync::case_history_report(*opened->context.replica, opened->row.id);
}

Outcome cmd_case_set(Invocation& in) {
  const bool despite_flags = in.args.flag("despite-flags");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 2, SIZE_MAX, "case set ID FIELD=VALUE..."));
  std::vector<std::pair<std::string, std::string>> assignments;
  for (std::size_t i = 1; i < words.size(); ++i) {
    auto pair = split_assignment(words[i]);
    if (!pair)
      return make_error(Errc::usage, pair.error().message + " — usage: liaison-client case set ID FIELD=VALUE...");
    assignments.push_back(std::move(*pair));
  }
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto& at = *opened;
  const bool city = at.context.node.is_city();
  const Side acting = sync::acting_side(city, text_of(at.row["county"]));
  const std::string id = at.row.id.to_string();
  sync::Fields fields;
  for (const auto& [typed_field, typed_text] : assignments)
    for (const auto& [field, text] : expand_assignment(typed_field, typed_text)) {
      auto parsed = parse_case_field(*at.kind, city, field, text, true);
      if (!parsed) return advised(parsed.error(), "nothing was written");
      put(fields, std::move(*parsed));
    }
  if (auto st = money_problem(*at.kind, fields, [&](std::string_view name) { return at.row[name]; }); !st)
    return advised(st.error(), "nothing was written");
  if (city)
    for (const auto& [field, value] : fields)
      if (const auto* to = std::get_if<std::string>(&value);
          field == "status" && to && (*to == "approved" || *to == "forwarded")) {
        auto flags = review_flags(at);
        if (!flags) return flags.error();
        const auto standing = sync::standing_flags(std::move(*flags), despite_flags);
        if (!standing.empty()) return sync::flagged_decision(standing, *to == "approved" ? "approve" : "forward");
      }
  std::string names;
  for (const auto& field : fields)
    names += std::string(names.empty() ? "" : in_language(", ", "、")) + field_label(field.first);
  if (city || county_may_edit(*at.kind, at.row))
    fields.emplace_back("updated_at", static_cast<std::int64_t>(at.context.now_ms()));
  // The hub's authority check decides (run here first, on this replica's
  // view of the case); for a status move it refuses, say which are open.
  if (auto st = checked_update(at.context, TableId::cases, at.row.id, fields); !st) {
    const std::string from = text_of(at.row["status"]);
    if (st.error().code != Errc::bad_transition) return advised(st.error(), "nothing was written");
    return advised(st.error(), "moves open to you from " + from + ": " + moves_from(*at.kind, from, acting) +
                                   "; nothing was written");
  }
  return changed(
      at, english() ? "updated case " + id + ": " + names : "已修改案件 " + text_of(at.row["ref"]) + "：" + names);
}

Outcome cmd_case_submit(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "case submit ID"));
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto& at = *opened;
  const bool city = at.context.node.is_city();
  const Side acting = sync::acting_side(city, text_of(at.row["county"]));
  const std::string id = at.row.id.to_string();
  const std::string from = text_of(at.row["status"]);
  constexpr std::string_view kTo = "submitted";
  if (!at.kind->status(kTo))
    return advised(Errc::bad_transition, "a " + std::string(at.kind->name) + " case is never submitted",
                   "moves open to you from " + from + ": " + moves_from(*at.kind, from, acting) + " — use 'case set " +
                       id + " status=...'");
  if (from == kTo)
    return advised(Errc::bad_transition, "case " + id + " is already submitted",
                   "wait for the city office's decision, or withdraw it with 'case set " + id + " status=draft'");
  const auto side = at.kind->transition_side(from, kTo);
  if (!side || !side_meets(*side, acting))
    return advised(
        Errc::bad_transition,
        std::string(city ? "the city office" : "a county office") + " can't submit case " + id + ": it is " + from,
        "moves open to you from " + from + ": " + moves_from(*at.kind, from, acting));
  sync::Fields fields = {{"status", std::string(kTo)}};
  if (city || county_may_edit(*at.kind, at.row))
    fields.emplace_back("updated_at", static_cast<std::int64_t>(at.context.now_ms()));
  if (auto st = checked_update(at.context, TableId::cases, at.row.id, fields); !st)
    return advised(st.error(), "nothing was written");
  return changed(at, english()
                         ? "submitted case " + id + " (" + from + " -> submitted); the hub gets it at the next sync"
                         : "已报送案件 " + text_of(at.row["ref"]) + "（" + status_label(at.kind->name, from) +
                               " → 已报送），下次同步时送达市外办");
}

Outcome cmd_note_add(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 2, SIZE_MAX, "note add ID TEXT"));
  auto body = text_after_first(words, "note", "note add ID TEXT");
  if (!body) return body.error();
  auto opened = open_case(in, words[0]);
  if (!opened) return opened.error();
  auto& at = *opened;
  const sync::Fields fields = {{"case_id", at.row.id.to_string()},
                               {"author", at.context.node.str()},
                               {"body", *body},
                               {"written_at", static_cast<std::int64_t>(at.context.now_ms())}};
  auto id = checked_insert(at.context, TableId::case_notes, fields);
  if (!id) return advised(id.error(), "nothing was written");
  cli::Report report{
      cli::json_object({{"id", cli::json_quote(id->to_string())}, {"case_id", cli::json_quote(at.row.id.to_string())}}),
      {}};
  return report.line(english() ? "added note " + id->to_string() + " to case " + at.row.id.to_string()
                               : "已为案件 " + text_of(at.row["ref"]) + " 添加记录");
}

}  // namespace liaison::client
