// The domain tables and case kinds of the Quzhou Foreign Affairs & Overseas
// Chinese Affairs Office, mapped from its published duties (see DESIGN.md).
#include "shared/schema.hpp"

#include "shared/labels.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>

#include "shared/case_ref.hpp"
#include "shared/staff.hpp"
#include "shared/value.hpp"

namespace liaison {
namespace {

// Free-text columns that may hold several lines; every other text column is
// one line (a title, a name, a date, a code).
constexpr std::string_view kMultiLineColumns[] = {"summary", "decision_reason", "purpose", "matter",
                                                  "body",    "description",     "reply",   "answer"};

constexpr std::array<Choice, 4> kSeverities = {{
    {"minor", "一般"},
    {"serious", "较大"},
    {"major", "重大"},
    {"critical", "特别重大"},
}};

constexpr std::array<Choice, 2> kGenders = {{{"male", "男"}, {"female", "女"}}};

// Chinese passports: diplomatic, service (公务, deputy county level and
// above), official ordinary (公务普通, below), and private ordinary ones.
constexpr std::array<Choice, 4> kPassportTypes = {{
    {"diplomatic", "外交"},
    {"service", "公务"},
    {"official", "公务普通"},
    {"ordinary", "普通"},
}};

constexpr std::array<Choice, 2> kGiftDirections = {{{"given", "赠出"}, {"received", "收受"}}};

constexpr ValueFormat kDate = ValueFormat::date;

constexpr Side kCounty = Side::county;
constexpr Side kCity = Side::city;
constexpr Side kBoth = Side::both;
constexpr ValueType kText = ValueType::text;
constexpr ValueType kInt = ValueType::integer;
constexpr ValueType kReal = ValueType::real;

// Statuses shared by every kind that goes to the city for a decision.
std::vector<StatusDef> approval_statuses() {
  return {{"draft", true},     {"submitted", false}, {"returned", true},
          {"approved", false}, {"rejected", false},  {"closed", false}};
}

std::vector<Transition> approval_transitions() {
  return {
      {"draft", "submitted", kCounty},                                       // county submits for approval
      {"submitted", "draft", kCounty},                                       // county withdraws
      {"submitted", "approved", kCity},                                      // only the city decides
      {"submitted", "rejected", kCity},   {"submitted", "returned", kCity},  // sent back for changes
      {"returned", "submitted", kCounty}, {"returned", "draft", kCounty},
      {"approved", "closed", kBoth},      {"rejected", "closed", kBoth},
  };
}

// An official trip abroad (DOMAIN.md): the city approves it, or forwards it
// to the province and records the province's approval; no approval without
// the publicity recorded. Then every member is briefed, the group travels,
// comes home (passports due back, the report due), files its report and the
// case is closed; an approved trip that does not happen is cancelled.
CaseKind outbound_trip() {
  return CaseKind{
      "outbound_trip",
      "Official trip abroad",
      "draft",
      {"destination", "depart_on", "return_on", "purpose", "briefing_done", "report_filed_on", "publicity_from",
       "publicity_to", "back_on", "province_ref"},
      {{"draft", true},
       {"submitted", false},
       {"returned", true},
       {"forwarded", false},
       {"approved", false, {"briefing_done"}},
       {"rejected", false},
       {"briefed", false},
       {"travelling", false, {"back_on"}},
       {"home", false, {"back_on", "report_filed_on"}},
       {"reported", false},
       {"closed", false},
       {"cancelled", false}},
      {
          {"draft", "submitted", kCounty},
          {"submitted", "draft", kCounty},
          {"submitted", "approved", kCity, {"publicity_from", "publicity_to"}},
          {"submitted", "forwarded", kCity, {"publicity_from", "publicity_to"}},  // to the province
          {"submitted", "rejected", kCity},
          {"submitted", "returned", kCity},
          {"forwarded", "approved", kCity, {"province_ref"}},
          {"forwarded", "rejected", kCity},
          {"forwarded", "returned", kCity},
          {"returned", "submitted", kCounty},
          {"returned", "draft", kCounty},
          {"approved", "briefed", kBoth, {"briefing_done"}},  // pre-departure education
          {"briefed", "travelling", kBoth},
          {"travelling", "home", kBoth, {"back_on"}},
          {"home", "reported", kBoth, {"report_filed_on"}},
          {"reported", "closed", kBoth},
          {"approved", "cancelled", kBoth},
          {"briefed", "cancelled", kBoth},
          {"rejected", "closed", kBoth},
      },
  };
}

// An official passport of the register (DOMAIN.md): held in custody, lent
// to an approved trip with the day it is due back, returned and checked;
// lost, cancelled or expired. Overdue is not a status: it is a loan past its
// due day (sync/overdue.hpp). The county's foreign affairs office keeps its
// county's passports, so both sides lend and take back. A passport case made
// before schema 3 (issued, due_back, returned) joins the cycle from there.
CaseKind passport_register() {
  return CaseKind{
      "passport",
      "Official passport of the register",
      "in_custody",
      {"passport_no", "holder", "passport_type", "issued_on", "expires_on", "lent_to", "lent_on", "due_back_on",
       "returned_on"},
      {{"in_custody", true},
       {"lent", false, {"returned_on"}},
       {"lost", false},
       {"cancelled", false},
       {"expired", false},
       {"issued", false},  // before schema 3: handed out
       {"due_back", false},
       {"returned", true}},
      {
          {"in_custody", "lent", kBoth, {"lent_to", "lent_on", "due_back_on"}},
          {"returned", "lent", kBoth, {"lent_to", "lent_on", "due_back_on"}},
          {"lent", "in_custody", kBoth, {"returned_on"}},
          {"in_custody", "lost", kBoth},
          {"lent", "lost", kBoth},
          {"in_custody", "expired", kBoth},
          {"in_custody", "cancelled", kCity},
          {"lent", "cancelled", kCity},  // never handed in: cancelled centrally
          {"expired", "cancelled", kCity},
          {"lost", "cancelled", kCity},
          {"issued", "due_back", kCity},
          {"due_back", "returned", kCity},
          {"issued", "returned", kCity},
          {"issued", "cancelled", kCity},
          {"due_back", "cancelled", kCity},
      },
  };
}

CaseKind approval_kind(std::string_view name, std::string_view label, std::vector<std::string_view> fields) {
  return CaseKind{name, label, "draft", std::move(fields), approval_statuses(), approval_transitions()};
}

}  // namespace

bool side_allows(Side allowed, bool writer_is_city) noexcept {
  return side_meets(allowed, writer_is_city ? kCity : kCounty);
}

bool side_meets(Side allowed, Side acting) noexcept {
  return (static_cast<std::uint8_t>(allowed) & static_cast<std::uint8_t>(acting)) != 0;
}

std::string to_display(const Value& v) {
  switch (v.index()) {
    case 1: return std::to_string(std::get<std::int64_t>(v));
    case 2: {
      std::string s = std::to_string(std::get<double>(v));
      while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
      return s;
    }
    case 3: return std::get<std::string>(v);
    default: return {};
  }
}

std::optional<std::uint16_t> TableDef::column_index(std::string_view column) const noexcept {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == column) return static_cast<std::uint16_t>(i);
  return std::nullopt;
}

