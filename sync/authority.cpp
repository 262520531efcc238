// Authority rules over the schema in shared/; see authority.hpp.
#include "sync/authority.hpp"

#include "shared/labels.hpp"
#include "shared/staff.hpp"

#include <algorithm>

#include "shared/text.hpp"
#include "shared/workflow_rules.hpp"
#include "sync/hlc.hpp"
#include "sync/receipts.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {
namespace {

const std::string* text_of(const Value& v) { return std::get_if<std::string>(&v); }

std::string side_name(bool city) { return city ? "the city office" : "a county office"; }

// Who wrote a row, and when, is what the hub knows, not what the sender
// claims: the writer is the certificate's node, and no time lies ahead of
// the hub's clock by more than a stamp may.
std::optional<std::string> attribution_problem(const AuthorityRequest& req, const ColumnDef& column,
                                               const Value& value) {
  switch (attribution(column)) {
    case Attribution::writer:
      if (const auto* who = std::get_if<std::string>(&value); who && *who != req.writer.str())
        return "'" + std::string(column.name) + "' must name the node that writes it, " + req.writer.str() + ", not '" +
               *who + "'";
      return std::nullopt;
    case Attribution::time:
      if (const auto* ms = std::get_if<std::int64_t>(&value);
          ms && *ms > 0 && static_cast<std::uint64_t>(*ms) > req.hub_now_ms + req.max_clock_ahead_ms)
        return "'" + std::string(column.name) + "' is " +
               std::to_string((static_cast<std::uint64_t>(*ms) - req.hub_now_ms) / 1000) +
               " s ahead of the hub's clock — check this computer's date and time";
      return std::nullopt;
    case Attribution::none: return std::nullopt;
  }
  return std::nullopt;
}

// A reply names who wrote it: a new reply comes with `replied_by`, written
// together (one stamp), which the attribution check holds to the writer;
// and `replied_by` comes only with a reply. Otherwise another device's
// reply could stand under the name of whoever replied before, or a
// device's name over a reply it did not write.
void require_replier(const AuthorityRequest& req, const TableDef& def, std::vector<Verdict>& verdicts) {
  const auto reply = *def.column_index("reply");
  const auto replied_by = *def.column_index("replied_by");
  const auto fresh = [&](std::size_t i) {
    const Cell& cell = req.cells[i];
    return verdicts[i].accepted() && !(req.current.exists && req.current.stamps.at(cell.column) == cell.stamp);
  };
  std::optional<std::size_t> reply_at, name_at;
  for (std::size_t i = 0; i < req.cells.size(); ++i) {
    if (req.cells[i].column == reply && fresh(i)) reply_at = i;
    if (req.cells[i].column == replied_by && fresh(i)) name_at = i;
  }
  const bool named = reply_at && name_at && req.cells[*name_at].stamp == req.cells[*reply_at].stamp &&
                     !is_null(req.cells[*name_at].value);
  if (reply_at && !is_null(req.cells[*reply_at].value) && !named)
    verdicts[*reply_at] = {Errc::forged_attribution, "a reply must come with 'replied_by' naming its writer, " +
                                                         req.writer.str() +
                                                         ", written with it — update liaison-client"};
  if (name_at && !reply_at)
    verdicts[*name_at] = {Errc::forged_attribution, "'replied_by' is written only together with a reply"};
}

// Values as they will be once the incoming cells are applied (for scope and
// kind, which only matter on rows being created: both are immutable).
std::vector<Value> values_after(const TableDef& def, const CurrentRow& current, std::span<const Cell> cells) {
  std::vector<Value> values = current.exists ? current.values : std::vector<Value>(def.columns.size());
  values.resize(def.columns.size());
  for (const auto& cell : cells)
    if (cell.column < values.size() && (!current.exists || current.stamps.at(cell.column).empty()))
      values[cell.column] = cell.value;
  return values;
}

// The values the row will hold if this push's cells are kept: each cell
// newer than the hub's (or where the hub has none) over the current value.
std::vector<Value> values_winning(const TableDef& def, const CurrentRow& current, std::span<const Cell> cells) {
  std::vector<Value> values = current.exists ? current.values : std::vector<Value>(def.columns.size());
  std::vector<Stamp> stamps = current.exists ? current.stamps : std::vector<Stamp>(def.columns.size());
  values.resize(def.columns.size());
  stamps.resize(def.columns.size());
  for (const auto& cell : cells)
    if (cell.column < values.size() && cell.stamp > stamps[cell.column]) {
      values[cell.column] = cell.value;
      stamps[cell.column] = cell.stamp;
    }
  return values;
}

}  // namespace

Side acting_side(bool writer_is_city, std::string_view case_county) {
  if (!writer_is_city) return Side::county;
  return case_county == kCityScope ? Side::both : Side::city;
}

bool status_reachable(const CaseKind& kind, std::string_view target, Side acting) {
  std::vector<std::string_view> seen = {kind.initial_status};
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i] == target) return true;
    for (const auto& t : kind.transitions)
      if (t.from == seen[i] && side_meets(t.by, acting) && std::find(seen.begin(), seen.end(), t.to) == seen.end())
        seen.push_back(t.to);
  }
  return false;
}

