// What is overdue, read from a replica, for the desks that chase it: tasks
// a county has neither acknowledged nor answered by their due day,
// passports of the register not back by theirs, and trip reports not filed
// within trip_report_days (a workflow setting) of the return, invitations
// not closed invitation_close_days after the visit. Dates are days in China's calendar
// (shared/field_format.hpp: china_date). Not thread-safe, like the replica.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shared/command.hpp"
#include "shared/error.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

// Whether a passport in `status` is out of custody, lent to a trip (issued
// and due_back: passport cases made before schema 3).
bool passport_out_on_loan(std::string_view status) noexcept;

struct OverdueItem {
  enum class What : std::uint8_t {
    directive_unanswered,
    passport_not_returned,
    trip_report_missing,
    invitation_not_closed
  };
  What what = What::directive_unanswered;
  TableId table = TableId::cases;
  Uuid row;
  std::string county;  // who owes it
  std::string name;    // a case's ref, or the directive's title
  std::string title;
  std::string due_on;  // 2026-12-31
  int days_late = 0;
};

// Everything overdue on `today` that this replica holds, for `county` only
// when given (a county's own view), oldest first.
Result<std::vector<OverdueItem>> find_overdue(Replica& replica, const std::string& today,
                                              const std::optional<std::string>& county = std::nullopt);

std::string_view overdue_kind_name(OverdueItem::What what) noexcept;

// The list as both programs show it: a table (or "nothing is overdue"), and
// for --json an array of {what, county, table, id, name, title, due_on,
// days_late}.
cli::Report overdue_report(const std::vector<OverdueItem>& items, const std::string& today);

}  // namespace liaison::sync