std::size_t TableDef::columns_known_at(std::uint32_t version) const noexcept {
  if (since > version) return 0;
  std::size_t n = 0;
  while (n < columns.size() && columns[n].since <= version) ++n;
  return n;
}

const StatusDef* CaseKind::status(std::string_view name) const noexcept {
  for (const auto& s : statuses)
    if (s.name == name) return &s;
  return nullptr;
}

const Transition* CaseKind::transition(std::string_view from, std::string_view to) const noexcept {
  for (const auto& t : transitions)
    if (t.from == from && t.to == to) return &t;
  return nullptr;
}

std::optional<Side> CaseKind::transition_side(std::string_view from, std::string_view to) const noexcept {
  for (const auto& t : transitions)
    if (t.from == from && t.to == to) return t.by;
  return std::nullopt;
}

bool CaseKind::has_field(std::string_view column) const noexcept {
  return std::find(fields.begin(), fields.end(), column) != fields.end();
}

const Schema& Schema::get() {
  static const Schema schema;
  return schema;
}

const TableDef* Schema::find_table(std::string_view name) const noexcept {
  for (const auto& t : tables_)
    if (t.name == name) return &t;
  return nullptr;
}

const TableDef* Schema::table_at(std::uint32_t index) const noexcept {
  return index < tables_.size() ? &tables_[index] : nullptr;
}