namespace {

// The fields a move needs that the case, as it will be, lacks.
std::vector<std::string_view> missing_needs(const Transition& move, const std::vector<Value>& after) {
  const auto& def = Schema::get().table(TableId::cases);
  std::vector<std::string_view> missing;
  for (const auto field : move.needs) {
    const Value& v = after[*def.column_index(field)];
    const std::string* text = text_of(v);
    const bool empty = is_null(v) || (text && text->find_first_not_of(" \t") == std::string::npos) ||
                       (std::holds_alternative<std::int64_t>(v) && std::get<std::int64_t>(v) == 0);
    if (empty) missing.push_back(field);
  }
  return missing;
}

Verdict needs_problem(const CaseKind& kind, const Transition& move, const std::vector<Value>& after) {
  const auto missing = missing_needs(move, after);
  if (missing.empty()) return {};
  std::string fields;
  for (const auto field : missing) fields += (fields.empty() ? "" : english() ? ", " : "、") + field_in_message(field);
  if (!english())
    return {Errc::bad_transition, kind_label(kind.name) + "从「" + status_label(kind.name, move.from) + "」改为「" +
                                      status_label(kind.name, move.to) + "」须先填写" + fields +
                                      "，请在同一次修改中填写"};
  return {Errc::bad_transition, "a case of kind " + std::string(kind.name) + " moves from " + std::string(move.from) +
                                    " to " + std::string(move.to) + " only with " + fields + " recorded; set " +
                                    (missing.size() == 1 ? "it" : "them") + " in the same change"};
}

// The moves this side makes to take a case from `from` to `to`, each with
// what it needs recorded in `values`: a device offline makes several moves
// (briefed, travelling, home) and the hub sees only the last status. Empty
// when there is no such way.
std::vector<const Transition*> way_between(const CaseKind& kind, std::string_view from, std::string_view to,
                                           Side acting, const std::vector<Value>& values) {
  struct Step {
    std::string_view status;
    const Transition* via;
    std::size_t previous;
  };
  std::vector<Step> seen = {{from, nullptr, 0}};
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].status == to) {
      std::vector<const Transition*> way;
      for (std::size_t at = i; at != 0; at = seen[at].previous) way.insert(way.begin(), seen[at].via);
      return way;
    }
    for (const auto& t : kind.transitions)
      if (t.from == seen[i].status && side_meets(t.by, acting) && missing_needs(t, values).empty() &&
          std::none_of(seen.begin(), seen.end(), [&](const Step& s) { return s.status == t.to; }))
        seen.push_back({t.to, &t, i});
  }
  return {};
}

// Whether a county may set `column` of a case in `status`.
bool county_may_set(const StatusDef& status, std::string_view column) {
  return status.county_editable ||
         std::find(status.county_may_set.begin(), status.county_may_set.end(), column) != status.county_may_set.end();
}

// Checks that apply to the case table only: kind, fields of the kind, status.
// `winning`: the values the case will hold (what a move needs is judged on
// them).
Verdict check_case_cell(const NodeId& writer, const CurrentRow& current, const std::vector<Value>& after,
                        const std::vector<Value>& winning, const Cell& cell) {
  const auto& def = Schema::get().table(TableId::cases);
  const auto& column = def.columns[cell.column];
  const std::string* kind_name = text_of(after[*def.column_index("kind")]);
  const CaseKind* kind = kind_name ? Schema::get().find_kind(*kind_name) : nullptr;
  if (!kind)
    return {Errc::bad_value, "case has no valid kind (" + (kind_name ? *kind_name : std::string("none")) + ")"};
  if (!current.exists && !side_allows(kind->made_by, writer.is_city()))
    return {Errc::not_permitted,
            "only " + side_name(!writer.is_city()) + " opens " + std::string(kind->name) + " cases"};
  const auto& common = Schema::get().common_case_fields();
  const bool common_field =
      column.name == "deleted" || std::find(common.begin(), common.end(), column.name) != common.end();
  if (!common_field && !kind->has_field(column.name))
    return {Errc::unknown_field,
            "field '" + std::string(column.name) + "' does not belong to a " + std::string(kind->name) + " case"};

  const auto status_col = *def.column_index("status");
  const std::string* current_status = current.exists ? text_of(current.values[status_col]) : nullptr;
  if (column.name == "status") {
    const Side acting = acting_side(writer.is_city(), to_display(after[*def.column_index("county")]));
    const std::string* to = text_of(cell.value);
    if (!to || !kind->status(*to))
      return {Errc::bad_value, "'" + to_display(cell.value) + "' is not a status of " + std::string(kind->name)};
    if (!current_status) {
      // A case made and moved on offline arrives new in its latest status
      // (the feed sends each cell once): fine if this side could have got
      // there from the initial status by itself.
      if (!status_reachable(*kind, *to, acting))
        return {Errc::bad_transition, "a new " + std::string(kind->name) + " case starts as " +
                                          std::string(kind->initial_status) + "; " + side_name(writer.is_city()) +
                                          " can't bring it to " + *to};
      // It holds what each move on the way there needs.
      if (*to == kind->initial_status || !way_between(*kind, kind->initial_status, *to, acting, winning).empty())
        return {};
      for (const auto& t : kind->transitions)
        if (t.to == *to && side_meets(t.by, acting)) return needs_problem(*kind, t, winning);
      return {Errc::bad_transition, "a new " + std::string(kind->name) + " case can't arrive as " + *to};
    }
    if (*current_status == *to) return {};
    const Transition* move = kind->transition(*current_status, *to);
    if (move && side_meets(move->by, acting)) return needs_problem(*kind, *move, winning);
    if (!way_between(*kind, *current_status, *to, acting, winning).empty()) return {};
    if (!english())
      return {Errc::bad_transition, std::string(writer.is_city() ? "市外办" : "县级外办") + "不能将案件从「" +
                                        status_label(kind->name, *current_status) + "」改为「" +
                                        status_label(kind->name, *to) + "」"};
    return {Errc::bad_transition,
            side_name(writer.is_city()) + " may not move a case from " + *current_status + " to " + *to};
  }
  if (!writer.is_city() && current.exists && current_status) {
    const StatusDef* status = kind->status(*current_status);
    // A status the kind no longer has locks the case.
    bool still_open = status && county_may_set(*status, column.name);
    // Moved on in this push: what the county set on the way counts too (the
    // day back, recorded while travelling, arrives with the move to reported).
    const std::string* final_status = text_of(winning[status_col]);
    if (status && !still_open && final_status && *final_status != *current_status)
      for (const Transition* step : way_between(*kind, *current_status, *final_status, Side::county, winning)) {
        const StatusDef* passed = kind->status(step->to);
        still_open |= std::find(step->needs.begin(), step->needs.end(), column.name) != step->needs.end() ||
                      (passed && county_may_set(*passed, column.name));
      }
    if (!still_open)
      return {Errc::not_permitted, english()
                                       ? "case is " + *current_status + "; a county office can change '" +
                                             std::string(column.name) + "' only while it is being drafted or returned"
                                       : "案件状态为「" + status_label(kind->name, *current_status) +
                                             "」，县级外办只能在草稿或退回修改时更改" + field_in_message(column.name)};
  }
  return {};
}

