// What the city's reviewer is warned of before deciding a case: a trip over
// the group-size, country or day limits, a publicity shorter than the rule,
// an invitation letter for too many people (../DOMAIN.md: "warn, let the city
// decide"). The limits are the workflow settings in force on the replica
// (shared/workflow_rules.hpp), so the hub, a city desk and the county that
// drafts the case see the same flags. Not thread-safe, like the replica.
#pragma once

#include <string>
#include <vector>

#include "shared/command.hpp"
#include "shared/error.hpp"
#include "shared/workflow_rules.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

// The settings the city has made, over the defaults.
Result<WorkflowRules> load_rules(Replica& replica);

struct ReviewFlag {
  Rule rule;
  std::string message;  // in Chinese, for the reviewer: 出访7人，超过6人的限额
  // The reviewer may decide despite it (--despite-flags); not so for what
  // the workflow itself requires first (a publicity not recorded).
  bool may_be_weighed = true;
};

// The flags of case `c` (its people read from the replica) on `today`
// (2026-12-31: a publicity not over yet is flagged).
Result<std::vector<ReviewFlag>> review_case(Replica& replica, const Row& c, const WorkflowRules& rules,
                                            const std::string& today);

// The countries a trip's destination names, "法国、德国" or "France, Germany".
std::vector<std::string> destination_countries(std::string_view destination);

// Monday to Friday days from `from` to `to`, both included (public holidays
// are not known: the count is at least what the calendar of the office
// gives). REQUIRES: is_calendar_date of each.
int working_days(std::string_view from, std::string_view to);

// As case show lists them: [{"rule": "trip_max_people", "message": "..."}].
std::string review_flags_json(const std::vector<ReviewFlag>& flags);

// The flags that stand in the way of a decision: all of them, or with
// --despite-flags those the reviewer may not weigh.
std::vector<ReviewFlag> standing_flags(std::vector<ReviewFlag> flags, bool despite_flags);

// What `case decide` says when the reviewer approves over flags without
// saying so: the flags, and to add --despite-flags once they are weighed.
Error flagged_decision(const std::vector<ReviewFlag>& flags, std::string_view decision);

// The settings in force as both programs list them.
cli::Report settings_report(const WorkflowRules& rules);

}  // namespace liaison::sync