const CaseKind* Schema::find_kind(std::string_view name) const noexcept {
  for (const auto& k : kinds_)
    if (k.name == name) return &k;
  return nullptr;
}

Schema::Schema() {
  common_case_fields_ = {"kind",       "county",     "title",           "status", "applicant", "summary",
                         "updated_at", "created_by", "decision_reason", "ref",    "number",    "also_counties"};

  // `cases` holds every kind; kind-specific columns stay null for other kinds.
  tables_.push_back(TableDef{
      TableId::cases,
      "cases",
      false,
      false,
      ScopeRule::own_column,
      2,
      std::nullopt,
      {
          {"deleted", kInt, kBoth},
          {"kind", kText, kBoth, true},
          {"county", kText, kBoth, true},
          {"title", kText, kBoth},
          {"status", kText, kBoth},
          {"applicant", kText, kBoth},
          {"summary", kText, kBoth},
          {"updated_at", kInt, kBoth},
          {"created_by", kText, kBoth, true},
          {"decision_reason", kText, kCity},
          // kind-specific
          {"destination", kText, kBoth},
          {"depart_on", kText, kBoth, false, 1, false, kDate},
          {"return_on", kText, kBoth, false, 1, false, kDate},
          {"purpose", kText, kBoth},
          {"briefing_done", kInt, kBoth, false, 1, false, ValueFormat::flag},
          {"invitee", kText, kBoth},
          {"nationality", kText, kBoth},
          {"organisation", kText, kBoth},
          {"visit_from", kText, kBoth, false, 1, false, kDate},
          {"visit_to", kText, kBoth, false, 1, false, kDate},
          {"passport_no", kText, kBoth},
          {"holder", kText, kBoth},
          {"issued_on", kText, kBoth, false, 1, false, kDate},
          {"due_back_on", kText, kBoth, false, 1, false, kDate},
          {"returned_on", kText, kBoth, false, 1, false, kDate},
          {"partner_city", kText, kBoth},
          {"country", kText, kBoth},
          {"event_on", kText, kBoth, false, 1, false, kDate},
          {"person", kText, kBoth},
          {"matter", kText, kBoth},
          {"occurred_on", kText, kBoth, false, 1, false, kDate},
          {"location", kText, kBoth},
          {"severity", kText, kBoth, false, 1, false, ValueFormat::choice, kSeverities},
          {"donor", kText, kBoth},
          {"amount", kReal, kBoth},
          {"partner", kText, kBoth},
          {"sector", kText, kBoth},
          {"course", kText, kBoth},
          {"starts_on", kText, kBoth, false, 1, false, kDate},
          {"participants", kInt, kBoth, false, 1, false, ValueFormat::count},
          {"period", kText, kBoth, false, 1, false, ValueFormat::period},
          // schema 2: the short reference its creator gives a case, and the
          // official number the hub gives it when it enters the register
          {"ref", kText, kBoth, true, 2, false, ValueFormat::case_ref},
          {"number", kText, kCity, true, 2, true},
          // the currency of `amount` (ISO 4217)
          {"currency", kText, kBoth, false, 2, false, ValueFormat::currency},
          // the day the trip report reached the office (due trip_report_days after the return)
          {"report_filed_on", kText, kBoth, false, 2, false, kDate},
          // schema 3: a trip's publicity before approval (at least N working
          // days), the day it really came back, the province's approval
          {"publicity_from", kText, kBoth, false, 3, false, kDate},
          {"publicity_to", kText, kBoth, false, 3, false, kDate},
          {"back_on", kText, kBoth, false, 3, false, kDate},
          {"province_ref", kText, kCity, false, 3},
          // schema 3: a passport of the register and its current loan
          {"passport_type", kText, kBoth, false, 3, false, ValueFormat::choice, kPassportTypes},
          {"expires_on", kText, kBoth, false, 3, false, kDate},
          {"lent_to", kText, kBoth, false, 3},  // the trip's id
          {"lent_on", kText, kBoth, false, 3, false, kDate},
          // schema 3: an invitation letter's number; a complaint's answer
          {"letter_no", kText, kCity, false, 3},
          {"answer", kText, kBoth, false, 3},
          {"answered_on", kText, kBoth, false, 3, false, kDate},
          {"followed_up_on", kText, kBoth, false, 3, false, kDate},
          // schema 4: the other counties a case involves (a delegation
          // visiting two counties), comma-separated; each sees the case and
          // adds to its records. Fixed when the case is made: it decides
          // where the case is sent (sync/authority.hpp, derive_scope).
          {"also_counties", kText, kBoth, true, 4},
      },
  });
  const auto child = [](TableId id, std::string_view name, std::vector<ColumnDef> extra) {
    std::vector<ColumnDef> cols = {{"deleted", kInt, kBoth}, {"case_id", kText, kBoth, true}};
    cols.insert(cols.end(), extra.begin(), extra.end());
    return TableDef{id, name, true, false, ScopeRule::parent_row, 1, TableId::cases, std::move(cols)};
  };
  {
    // schema 3: `label` names an incident's reports (首报, 续报一, 终报).
    TableDef notes = child(TableId::case_notes, "case_notes",
                           {{"author", kText, kBoth},
                            {"body", kText, kBoth},
                            {"written_at", kInt, kBoth},
                            {"label", kText, kBoth, false, 3}});
    tables_.push_back(std::move(notes));
  }
  {
    // A visit's programme: edited, since schema 3, until the case is finished.
    TableDef itinerary = child(TableId::itinerary_items, "itinerary_items",
                               {{"at", kText, kBoth}, {"place", kText, kBoth}, {"description", kText, kBoth}});
    itinerary.append_only = false;
    itinerary.columns[*itinerary.column_index("at")].required = true;
    tables_.push_back(std::move(itinerary));
  }
  tables_.push_back(child(
      TableId::guests, "guests",
      {{"name", kText, kBoth}, {"organisation", kText, kBoth}, {"nationality", kText, kBoth}, {"role", kText, kBoth}}));
  tables_.push_back(TableDef{TableId::directives,
                             "directives",
                             false,
                             true,
                             ScopeRule::target_list,
                             5,
                             std::nullopt,
                             {
                                 {"deleted", kInt, kCity},
                                 {"kind", kText, kCity, true},  // notice | task | decision
                                 {"title", kText, kCity},
                                 {"body", kText, kCity},
                                 {"due_on", kText, kCity, false, 1, false, kDate},
                                 {"targets", kText, kCity, true},  // "all" or "longyou,kaihua"
                                 {"case_id", kText, kCity, true},
                                 {"issued_by", kText, kCity, true},
                                 {"issued_at", kInt, kCity, true},
                                 // schema 3: withdrawn by the city; a reminder of another
                                 {"withdrawn", kInt, kCity, false, 3, false, ValueFormat::flag},
                                 {"reminds", kText, kCity, true, 3},
                             }});
  // One row per (directive, county), id derived from both, written by any
  // device of that county; the city only reads them.
  tables_.push_back(TableDef{TableId::directive_receipts,
                             "directive_receipts",
                             false,
                             false,
                             ScopeRule::own_column,
                             2,
                             std::nullopt,
                             {
                                 {"deleted", kInt, kCounty},
                                 {"directive_id", kText, kCounty, true},
                                 {"county", kText, kCounty, true},
                                 {"received_at", kInt, kCounty},
                                 {"acknowledged_at", kInt, kCounty},
                                 {"reply", kText, kCounty},
                                 {"replied_by", kText, kCounty},
                                 // schema 3: when a person first opened it (received_at: the device)
                                 {"read_at", kInt, kCounty, false, 3},
                             }});

  // The people of a case: a trip's members, an invitation's invitees, a
  // delegation's guests, those involved in an incident or a matter. Edited
  // like a case (not append-only), by a county while its case is editable.
  {
    TableDef people = child(TableId::people, "people",
                            {{"role", kText, kBoth},        // 团长, 翻译, 成员, 受邀人, 当事人 ...
                             {"name", kText, kBoth},        // in Chinese characters, or as the person writes it
                             {"name_latin", kText, kBoth},  // as in the passport: WANG LIXIN
                             {"gender", kText, kBoth, false, 2, false, ValueFormat::choice, kGenders},
                             {"born_on", kText, kBoth, false, 2, false, kDate},
                             {"nationality", kText, kBoth},
                             {"unit", kText, kBoth},  // 工作单位
                             {"post", kText, kBoth},  // 职务
                             {"passport_type", kText, kBoth, false, 2, false, ValueFormat::choice, kPassportTypes},
                             {"passport_no", kText, kBoth},
                             {"id_no", kText, kBoth},  // identity card number: personal data
                             {"attended", kInt, kBoth, false, 3, false, ValueFormat::flag}});  // a course's
    people.append_only = false;
    people.since = 2;
    for (auto& column : people.columns) column.since = std::max<std::uint32_t>(column.since, 2);
    people.columns[*people.column_index("name")].required = true;
    tables_.push_back(std::move(people));
  }
  // The city's settings of the workflows (limits and deadlines of
  // shared/workflow_rules.hpp), sent to every node so that all judge alike.
  // Append-only: each change is a new row, the latest (set_at) in force,
  // so the rows are also the history of who set what and when.
  {
    TableDef settings{TableId::settings,
                      "settings",
                      true,
                      true,
                      ScopeRule::target_list,
                      3,
                      std::nullopt,
                      {
                          {"deleted", kInt, kCity},
                          {"name", kText, kCity, true},
                          {"value", kText, kCity},
                          {"targets", kText, kCity, true},  // always "all"
                          {"set_by", kText, kCity},
                          {"set_at", kInt, kCity},
                      }};
    settings.since = 3;
    for (auto& column : settings.columns) column.since = 3;
    settings.columns[*settings.column_index("name")].required = true;
    settings.columns[*settings.column_index("targets")].required = true;
    settings.columns[*settings.column_index("value")].required = true;
    tables_.push_back(std::move(settings));
  }
  // Gifts given and received on a visit or trip, for the register of gifts
  // (a gift received is handed to the office).
  {
    TableDef gifts = child(TableId::gifts, "gifts",
                           {{"direction", kText, kBoth, false, 3, false, ValueFormat::choice, kGiftDirections},
                            {"item", kText, kBoth},
                            {"counterpart", kText, kBoth},  // from or to whom
                            {"value", kReal, kBoth},
                            {"currency", kText, kBoth, false, 3, false, ValueFormat::currency},
                            {"handed_over", kInt, kBoth, false, 3, false, ValueFormat::flag}});
    gifts.append_only = false;
    gifts.since = 3;
    for (auto& column : gifts.columns) column.since = 3;
    gifts.columns[*gifts.column_index("item")].required = true;
    tables_.push_back(std::move(gifts));
  }
  // Every reply a county sends to a directive, kept (the receipt holds the
  // latest): a second reply no longer hides the first.
  {
    TableDef replies{TableId::directive_replies,
                     "directive_replies",
                     true,
                     false,
                     ScopeRule::own_column,
                     2,
                     std::nullopt,
                     {
                         {"deleted", kInt, kCounty},
                         {"directive_id", kText, kCounty, true},
                         {"county", kText, kCounty, true},
                         {"body", kText, kCounty},
                         {"replied_by", kText, kCounty},
                         {"replied_at", kInt, kCounty},
                     }};
    replies.since = 3;
    for (auto& column : replies.columns) column.since = 3;
    for (const auto name : {"directive_id", "county", "body"})
      replies.columns[*replies.column_index(name)].required = true;
    tables_.push_back(std::move(replies));
  }
  // Staff accounts (shared/staff.hpp): one row per person, id derived from
  // county and name, scoped to the county (the city's staff: `city`), so
  // that a county's devices hold its people's password hashes and sign them
  // in offline. Written by an administrator of the county or of the city.
  {
    TableDef staff{TableId::staff,
                   "staff",
                   false,
                   false,
                   ScopeRule::own_column,
                   2,
                   std::nullopt,
                   {
                       {"deleted", kInt, kBoth, false, 5, false, ValueFormat::flag},
                       {"name", kText, kBoth, true, 5},
                       {"county", kText, kBoth, true, 5},
                       {"role", kText, kBoth, false, 5, false, ValueFormat::choice, kStaffRoles},
                       {"password", kText, kBoth, false, 5, false, ValueFormat::password_hash},
                       {"disabled", kInt, kBoth, false, 5, false, ValueFormat::flag},
                       {"full_name", kText, kBoth, false, 5},  // as shown, when the login name is short
                   }};
    staff.since = 5;
    for (const auto name : {"name", "county", "role", "password"})
      staff.columns[*staff.column_index(name)].required = true;
    tables_.push_back(std::move(staff));
  }
  for (std::size_t i = 0; i < tables_.size(); ++i) assert(tables_[i].id == static_cast<TableId>(i));

  kinds_.push_back(outbound_trip());
  // An invitation is approved with the number of the letter the office
  // issues (邀请函), at most invitation_max_people per letter (a review flag).
  {
    CaseKind invitation =
        approval_kind("foreign_invitation", "Invitation to a foreign guest",
                      {"invitee", "nationality", "organisation", "visit_from", "visit_to", "purpose", "letter_no"});
    for (auto& t : invitation.transitions)
      if (t.to == "approved") t.needs = {"letter_no"};
    kinds_.push_back(std::move(invitation));
  }
  kinds_.push_back(passport_register());
  kinds_.push_back(approval_kind("delegation_visit", "Foreign delegation visit",
                                 {"organisation", "nationality", "visit_from", "visit_to", "purpose", "participants"}));
  kinds_.push_back(approval_kind("friendship_exchange", "Friendship city / CPAFFC exchange",
                                 {"partner_city", "country", "event_on", "purpose"}));
  kinds_.push_back(approval_kind("overseas_chinese", "Overseas Chinese affairs", {"person", "country", "matter"}));
  // A foreign incident is reported at once (the first report, then numbered
  // follow-ups and a final one: notes labelled 首报, 续报一 ..., 终报); the
  // city is alerted until it acknowledges, and resolves it. The county keeps
  // its facts up to date until then.
  kinds_.push_back(CaseKind{
      "foreign_incident",
      "Incident concerning foreigners",
      "open",
      {"occurred_on", "location", "nationality", "severity"},
      {{"open", true}, {"reported", true}, {"acknowledged", true}, {"resolved", false}},
      {{"open", "reported", kCounty},
       {"reported", "acknowledged", kCity},
       {"reported", "resolved", kCity},
       {"acknowledged", "resolved", kCity},
       {"open", "resolved", kCity},
       {"reported", "open", kCity}},
  });
  // A complaint of a returned overseas Chinese or a relative (侨益保护): the
  // county registers, handles and answers it and follows it up; the city
  // closes it (DOMAIN.md, overseas Chinese affairs).
  kinds_.push_back(CaseKind{
      "oc_complaint",
      "Overseas Chinese complaint (rights protection)",
      "registered",
      {"person", "country", "matter", "answer", "answered_on", "followed_up_on"},
      {{"registered", true},
       {"handling", true},
       {"answered", false, {"followed_up_on"}},
       {"followed_up", false},
       {"closed", false}},
      {{"registered", "handling", kBoth},
       {"handling", "answered", kBoth, {"answer", "answered_on"}},
       {"answered", "handling", kBoth},  // the answer did not settle it
       {"answered", "followed_up", kBoth, {"followed_up_on"}},
       {"followed_up", "closed", kCity}},
  });
  kinds_.push_back(
      approval_kind("donation", "Donation from abroad", {"donor", "country", "amount", "currency", "purpose"}));
  kinds_.push_back(approval_kind("investment_liaison", "Economic liaison: technology, talent, investment",
                                 {"partner", "country", "sector", "amount", "currency"}));
  // Training is the city's: it plans a course, holds it (attendance on its
  // people: `attended`) and closes it.
  {
    CaseKind training{
        "training",
        "Pre-departure education / staff training",
        "planned",
        {"course", "starts_on", "participants"},
        {{"planned", false}, {"held", false}, {"closed", false}, {"cancelled", false}},
        {{"planned", "held", kCity, {"starts_on"}}, {"held", "closed", kCity}, {"planned", "cancelled", kCity}},
        kCity};
    kinds_.push_back(std::move(training));
  }
  kinds_.push_back(CaseKind{
      "situation_report",
      "Local situation report",
      "draft",
      {"period"},
      {{"draft", true}, {"submitted", false}, {"acknowledged", false}},
      {{"draft", "submitted", kCounty}, {"submitted", "draft", kCounty}, {"submitted", "acknowledged", kCity}},
  });
}