// A case involving other counties is seen by each: its scope lists them
// with its own county (not the city: city nodes see every case), as a
// directive's does.
Result<std::string> case_scope(const std::string& county, const Value& also) {
  const std::string* others = text_of(also);
  if (!others || others->empty()) return county;
  std::vector<std::string_view> counties;
  if (county != kCityScope) counties.push_back(county);
  for (const auto name : split_list(*others, ',')) {
    if (!is_county(name))
      return make_error(Errc::bad_value,
                        english() ? "'also_counties' names '" + std::string(name) +
                                        "', not a county — list the other counties by name, separated by commas "
                                        "(kaihua,changshan)"
                                  : field_in_message("also_counties") + "中的「" + std::string(name) +
                                        "」不是县（市、区）— 请用英文逗号分隔其他县的名称，如 kaihua,changshan");
    if (std::find(counties.begin(), counties.end(), name) != counties.end())
      return make_error(Errc::bad_value, english()
                                             ? "'also_counties' names " + std::string(name) +
                                                   " twice, or the case's own county — list each other county once"
                                             : field_in_message("also_counties") + "重复列出" + county_label(name) +
                                                   "，或列出了案件所属的县 — 每个其他县只列一次");
    counties.push_back(name);
  }
  std::string scope = ",";
  for (const auto name : counties) scope += std::string(name) + ",";
  return scope;
}

}  // namespace

Result<std::string> derive_scope(TableId table, const std::vector<Value>& values, const RowLookup& lookup) {
  const auto& def = Schema::get().table(table);
  const Value& v = values.at(def.scope_column);
  const std::string* text = text_of(v);
  switch (def.scope_rule) {
    case ScopeRule::own_column: {
      // The city's own cases (receptions, friendship cities) and staff are
      // its scope: city nodes see them, no county does.
      const bool city_may = table == TableId::cases || table == TableId::staff;
      const bool city_row = city_may && text && *text == kCityScope;
      if (!city_row && (!text || !is_county(*text)))
        return make_error(Errc::out_of_scope, std::string(def.name) + " row needs a county" +
                                                  (city_may ? " or city" : "") + ", got '" + to_display(v) + "'");
      if (table == TableId::cases) return case_scope(*text, values.at(*def.column_index("also_counties")));
      return *text;
    }
    case ScopeRule::target_list: {
      if (!text || text->empty()) return make_error(Errc::bad_value, "directive has no targets");
      if (*text != kAllCounties)
        for (const auto name : split_list(*text, ','))
          if (!is_county(name))
            return make_error(Errc::bad_value, "directive target list '" + *text + "' names an unknown county");
      return directive_scope(*text);
    }
    case ScopeRule::parent_row: {
      const auto parent_id = text ? Uuid::parse(*text) : std::nullopt;
      if (!parent_id) return make_error(Errc::unknown_parent, std::string(def.name) + " row has no valid case id");
      auto parent = lookup(*def.parent, *parent_id);
      if (!parent || !parent->exists)
        return make_error(Errc::unknown_parent, "case " + *text + " is not known to the hub");
      return parent->scope;
    }
  }
  return make_error(Errc::out_of_scope, "no scope rule");
}

