// Overdue tasks, passports and trip reports; see overdue.hpp.
#include "sync/overdue.hpp"

#include <algorithm>

#include "shared/labels.hpp"
#include "shared/field_format.hpp"
#include "shared/node_id.hpp"
#include "sync/directives.hpp"
#include "sync/receipts.hpp"
#include "sync/review.hpp"

namespace liaison::sync {
namespace {

bool past(const Value& due, const std::string& today) {
  const std::string day = to_display(due);
  return is_calendar_date(day) && day < today;
}

// Tasks (any directive with a due day) a county it addresses has neither
// acknowledged nor answered.
Status unanswered_directives(Replica& replica, const std::string& today, const std::optional<std::string>& county,
                             std::vector<OverdueItem>& out) {
  auto directives = replica.list(TableId::directives);
  if (!directives) return directives.error();
  for (const Row& d : *directives) {
    if (!past(d["due_on"], today) || withdrawn(d)) continue;
    auto silent = counties_not_answered(replica, d);  // an answer to a reminder counts
    if (!silent) return silent.error();
    for (const auto& target : *silent) {
      if (county && *county != target) continue;
      out.push_back({OverdueItem::What::directive_unanswered, TableId::directives, d.id, target,
                     d.id.to_string().substr(0, 8), to_display(d["title"]), to_display(d["due_on"]),
                     days_from(to_display(d["due_on"]), today)});
    }
  }
  return {};
}

// The trip statuses in which its report may be owed: it went, or was to go
// (an approved trip before schema 3 never moved on). Not closed: a rejected
// trip is closed too, and one reported before it is closed has its report.
bool report_may_be_owed(const std::string& status) {
  return status == "approved" || status == "briefed" || status == "travelling" || status == "home";
}

Status late_cases(Replica& replica, const std::string& today, const std::optional<std::string>& county,
                  const WorkflowRules& rules, std::vector<OverdueItem>& out) {
  RowFilter filter;
  if (county) filter.equals.emplace_back("county", *county);
  auto cases = replica.list(TableId::cases, filter);
  if (!cases) return cases.error();
  for (const Row& c : *cases) {
    const std::string kind = to_display(c["kind"]), status = to_display(c["status"]);
    const auto item = [&](OverdueItem::What what, const std::string& due) {
      out.push_back({what, TableId::cases, c.id, to_display(c["county"]), to_display(c["ref"]), to_display(c["title"]),
                     due, days_from(due, today)});
    };
    if (kind == "passport" && passport_out_on_loan(status) && past(c["due_back_on"], today))
      item(OverdueItem::What::passport_not_returned, to_display(c["due_back_on"]));
    // Due after the day the trip really came back, or else the day planned.
    const std::string back =
        is_calendar_date(to_display(c["back_on"])) ? to_display(c["back_on"]) : to_display(c["return_on"]);
    if (kind == "outbound_trip" && report_may_be_owed(status) && is_null(c["report_filed_on"]) &&
        is_calendar_date(back)) {
      const std::string due = date_after(back, rules[Rule::trip_report_days]);
      if (due < today) item(OverdueItem::What::trip_report_missing, due);
    }
    // The inviter records the visit's end within a month of the visitor leaving.
    if (kind == "foreign_invitation" && status == "approved" && is_calendar_date(to_display(c["visit_to"]))) {
      const std::string due = date_after(to_display(c["visit_to"]), rules[Rule::invitation_close_days]);
      if (due < today) item(OverdueItem::What::invitation_not_closed, due);
    }
  }
  return {};
}

}  // namespace

bool passport_out_on_loan(std::string_view status) noexcept {
  return status == "lent" || status == "issued" || status == "due_back";
}

Result<std::vector<OverdueItem>> find_overdue(Replica& replica, const std::string& today,
                                              const std::optional<std::string>& county) {
  std::vector<OverdueItem> out;
  LIAISON_TRY(unanswered_directives(replica, today, county, out));
  auto rules = load_rules(replica);
  if (!rules) return rules.error();
  LIAISON_TRY(late_cases(replica, today, county, *rules, out));
  std::stable_sort(out.begin(), out.end(),
                   [](const OverdueItem& a, const OverdueItem& b) { return a.days_late > b.days_late; });
  return out;
}

std::string_view overdue_kind_name(OverdueItem::What what) noexcept {
  switch (what) {
    case OverdueItem::What::directive_unanswered: return "directive_unanswered";
    case OverdueItem::What::passport_not_returned: return "passport_not_returned";
    case OverdueItem::What::trip_report_missing: return "trip_report_missing";
    case OverdueItem::What::invitation_not_closed: return "invitation_not_closed";
  }
  return "";
}

cli::Report overdue_report(const std::vector<OverdueItem>& items, const std::string& today) {
  static constexpr std::string_view kWhat[] = {"directive not answered", "passport not returned",
                                               "trip report not filed", "invitation not closed"};
  static constexpr std::string_view kWhatZh[] = {"文件未回复", "护照未交还", "出访报告未报送", "邀请事项未办结"};
  std::vector<std::string> json;
  cli::Table table{{"overdue", "county", "ref", "title", "due", "days late"}, {}};
  for (const auto& item : items) {
    json.push_back(cli::json_object({{"what", cli::json_quote(overdue_kind_name(item.what))},
                                     {"county", cli::json_quote(item.county)},
                                     {"table", cli::json_quote(Schema::get().table(item.table).name)},
                                     {"id", cli::json_quote(item.row.to_string())},
                                     {"name", cli::json_quote(item.name)},
                                     {"title", cli::json_quote(item.title)},
                                     {"due_on", cli::json_quote(item.due_on)},
                                     {"days_late", std::to_string(item.days_late)}}));
    const auto what = static_cast<std::size_t>(item.what);
    table.rows.push_back({std::string(in_language(kWhat[what], kWhatZh[what])), county_label(item.county), item.name,
                          item.title, item.due_on, std::to_string(item.days_late)});
  }
  cli::Report report{cli::json_array(json), {}};
  return report.table_or(table, language() == Language::en ? "nothing is overdue on " + today : today + " 无逾期事项");
}

}  // namespace liaison::sync