std::span<const Choice> incident_severities() noexcept { return kSeverities; }

bool belongs_to_case(const TableDef& table) noexcept {
  return table.scope_rule == ScopeRule::parent_row && table.parent == TableId::cases;
}

bool kept_after_approval(TableId table, std::string_view kind) noexcept {
  const bool visit = kind == "delegation_visit" || kind == "friendship_exchange";
  if (table == TableId::itinerary_items) return visit;
  if (table == TableId::gifts) return visit || kind == "outbound_trip";
  return false;
}

bool finished_status(std::string_view status) noexcept {
  return status == "closed" || status == "rejected" || status == "cancelled" || status == "resolved" ||
         status == "lost" || status == "expired";
}

Attribution attribution(const ColumnDef& column) noexcept {
  static constexpr std::string_view kWriters[] = {"created_by", "author", "issued_by", "replied_by", "set_by"};
  static constexpr std::string_view kTimes[] = {"updated_at",      "written_at", "issued_at", "received_at",
                                                "acknowledged_at", "set_at",     "read_at",   "replied_at"};
  if (std::find(std::begin(kWriters), std::end(kWriters), column.name) != std::end(kWriters))
    return Attribution::writer;
  if (std::find(std::begin(kTimes), std::end(kTimes), column.name) != std::end(kTimes)) return Attribution::time;
  return Attribution::none;
}

