// `passport list|lend|return`: the register of official passports (cases of
// kind passport) and their loans to trips. A passport is lent only to an
// approved trip of its county whose members include its holder, with at
// least six months of validity after the trip's return, and is due back
// passport_return_days (a workflow setting) after the approved return. A
// passport is named by its number (SE0000001), its case's ref or its id.
#include <chrono>

#include "client/commands.hpp"

#include "shared/labels.hpp"
#include "client/output.hpp"
#include "shared/field_format.hpp"
#include "sync/overdue.hpp"
#include "sync/review.hpp"
#include "sync/row_lookup.hpp"

namespace liaison::client {
namespace {

// A passport needs six months of validity left after the trip's return.
std::string six_months_after(const std::string& date) {
  using namespace std::chrono;
  const year_month_day day{sys_days{} + days{days_from("1970-01-01", date)}};
  const year_month month = year_month{day.year(), day.month()} + months{6};
  year_month_day later = month / day.day();
  if (!later.ok()) later = month / last;  // 31 August: 28 or 29 February
  return date_after("1970-01-01", static_cast<int>(sys_days{later}.time_since_epoch().count()));
}

// The passport `which` names: its number in the register, else its case.
Result<CaseAt> open_passport(const Invocation& in, const std::string& which) {
  auto context = open_context(in);
  if (!context) return context.error();
  auto numbered =
      context->replica->list(TableId::cases, {{{"kind", std::string("passport")}, {"passport_no", which}}, false, 0});
  if (!numbered) return numbered.error();
  if (numbered->size() == 1)
    return CaseAt{std::move(*context), std::move(numbered->front()), Schema::get().find_kind("passport")};
  if (numbered->size() > 1)
    return make_error(Errc::invalid_argument, "the register holds " + std::to_string(numbered->size()) +
                                                  " passports numbered " + escape_for_terminal(which) +
                                                  " — name one by its ref ('passport list' shows them)");
  auto opened = open_case(in, which);
  if (!opened) return opened.error();
  if (opened->kind->name != "passport")
    return make_error(Errc::invalid_argument, "case " + to_display(opened->row["ref"]) + " is " +
                                                  std::string(opened->kind->name) + ", not a passport of the register");
  return opened;
}

// --on DATE, or today in China's calendar.
Result<std::string> day_given(const std::optional<std::string>& on, Context& context) {
  if (!on) return china_date(context.now_ms());
  if (auto st = cli::check_date(*on); !st) return make_error(Errc::usage, "--on " + st.error().message);
  return *on;
}

Outcome passport_written(CaseAt& at, const std::string& line) {
  auto row = at.context.replica->get(TableId::cases, at.row.id);
  if (!row || !*row)
    return advised(Errc::storage_failed, "passport " + at.row.id.to_string() + " was written but can't be read back",
                   "run 'passport list'");
  return cli::Report{row_json(**row), {}}.line(line);
}

}  // namespace

Outcome cmd_passport_list(Invocation& in) {
  const auto status = in.args.option("status");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "passport list [--status S]"));
  const CaseKind& kind = *Schema::get().find_kind("passport");
  if (status && !kind.status(*status))
    return make_error(Errc::usage, "no passport status '" + escape_for_terminal(*status) +
                                       "' — in_custody, lent, lost, cancelled or expired");
  auto context = open_context(in);
  if (!context) return context.error();
  sync::RowFilter filter{{{"kind", std::string("passport")}}, false, 0};
  if (status) filter.equals.emplace_back("status", *status);
  auto passports = context->replica->list(TableId::cases, filter);
  if (!passports) return passports.error();
  const std::string today = china_date(context->now_ms());
  std::vector<std::string> items;
  cli::Table table{{"ref", "county", "holder", "type", "passport_no", "status", "lent to", "due back", "expires"}, {}};
  for (const auto& p : *passports) {
    const bool overdue = sync::passport_out_on_loan(to_display(p["status"])) &&
                         is_calendar_date(to_display(p["due_back_on"])) && to_display(p["due_back_on"]) < today;
    std::string trip;
    if (const auto trip_id = Uuid::parse(to_display(p["lent_to"])))
      if (auto row = context->replica->get(TableId::cases, *trip_id); row && *row) trip = to_display((**row)["ref"]);
    items.push_back(row_json(p, {{"overdue", overdue ? "true" : "false"}, {"lent_to_ref", cli::json_quote(trip)}}));
    table.rows.push_back(
        {to_display(p["ref"]), sync::labelled_value(p, "county"), to_display(p["holder"]),
         sync::labelled_value(p, "passport_type"), to_display(p["passport_no"]),
         sync::labelled_value(p, "status") + std::string(overdue ? in_language(" (overdue)", "（逾期）") : ""),
         sync::passport_out_on_loan(to_display(p["status"])) ? trip : "", to_display(p["due_back_on"]),
         to_display(p["expires_on"])});
  }
  return cli::Report{cli::json_array(items), {}}.table_or(
      table, "no passports in the register" + std::string(status ? " in that status" : "") +
                 " — add one with 'case new --kind passport --title T --set holder=NAME --set passport_no=N'");
}