namespace {

// What the stamp and the column of a cell say alone: the sender's own, not
// too far ahead of the hub's clock, a column of the table.
Verdict stamp_problem(const AuthorityRequest& req, const TableDef& def, const Cell& cell) {
  if (cell.stamp.node != req.writer.str())
    return {Errc::forged_stamp, "cell stamped by " + cell.stamp.node + " was sent by " + req.writer.str()};
  if (hlc_ms(cell.stamp.hlc) > req.hub_now_ms + req.max_clock_ahead_ms)
    return {Errc::clock_ahead, "change stamped " + std::to_string((hlc_ms(cell.stamp.hlc) - req.hub_now_ms) / 1000) +
                                   " s ahead of the hub's clock; correct the device clock, it will be re-sent"};
  if (cell.column >= def.columns.size())
    return {Errc::unknown_field, "column " + std::to_string(cell.column) + " is not in " + std::string(def.name)};
  return {};
}

// What a cell does, for the role of the person who wrote it.
StaffAct staff_act(const AuthorityRequest& req, const TableDef& def, const Cell& cell) {
  if (req.table == TableId::staff) return StaffAct::manage_accounts;
  const std::string_view name = def.columns[cell.column].name;
  if (device_written(req.table, name)) return StaffAct::device;
  if (req.table != TableId::cases || name != "status") return StaffAct::write_record;
  // The case's kind: as held, or as this push makes the case.
  const auto kind_column = *def.column_index("kind");
  const CaseKind* kind = nullptr;
  if (req.current.exists) {
    kind = Schema::get().find_kind(to_display(req.current.values.at(kind_column)));
  } else {
    for (const Cell& c : req.cells)
      if (c.column == kind_column) kind = Schema::get().find_kind(to_display(c.value));
  }
  // A new case starts in its kind's first status.
  const std::string from = req.current.exists ? to_display(req.current.values.at(cell.column))
                           : kind             ? std::string(kind->initial_status)
                                              : std::string();
  const std::string to = to_display(cell.value);
  if (to == from) return StaffAct::write_record;
  if (is_decision(from, to)) return StaffAct::decide;
  // A move made offline in several steps is a decision when every way to
  // it passes one (submitted, then briefed, is an approval on the way).
  if (!kind) return StaffAct::change_status;
  std::vector<std::string_view> reached = {from}, next = {from};
  while (!next.empty()) {
    const std::string_view at = next.back();
    next.pop_back();
    for (const auto& t : kind->transitions) {
      if (t.from != at || is_decision(t.from, t.to) || std::find(reached.begin(), reached.end(), t.to) != reached.end())
        continue;
      if (t.to == to) return StaffAct::change_status;
      reached.push_back(t.to);
      next.push_back(t.to);
    }
  }
  return StaffAct::decide;
}

}  // namespace

bool disabled_at(const DisabledTimeline& timeline, std::uint64_t hlc) noexcept {
  bool disabled = false;
  for (const auto& [stamped, value] : timeline) {
    if (stamped > hlc) break;
    disabled = value;
  }
  return disabled;
}