TextRule text_rule(const ColumnDef& column) noexcept {
  const bool multiline =
      std::find(std::begin(kMultiLineColumns), std::end(kMultiLineColumns), column.name) != std::end(kMultiLineColumns);
  return {multiline, multiline ? kMultiLineMaxChars : kSingleLineMaxChars};
}

std::optional<std::string> value_problem(const ColumnDef& column, const Value& value) {
  const std::string name = field_in_message(column.name);
  const std::string space = english() ? " " : "";
  const bool type_ok = value.index() == 0 || (value.index() == 1 && column.type == ValueType::integer) ||
                       (value.index() == 2 && column.type == ValueType::real) ||
                       (value.index() == 3 && column.type == ValueType::text);
  if (!type_ok)
    return name + (column.type == ValueType::text      ? in_language(" needs text", "应为文字")
                   : column.type == ValueType::integer ? in_language(" needs a whole number", "应为整数")
                                                       : in_language(" needs a number", "应为数字"));
  if (const auto* real = std::get_if<double>(&value); real && !std::isfinite(*real))
    return name + in_language(" needs a finite number", "应为有限的数字");
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (auto problem = text_problem(*text, text_rule(column))) return name + space + *problem;
    if (column.format == ValueFormat::case_ref && !is_case_ref(*text))
      return name + space + "'" + escape_for_terminal(*text) + "'" +
             in_language(" is not a case reference like K7Q-3M9", "不是 K7Q-3M9 这样的案件编号");
    if (column.format == ValueFormat::password_hash)
      if (auto problem = password_hash_problem(*text)) return name + space + *problem;
  }
  if (auto problem = format_problem(column.format, column.choices, value)) return name + space + *problem;
  return std::nullopt;
}

}  // namespace liaison
