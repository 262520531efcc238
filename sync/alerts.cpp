// Incidents awaiting the city's acknowledgement; see alerts.hpp.
#include "sync/alerts.hpp"

#include <algorithm>
#include <array>

#include "shared/labels.hpp"
#include "shared/cli.hpp"

namespace liaison::sync {
namespace {

// 1 to 99 in Chinese numerals: 一, 十, 十一, 二十三.
std::string chinese_number(int n) {
  static constexpr std::array<const char*, 10> kDigits = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (n < 10) return kDigits[n];
  return std::string(n >= 20 ? kDigits[n / 10] : "") + "十" + kDigits[n % 10];
}

int severity_rank(const std::string& severity) {
  static constexpr std::array<std::string_view, 4> kOrder = {"critical", "major", "serious", "minor"};
  const auto it = std::find(kOrder.begin(), kOrder.end(), severity);
  return static_cast<int>(it - kOrder.begin());  // unknown last
}

}  // namespace

std::string report_label(int earlier, bool final_report) {
  if (earlier == 0) return final_report ? "首报暨终报" : "首报";
  if (final_report) return "终报";
  return "续报" + chinese_number(std::min(earlier, 99));
}

Result<std::vector<Alert>> find_alerts(Replica& replica) {
  auto incidents = replica.list(
      TableId::cases, {{{"kind", std::string("foreign_incident")}, {"status", std::string("reported")}}, false, 0});
  if (!incidents) return incidents.error();
  std::vector<Alert> alerts;
  for (const Row& c : *incidents) {
    auto notes = replica.list(TableId::case_notes, {{{"case_id", c.id.to_string()}}, false, 0});
    if (!notes) return notes.error();
    Alert alert{
        c.id, to_display(c["ref"]), to_display(c["county"]), to_display(c["title"]), to_display(c["severity"]), 0, 0};
    for (const Row& note : *notes) {
      if (is_null(note["label"])) continue;
      ++alert.reports;
      const auto* at = std::get_if<std::int64_t>(&note["written_at"]);
      if (at && (alert.first_report_ms == 0 || static_cast<std::uint64_t>(*at) < alert.first_report_ms))
        alert.first_report_ms = static_cast<std::uint64_t>(*at);
    }
    if (alert.first_report_ms == 0)
      if (const auto* at = std::get_if<std::int64_t>(&c["updated_at"])) alert.first_report_ms = *at;
    alerts.push_back(std::move(alert));
  }
  std::stable_sort(alerts.begin(), alerts.end(), [](const Alert& a, const Alert& b) {
    const int ra = severity_rank(a.severity), rb = severity_rank(b.severity);
    return ra != rb ? ra < rb : a.first_report_ms < b.first_report_ms;
  });
  return alerts;
}

cli::Report alerts_report(const std::vector<Alert>& alerts, std::uint64_t now_ms) {
  std::vector<std::string> items;
  cli::Table table{{"ref", "county", "severity", "first report", "minutes ago", "reports", "title"}, {}};
  for (const auto& a : alerts) {
    const std::int64_t minutes = a.first_report_ms && now_ms > a.first_report_ms
                                     ? static_cast<std::int64_t>((now_ms - a.first_report_ms) / 60000)
                                     : 0;
    items.push_back(cli::json_object({{"id", cli::json_quote(a.id.to_string())},
                                      {"ref", cli::json_quote(a.ref)},
                                      {"county", cli::json_quote(a.county)},
                                      {"title", cli::json_quote(a.title)},
                                      {"severity", cli::json_quote(a.severity)},
                                      {"first_report_at", std::to_string(a.first_report_ms)},
                                      {"minutes_ago", std::to_string(minutes)},
                                      {"reports", std::to_string(a.reports)}}));
    table.rows.push_back({a.ref, county_label(a.county), value_label("severity", "foreign_incident", a.severity),
                          cli::format_time(a.first_report_ms), std::to_string(minutes), std::to_string(a.reports),
                          a.title});
  }
  return cli::Report{cli::json_array(items), {}}.table_or(
      table,
      std::string(in_language("no incident awaits the city's acknowledgement", "没有待市外办知悉的涉外突发事件")));
}

}  // namespace liaison::sync