namespace {

// The person named with a cell: of the writer's county, with an account
// the hub knows, not disabled when the change was made (by its stamp; the
// hub's history gives the periods of an account enabled again), in a role
// that allows it. A cell naming nobody is the device's: accepted from a county
// without accounts, or made before its first one.
Verdict staff_problem(const AuthorityRequest& req, const TableDef& def, const Cell& cell) {
  const StaffAct act = staff_act(req, def, cell);
  const auto other_county = [&](const StaffRef& who) -> std::optional<Verdict> {
    if (who.county == req.writer.scope()) return std::nullopt;
    return Verdict{Errc::forged_attribution,
                   in_language(cell.staff + " is not of " + std::string(req.writer.scope()) + "; " + req.writer.str() +
                                   " names only its own staff",
                               "人员 " + cell.staff + " 不属于" + county_label(req.writer.scope()) +
                                   "，设备只能以本单位人员的名义修改")};
  };
  // What a device writes of itself is no one's act; it names, at most,
  // someone of its own county.
  if (act == StaffAct::device) {
    if (cell.staff.empty()) return {};
    auto who = parse_staff_ref(cell.staff);
    if (!who) return {Errc::bad_value, who.error().message};
    if (auto forged = other_county(*who)) return *forged;
    return {};
  }
  if (cell.staff.empty()) {
    // A device alone never keeps accounts: a county's first is the city's
    // to add, so that no device enrols its county by itself.
    if (act == StaffAct::manage_accounts)
      return {Errc::not_permitted,
              in_language("accounts are kept by an administrator signed in; a county's first account is added by "
                          "the city ('liaison-hub staff add')",
                          "账号须由已登录的管理员维护；各单位的第一个账号由市外办添加（liaison-hub staff add）")};
    if (req.staff_since_hlc == 0 || cell.stamp.hlc < req.staff_since_hlc) return {};
    return {Errc::not_permitted,
            in_language("nobody was signed in on " + req.writer.str() +
                            " — sign in with 'liaison-client staff signin NAME' and make the change again",
                        "设备 " + req.writer.str() +
                            " 上没有人员登录 — 请先用 liaison-client staff signin 姓名 登录，再重新修改")};
  }
  auto who = parse_staff_ref(cell.staff);
  if (!who) return {Errc::bad_value, who.error().message};
  if (auto forged = other_county(*who)) return *forged;
  const auto account = req.lookup(TableId::staff, staff_row_id(*who));
  const auto& staff_def = Schema::get().table(TableId::staff);
  const auto column = [&](std::string_view name) { return *staff_def.column_index(name); };
  if (!account || !account->exists || account->values.at(kDeletedColumn) == Value{std::int64_t{1}})
    return {Errc::not_permitted, in_language("the hub has no account " + cell.staff +
                                                 " — an administrator adds it "
                                                 "with 'staff add'",
                                             "市级枢纽没有账号 " + cell.staff + " — 请管理员用 staff add 添加")};
  const auto disabled = column("disabled");
  bool disabled_then =
      account->values.at(disabled) == Value{std::int64_t{1}} && account->stamps.at(disabled).hlc <= cell.stamp.hlc;
  if (req.disabled_timelines)
    if (const auto it = req.disabled_timelines->find(staff_row_id(*who)); it != req.disabled_timelines->end())
      disabled_then = disabled_then || disabled_at(it->second, cell.stamp.hlc);
  if (disabled_then)
    return {Errc::not_permitted, in_language("the account " + cell.staff + " was disabled before this change",
                                             "账号 " + cell.staff + " 在此修改之前已被停用")};
  if (auto refused = role_refusal(to_display(account->values.at(column("role"))), act))
    return {Errc::not_permitted, *refused};
  return {};
}

// A receipt is made once per county and directive, for a directive the hub
// knows and addressed to that county, under the id derived from both.
// A receipt or a reply is for a directive the hub knows, addressed to the
// county that writes it; the directive's id when it is.
std::pair<std::optional<Verdict>, std::optional<Uuid>> addressed_problem(const AuthorityRequest& req,
                                                                         const TableDef& def,
                                                                         const std::vector<Value>& after,
                                                                         const std::string& scope) {
  const std::string what = req.table == TableId::directive_receipts ? "receipt" : "reply";
  const std::string* directive_text = text_of(after[*def.column_index("directive_id")]);
  const auto directive_id = directive_text ? Uuid::parse(*directive_text) : std::nullopt;
  const auto directive = directive_id ? req.lookup(TableId::directives, *directive_id) : std::nullopt;
  if (!directive || !directive->exists)
    return {Verdict{Errc::unknown_parent, what + " for a directive the hub doesn't know"}, std::nullopt};
  if (!scope_visible(directive->scope, scope))
    return {Verdict{Errc::out_of_scope, "directive is not addressed to " + scope}, std::nullopt};
  return {std::nullopt, directive_id};
}

std::optional<Verdict> receipt_problem(const AuthorityRequest& req, const TableDef& def,
                                       const std::vector<Value>& after, const std::string& scope) {
  auto [problem, directive_id] = addressed_problem(req, def, after, scope);
  if (problem) return problem;
  const Uuid expected = directive_receipt_id(*directive_id, scope);
  if (req.row != expected)
    return Verdict{Errc::invalid_argument, "a receipt's id must be derived from its directive and county (" +
                                               expected.to_string() + " for " + scope + ")"};
  return std::nullopt;
}

// A setting is one the workflows know, with a value in its range, sent to
// every county.
std::optional<Verdict> settings_row_problem(const TableDef& def, const std::vector<Value>& after) {
  const std::string* name = text_of(after[*def.column_index("name")]);
  const std::string* value = text_of(after[*def.column_index("value")]);
  const std::string* targets = text_of(after[*def.column_index("targets")]);
  if (!name || !value) return Verdict{Errc::bad_value, "a setting needs its name and value"};
  if (auto problem = setting_problem(*name, *value)) return Verdict{Errc::bad_value, *problem};
  if (!targets || *targets != kAllCounties)
    return Verdict{Errc::bad_value, "a setting applies to all counties ('targets' all)"};
  return std::nullopt;
}

// A county changes the people of a case only while it may change the case
// itself (drafted or returned): after approval, a change of members needs a
// new approval. A visit's programme and its gifts are kept up to date until
// the case is finished.
std::optional<Verdict> case_locked(const AuthorityRequest& req, const std::vector<Value>& after) {
  const std::string* case_id = text_of(after[1]);
  const auto parent = case_id ? Uuid::parse(*case_id) : std::nullopt;
  const RowLookup& cases_then = req.before_push ? *req.before_push : req.lookup;
  const auto row = parent ? cases_then(TableId::cases, *parent) : std::nullopt;
  if (!row) return std::nullopt;  // new in this push (a draft then), or unknown: derive_scope refuses that
  const auto& cases = Schema::get().table(TableId::cases);
  const std::string* kind_name = text_of(row->values[*cases.column_index("kind")]);
  const std::string* status = text_of(row->values[*cases.column_index("status")]);
  const CaseKind* kind = kind_name ? Schema::get().find_kind(*kind_name) : nullptr;
  const StatusDef* state = kind && status ? kind->status(*status) : nullptr;
  // A status the kind no longer has (a county's training case from before
  // schema 3) locks the case, like one the county may not edit.
  if (!kind || !status || (state && state->county_editable)) return std::nullopt;
  const std::string records(Schema::get().table(req.table).name);
  if (state && kept_after_approval(req.table, kind->name)) {
    if (!finished_status(*status)) return std::nullopt;
    return Verdict{Errc::not_permitted, "the case is " + *status + "; its " + records + " no longer change"};
  }
  return Verdict{Errc::not_permitted, "the case is " + *status + "; a county office changes its " + records +
                                          " only while it is being drafted or returned"};
}

// On a case shared with other counties, a county changes the records it
// added, and its own county's case all of them; not another county's.
std::optional<Verdict> not_its_record(const AuthorityRequest& req, const TableDef& def) {
  const std::string* case_text = text_of(req.current.values.at(def.scope_column));
  const auto case_id = case_text ? Uuid::parse(*case_text) : std::nullopt;
  const auto parent = case_id ? req.lookup(TableId::cases, *case_id) : std::nullopt;
  if (!parent || !parent->exists) return std::nullopt;  // judged as an unknown parent elsewhere
  const auto& cases = Schema::get().table(TableId::cases);
  if (to_display(parent->values.at(*cases.column_index("county"))) == req.writer.scope()) return std::nullopt;
  // Who added it: the writer of its case_id, set once when it was made.
  const auto maker = NodeId::parse(req.current.stamps.at(def.scope_column).node);
  const std::string added_by = maker ? std::string(maker->scope()) : std::string("?");
  if (added_by == req.writer.scope()) return std::nullopt;
  return Verdict{Errc::not_permitted, english()
                                          ? "this record of a shared case was added by " + added_by + "; " +
                                                std::string(req.writer.scope()) + " changes only the records it added"
                                          : "该记录由" + county_label(added_by) + "添加；" +
                                                county_label(req.writer.scope()) + "只能修改本县添加的记录"};
}

// What refuses the whole row: a table only the city writes, a row outside
// the writer's scope (or with none), a receipt made wrongly.
std::optional<Verdict> row_problem(const AuthorityRequest& req, const TableDef& def, const std::vector<Value>& after) {
  if (def.city_only && !req.writer.is_city())
    return Verdict{Errc::not_permitted, "only the city office may write " + std::string(def.name)};
  std::string scope = req.current.scope;
  if (!req.current.exists) {
    auto derived = derive_scope(req.table, after, req.lookup);
    if (!derived) return Verdict{derived.error().code, derived.error().message};
    scope = std::move(*derived);
  }
  if (!req.writer.is_city() && !scope_visible(scope, req.writer.scope()))
    return Verdict{Errc::out_of_scope, std::string(req.writer.scope()) + " may not write a " + std::string(def.name) +
                                           " row of " + (scope.empty() ? std::string("unknown scope") : scope)};
  if (req.table == TableId::cases && !req.writer.is_city()) {
    // A county that shares another's case adds to its records, but its
    // fields and status are its own county's to change.
    const std::string owner = to_display(after[*def.column_index("county")]);
    if (owner != req.writer.scope())
      return Verdict{Errc::not_permitted,
                     english() ? "the case is " + owner + "'s; " + std::string(req.writer.scope()) +
                                     " adds notes, people, programme and gifts to it but changes none of its fields"
                               : "该案件属于" + county_label(owner) + "；" + county_label(req.writer.scope()) +
                                     "可以添加记录、人员、行程和礼品，但不能修改案件本身"};
  }
  if (req.table == TableId::directive_receipts && !req.current.exists) return receipt_problem(req, def, after, scope);

  if (req.table == TableId::settings) return settings_row_problem(def, after);
  // An account's row is the one its county and name derive: no other row
  // may stand for a person (and be found as them).
  if (req.table == TableId::staff && !req.current.exists) {
    auto who =
        parse_staff_ref(to_display(after[def.scope_column]) + "/" + to_display(after[*def.column_index("name")]));
    if (!who || staff_row_id(*who) != req.row)
      return Verdict{Errc::bad_value, in_language("an account's id must be derived from its county and name",
                                                  "账号的标识须由其单位和登录名生成")};
  }
  if (!req.current.exists)
    for (const auto& column : def.columns)
      if (column.required && is_null(after[*def.column_index(column.name)]))
        return Verdict{Errc::bad_value, "a " + std::string(def.name) + " row needs its '" + std::string(column.name) +
                                            "'; nothing of it was kept"};
  if (req.table == TableId::directive_replies && !req.current.exists)
    return addressed_problem(req, def, after, scope).first;
  if (belongs_to_case(def) && req.current.exists && !req.writer.is_city() && scope.starts_with(","))
    if (auto problem = not_its_record(req, def)) return problem;
  if (belongs_to_case(def) && !def.append_only && !req.writer.is_city()) return case_locked(req, after);
  return std::nullopt;
}

// A passport is lent to a trip the hub knows, of the passport's own county,
// once the trip is approved and before it is over (the client's 'passport
// lend' checks more: the holder among its members, the validity left).
std::optional<Verdict> loan_problem(const AuthorityRequest& req, const std::vector<Value>& after, const Cell& cell) {
  const std::string* text = text_of(cell.value);
  const auto trip_id = text ? Uuid::parse(*text) : std::nullopt;
  const auto trip = trip_id ? req.lookup(TableId::cases, *trip_id) : std::nullopt;
  const auto& def = Schema::get().table(TableId::cases);
  const auto value = [&](std::string_view column) { return to_display(trip->values[*def.column_index(column)]); };
  if (!trip || !trip->exists || value("kind") != "outbound_trip")
    return Verdict{Errc::bad_value, "'lent_to' must name an outbound trip the hub knows"};
  const std::string passport_scope = to_display(after[*def.column_index("county")]);
  if (value("county") != passport_scope)
    return Verdict{Errc::out_of_scope, "a passport of " + passport_scope + " is lent to a trip of its own county"};
  // The trip may have moved on in the same push (lent, then travelled and
  // came home offline): any status from the approval on will do.
  static constexpr std::string_view kApproved[] = {"approved", "briefed", "travelling", "home", "reported", "closed"};
  const std::string status = value("status");
  if (std::find(std::begin(kApproved), std::end(kApproved), status) == std::end(kApproved))
    return Verdict{Errc::bad_value, "a passport is lent only to an approved trip; this one is " + status};
  return std::nullopt;
}

// The rules of one field: who may set it, its value, attribution, whether
// it may change, and (cases) the workflow.
Verdict field_problem(const AuthorityRequest& req, const TableDef& def, const std::vector<Value>& after,
                      const std::vector<Value>& winning, const Cell& cell) {
  const ColumnDef& column = def.columns[cell.column];
  const Stamp* existing = req.current.exists ? &req.current.stamps.at(cell.column) : nullptr;
  const bool has_existing = existing && !existing->empty();
  // A copy of a cell already stored (a push resent after a lost ack) is
  // judged as it was the first time: accepted, and a no-op.
  if (has_existing && *existing == cell.stamp) return {};
  if (column.hub_assigned)
    return {Errc::not_permitted, "'" + std::string(column.name) + "' is given by the hub itself; no device writes it"};
  if (!side_allows(column.writers, req.writer.is_city()))
    return {Errc::not_permitted, "only " + side_name(!req.writer.is_city()) + " may set '" + std::string(column.name) +
                                     "' in " + std::string(def.name)};
  if (auto problem = value_problem(column, cell.value)) return {Errc::bad_value, *problem};
  if (const auto* text = text_of(cell.value);
      column.required && (is_null(cell.value) || (text && text->find_first_not_of(" \t") == std::string::npos)))
    return {Errc::bad_value, "'" + std::string(column.name) + "' may not be empty in " + std::string(def.name)};
  if (auto forged = attribution_problem(req, column, cell.value)) return {Errc::forged_attribution, *forged};
  if (column.immutable && has_existing && req.current.values.at(cell.column) != cell.value)
    return {Errc::immutable_field,
            "'" + std::string(column.name) + "' can't change once a " + std::string(def.name) + " row exists"};
  // Where a case is sent is decided when the hub first sees it: the counties
  // it is shared with come with it, or never.
  if (req.table == TableId::cases && column.name == "also_counties" && req.current.exists &&
      req.current.values.at(cell.column) != cell.value)
    return {Errc::immutable_field, in_language("'also_counties' is fixed when a case is made: open a new case to "
                                               "share it with other counties",
                                               "「共同参与的县（市、区）」（also_counties）在建案时确定，之后不能更改；"
                                               "如需与其他县共享，请新建案件")};
  if (def.append_only && has_existing && *existing != cell.stamp)
    return {Errc::append_only, std::string(def.name) + " rows are never edited; add a new one instead"};
  if (req.table == TableId::directive_replies && req.current.exists && !has_existing)
    return {Errc::append_only, "a reply is kept as it was sent (not even deleted); send another instead"};
  if (req.table == TableId::cases && column.name == "lent_to" && !is_null(cell.value))
    if (auto problem = loan_problem(req, after, cell)) return *problem;
  if (req.table == TableId::cases) return check_case_cell(req.writer, req.current, after, winning, cell);
  return {};
}

// A case's dates stay in order (a return on or after the departure): the
// cells of this push that would end a range before it starts are refused.
// Judged on the values the row will hold: the current ones, and this push's
// accepted cells that win over them.
void check_date_ranges(const AuthorityRequest& req, const TableDef& def, std::vector<Verdict>& verdicts) {
  std::vector<Value> values = req.current.exists ? req.current.values : std::vector<Value>(def.columns.size());
  std::vector<Stamp> stamps = req.current.exists ? req.current.stamps : std::vector<Stamp>(def.columns.size());
  values.resize(def.columns.size());
  stamps.resize(def.columns.size());
  std::vector<bool> wins(req.cells.size());
  for (std::size_t i = 0; i < req.cells.size(); ++i) {
    const Cell& cell = req.cells[i];
    if (!verdicts[i].accepted() || cell.column >= values.size() || cell.stamp <= stamps[cell.column]) continue;
    values[cell.column] = cell.value;
    stamps[cell.column] = cell.stamp;
    wins[i] = true;
  }
  for (const DateRange& range : case_date_ranges()) {
    const auto from = *def.column_index(range.from), to = *def.column_index(range.to);
    const std::string* start = text_of(values[from]);
    const std::string* end = text_of(values[to]);
    if (!start || !end || !is_calendar_date(*start) || !is_calendar_date(*end) || *end >= *start) continue;
    const std::string reason = english() ? "'" + std::string(range.to) + "' " + *end + " is before '" +
                                               std::string(range.from) + "' " + *start +
                                               " — the end of a span comes on or after its start"
                                         : field_in_message(range.to) + *end + " 早于" + field_in_message(range.from) +
                                               *start + " — 结束日期不能早于开始日期";
    for (std::size_t i = 0; i < req.cells.size(); ++i)
      if (wins[i] && (req.cells[i].column == from || req.cells[i].column == to))
        verdicts[i] = {Errc::bad_value, reason};
  }
}

// What a move needs, and the fields it leaves open to a county, are judged
// on the values the case will hold: a refused cell (a bad value, a span it
// would break) does not count. When some cell was refused, the rest are
// judged again on the cells kept, until nothing changes: a trip does not
// come home without the `back_on` the hub kept.
void judge_again_on_kept_cells(const AuthorityRequest& req, const TableDef& def, const std::vector<Value>& after,
                               std::vector<Verdict>& verdicts) {
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<Cell> kept;
    for (std::size_t i = 0; i < req.cells.size(); ++i)
      if (verdicts[i].accepted()) kept.push_back(req.cells[i]);
    if (kept.size() == req.cells.size()) return;
    const std::vector<Value> winning = values_winning(def, req.current, kept);
    for (std::size_t i = 0; i < req.cells.size(); ++i) {
      if (!verdicts[i].accepted()) continue;
      Verdict again = field_problem(req, def, after, winning, req.cells[i]);
      if (again.accepted()) continue;
      verdicts[i] = std::move(again);
      changed = true;
    }
  }
}

}  // namespace

