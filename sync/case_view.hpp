// How a case reads, the same at the hub and on clients: how it is placed
// among the counties (its own, and those it is shared with through
// also_counties), and its sheet for `case show`: its fields, notes, people,
// the passports lent to a trip, its programme and gifts, and the reviewer's
// flags, as tables for people and one JSON object for scripts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/command.hpp"
#include "shared/error.hpp"
#include "sync/replica.hpp"
#include "sync/review.hpp"

namespace liaison::sync {

// Whether `case_row` is of `county` or shared with it; for "city", whether
// it is the city office's own case.
bool case_involves(const Row& case_row, std::string_view county);

// Its county, with the counties it is shared with: "longyou+kaihua".
std::string case_place(const Row& case_row);

// The case's sheet, read from `replica`; `flags` are the reviewer's
// (review_case). JSON: the case's set columns with "notes", "people",
// "itinerary", "gifts", "review_flags" and, for a trip, "passports".
Result<cli::Report> case_sheet(Replica& replica, const Row& case_row, const std::vector<ReviewFlag>& flags);

}  // namespace liaison::sync
