// The city's consolidated report for a period and a set of counties
// (`liaison-hub report`): what the office did, counted from the hub's
// replica. Every figure is defined here once; the hub prints it as tables,
// CSV or a workbook (hub/report_command.cpp).
//
//  - cases: those opened in the period (the day their id was made), per
//    county and kind, by where they stand now: pending (not yet decided or
//    finished), approved (approved, and on from there: a trip briefed,
//    travelling, home, reported, or closed after approval), rejected (also
//    when closed since), closed (finished otherwise: cancelled, resolved,
//    answered and closed ...). The passport register is not counted here.
//  - trips abroad departing in the period that were approved (as above; a
//    cancelled one did not go), per county and destination country, with
//    person-trips (the trip's people; a trip to two countries counts for
//    each, and once in the county's total).
//  - foreign visitors: approved delegation visits and invitations whose
//    visit begins in the period, and their guests and invitees (the people
//    listed, else a delegation's participants).
//  - incidents that occurred in the period (else: opened in it) by severity.
//  - donations from abroad opened in the period and accepted (approved),
//    summed per currency.
//  - directives issued in the period to each county (reminders are not
//    counted again): answered (acknowledged or replied to, or one of its
//    reminders: as the receipt matrix says), and overdue (due before
//    today, unanswered, not withdrawn).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/error.hpp"

namespace liaison::sync {

class Replica;

struct ReportQuery {
  std::string from_day, to_day;       // YYYY-MM-DD, both included
  std::vector<std::string> counties;  // counties and/or "city"; empty: all of them
  std::string today;                  // what "overdue" is judged against
};

struct CaseCounts {
  std::string county, kind;
  std::int64_t opened = 0, pending = 0, approved = 0, rejected = 0, closed = 0;
};
struct TripCounts {
  std::string county, country;  // country empty: the county's total
  std::int64_t trips = 0, person_trips = 0;
};
struct VisitCounts {
  std::string county;
  std::int64_t visits = 0, visitors = 0;
};
struct IncidentCounts {
  std::string county, severity;  // severity empty: not graded
  std::int64_t incidents = 0;
};
struct DonationSums {
  std::string county, currency;
  std::int64_t donations = 0;
  double amount = 0;
};
struct DirectiveCounts {
  std::string county;
  std::int64_t issued = 0, answered = 0, overdue = 0;
};

struct CityReport {
  ReportQuery query;  // with the counties filled in
  std::vector<CaseCounts> cases;
  std::vector<TripCounts> trips;
  std::vector<VisitCounts> visits;
  std::vector<IncidentCounts> incidents;
  std::vector<DonationSums> donations;
  std::vector<DirectiveCounts> directives;
};

// REQUIRES: the days are calendar dates, from_day <= to_day, the counties
// known. Rows come in the counties' order (the six, then city), then by
// kind, country, severity or currency.
Result<CityReport> city_report(Replica& replica, ReportQuery query);

}  // namespace liaison::sync