bool device_written(TableId table, std::string_view column) noexcept {
  return table == TableId::directive_receipts &&
         (column == "directive_id" || column == "county" || column == "received_at" || column == "read_at");
}

std::vector<Verdict> check_authority(const AuthorityRequest& req) {
  const auto& def = Schema::get().table(req.table);
  std::vector<Verdict> verdicts(req.cells.size());
  std::optional<Verdict> maker_refused;
  for (std::size_t i = 0; i < req.cells.size(); ++i) {
    const Cell& cell = req.cells[i];
    verdicts[i] = stamp_problem(req, def, cell);
    // A copy of a cell already stored is judged as it was the first time.
    const bool stored =
        req.current.exists && cell.column < req.current.stamps.size() && req.current.stamps[cell.column] == cell.stamp;
    if (!verdicts[i].accepted() || stored) continue;
    verdicts[i] = staff_problem(req, def, cell);
    const bool makes_row = cell.column == def.scope_column || def.columns[cell.column].required;
    if (!verdicts[i].accepted() && !req.current.exists && makes_row && !maker_refused) maker_refused = verdicts[i];
  }
  // A new row whose making is refused (it would lack its county, or a field
  // it needs) is refused whole, whoever else added to it on the device.
  if (maker_refused)
    for (auto& v : verdicts)
      if (v.accepted())
        v = {maker_refused->code, in_language("the row was made by someone who may not: ", "该记录的建立人无权建立：") +
                                      maker_refused->reason};
  const std::vector<Value> after = values_after(def, req.current, req.cells);
  if (auto refused = row_problem(req, def, after)) {
    for (auto& v : verdicts)
      if (v.accepted()) v = *refused;
    return verdicts;
  }
  const std::vector<Value> winning =
      req.table == TableId::cases ? values_winning(def, req.current, req.cells) : std::vector<Value>{};
  for (std::size_t i = 0; i < req.cells.size(); ++i)
    if (verdicts[i].accepted()) verdicts[i] = field_problem(req, def, after, winning, req.cells[i]);
  if (req.table == TableId::directive_receipts) require_replier(req, def, verdicts);
  if (req.table == TableId::cases) {
    check_date_ranges(req, def, verdicts);
    judge_again_on_kept_cells(req, def, after, verdicts);
  }
  // A new row whose county or a field it needs was refused is refused
  // whole: nothing is kept of a row that would lack it.
  if (!req.current.exists)
    for (std::size_t i = 0; i < req.cells.size(); ++i) {
      const auto column = req.cells[i].column;
      if (verdicts[i].accepted() || column >= def.columns.size() ||
          (column != def.scope_column && !def.columns[column].required))
        continue;
      const Verdict lacking{verdicts[i].code,
                            in_language("the new row's " + std::string(def.columns[column].name) + " was refused: ",
                                        "该新记录的「" + field_label(def.columns[column].name) + "」被拒收：") +
                                verdicts[i].reason};
      for (auto& v : verdicts)
        if (v.accepted()) v = lacking;
      break;
    }
  return verdicts;
}

RefusalAnswer answer_to_refusal(const Verdict& verdict, bool row_exists, bool any_cell_of_row_accepted,
                                bool hub_stamp_newer) {
  if (recovery_of(verdict.code) == Recovery::retry || verdict.code == Errc::forged_stamp) return RefusalAnswer::none;
  if ((!row_exists && !any_cell_of_row_accepted) || verdict.code == Errc::out_of_scope) return RefusalAnswer::tombstone;
  return hub_stamp_newer ? RefusalAnswer::none : RefusalAnswer::reassert;
}

}  // namespace liaison::sync
