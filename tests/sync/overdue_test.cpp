// Tests for the overdue lists: what a desk chasing deadlines sees on a given
// day — a task a county has not answered, a passport not back, a trip report
// not filed — and only its own county's at a county.
#include "sync/overdue.hpp"

#include <doctest/doctest.h>

#include "sync/receipts.hpp"
#include "sync/scratch_replica.hpp"

namespace liaison::sync {
namespace {

constexpr std::uint64_t kNow = 1'796'300'000'000;  // 2026-12-03

Fields a_case(const char* kind, const char* county, const char* status, Fields more) {
  Fields fields = {{"kind", std::string(kind)},
                   {"county", std::string(county)},
                   {"title", std::string(kind) + " of " + county},
                   {"status", std::string(status)}};
  fields.insert(fields.end(), more.begin(), more.end());
  return fields;
}

}  // namespace

TEST_CASE("overdue: unanswered tasks per county, passports not back, trip reports not filed; oldest first") {
  TempDir dir;
  std::uint64_t wall = kNow;
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  const Uuid passport = hub->insert(TableId::cases, a_case("passport", "longyou", "due_back",
                                                           {{"due_back_on", std::string("2026-11-20")}}))
                            .value();
  REQUIRE(hub->insert(TableId::cases,
                      a_case("passport", "kaihua", "returned", {{"due_back_on", std::string("2026-11-01")}}))
              .ok());  // back: not overdue
  const Uuid trip = hub->insert(TableId::cases, a_case("outbound_trip", "kaihua", "approved",
                                                       {{"return_on", std::string("2026-10-01")}}))
                        .value();
  REQUIRE(hub->insert(TableId::cases, a_case("outbound_trip", "kaihua", "approved",
                                             {{"return_on", std::string("2026-10-01")},
                                              {"report_filed_on", std::string("2026-10-20")}}))
              .ok());  // report filed
  REQUIRE(hub->insert(TableId::cases,
                      a_case("outbound_trip", "longyou", "approved", {{"return_on", std::string("2026-11-20")}}))
              .ok());  // report not yet due (30 days)
  const Uuid task = hub->insert(TableId::directives, {{"kind", std::string("task")},
                                                      {"title", std::string("报送情况")},
                                                      {"targets", std::string("longyou,kaihua")},
                                                      {"due_on", std::string("2026-11-25")},
                                                      {"issued_by", std::string("city:hub")}})
                        .value();
  REQUIRE(hub->insert(TableId::directive_receipts,
                      {{"directive_id", task.to_string()},
                       {"county", std::string("longyou")},
                       {"acknowledged_at", std::int64_t{1}}},
                      directive_receipt_id(task, "longyou"))
              .ok());

  const auto all = find_overdue(*hub, "2026-12-03").value();
  REQUIRE(all.size() == 3);
  CHECK(all[0].what == OverdueItem::What::trip_report_missing);  // due 2026-10-31: 33 days late
  CHECK(all[0].row == trip);
  CHECK(all[0].due_on == "2026-10-31");
  CHECK(all[0].days_late == 33);
  CHECK(all[1].what == OverdueItem::What::passport_not_returned);
  CHECK(all[1].row == passport);
  CHECK(all[1].days_late == 13);
  CHECK(all[2].what == OverdueItem::What::directive_unanswered);
  CHECK(all[2].county == "kaihua");  // longyou acknowledged it
  CHECK(all[2].days_late == 8);

  const auto longyou = find_overdue(*hub, "2026-12-03", std::string("longyou")).value();
  REQUIRE(longyou.size() == 1);
  CHECK(longyou[0].row == passport);
  CHECK(find_overdue(*hub, "2026-11-19").value().size() == 1);  // only the trip report, already late
  const cli::Report report = overdue_report(all, "2026-12-03");
  CHECK(report.json.find("\"what\":\"trip_report_missing\"") != std::string::npos);
  CHECK(report.json.find("\"days_late\":33") != std::string::npos);
}

}  // namespace liaison::sync