Outcome cmd_passport_lend(Invocation& in) {
  const auto trip_ref = in.args.option("trip");
  const auto on = in.args.option("on");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "passport lend PASSPORT --trip TRIP [--on DATE]"));
  if (!trip_ref)
    return make_error(Errc::usage, "a passport is lent to a trip — add --trip TRIP (its ref, number or id)");
  auto opened = open_passport(in, words[0]);
  if (!opened) return opened.error();
  auto& at = *opened;
  const std::string number = to_display(at.row["passport_no"]), status = to_display(at.row["status"]);
  if (status != "in_custody" && status != "returned")
    return advised(Errc::bad_transition, "passport " + number + " is " + status + ", not in custody",
                   sync::passport_out_on_loan(status) ? "take it back first with 'passport return " + number + "'"
                                                      : "lend another of the holder's passports");
  auto trip = sync::find_row(*at.context.replica, TableId::cases, *trip_ref, "case");
  if (!trip) return trip.error();
  const std::string trip_name = to_display((*trip)["ref"]), trip_status = to_display((*trip)["status"]);
  if (to_display((*trip)["kind"]) != "outbound_trip")
    return make_error(Errc::invalid_argument, "case " + trip_name + " is not an outbound trip");
  if (trip_status != "approved" && trip_status != "briefed")
    return advised(Errc::bad_transition,
                   "trip " + trip_name + " is " + trip_status + ": a passport is lent only against an approved trip",
                   "wait for the city's approval (and sync)");
  if (to_display((*trip)["county"]) != to_display(at.row["county"]))
    return make_error(Errc::invalid_argument, "passport " + number + " is " + to_display(at.row["county"]) +
                                                  "'s; trip " + trip_name + " is " + to_display((*trip)["county"]) +
                                                  "'s");
  auto members = at.context.replica->list(TableId::people, {{{"case_id", trip->id.to_string()}}, false, 0});
  if (!members) return members.error();
  const std::string holder = to_display(at.row["holder"]);
  bool member = false;
  for (const auto& person : *members) member |= to_display(person["name"]) == holder;
  if (!member)
    return advised(Errc::invalid_argument,
                   "the holder of passport " + number + ", " + (holder.empty() ? "(none recorded)" : holder) +
                       ", is not a member of trip " + trip_name,
                   "lend the passports of the trip's members ('person list " + trip_name + "')");
  const std::string back = to_display((*trip)["return_on"]);
  if (!is_calendar_date(back))
    return advised(Errc::invalid_argument, "trip " + trip_name + " has no return day (return_on)",
                   "the due day follows from it; record it first");
  const std::string expires = to_display(at.row["expires_on"]);
  if (is_calendar_date(expires) && expires < six_months_after(back))
    return advised(Errc::invalid_argument,
                   "passport " + number + " expires on " + expires +
                       ", less than six months after the trip's return (" + back + ")",
                   "have it replaced before the trip");
  auto lent_on = day_given(on, at.context);
  if (!lent_on) return lent_on.error();
  auto rules = sync::load_rules(*at.context.replica);
  if (!rules) return rules.error();
  const std::string due = date_after(back, (*rules)[Rule::passport_return_days]);
  const sync::Fields fields = {
      {"status", std::string("lent")}, {"lent_to", trip->id.to_string()},
      {"lent_on", *lent_on},           {"due_back_on", due},
      {"returned_on", Value{}},        {"updated_at", static_cast<std::int64_t>(at.context.now_ms())}};
  if (auto st = checked_update(at.context, TableId::cases, at.row.id, fields); !st)
    return advised(st.error(), "nothing was written");
  return passport_written(at, english() ? "lent passport " + number + " (" + holder + ") to trip " + trip_name +
                                              " on " + *lent_on + "; due back " + due
                                        : *lent_on + " 将护照 " + number + "（" + holder + "）借给出访团组 " +
                                              trip_name + "，应于 " + due + " 前交还");
}

Outcome cmd_passport_return(Invocation& in) {
  const auto on = in.args.option("on");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "passport return PASSPORT [--on DATE]"));
  auto opened = open_passport(in, words[0]);
  if (!opened) return opened.error();
  auto& at = *opened;
  const std::string number = to_display(at.row["passport_no"]), status = to_display(at.row["status"]);
  if (status != "lent")
    return advised(Errc::bad_transition, "passport " + number + " is " + status + ", not lent",
                   status == "issued" || status == "due_back" ? "the city records its return (status=returned)"
                                                              : "nothing to take back");
  auto returned_on = day_given(on, at.context);
  if (!returned_on) return returned_on.error();
  const sync::Fields fields = {{"status", std::string("in_custody")}, {"returned_on", *returned_on}};
  if (auto st = checked_update(at.context, TableId::cases, at.row.id, fields); !st)
    return advised(st.error(), "nothing was written");
  const std::string due = to_display(at.row["due_back_on"]);
  const int late = is_calendar_date(due) ? days_from(due, *returned_on) : 0;
  if (!english())
    return passport_written(at, "护照 " + number + " 已于 " + *returned_on + " 交还入库" +
                                    (late > 0 ? "，逾期 " + std::to_string(late) + " 天" : ""));
  return passport_written(at, "passport " + number + " back in custody on " + *returned_on +
                                  (late > 0 ? ", " + std::to_string(late) + " days late" : ""));
}

}  // namespace liaison::client
