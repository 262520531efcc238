// How a case is placed among the counties, for the lists of both programs:
// whether it involves a county (its own, or one it is shared with through
// also_counties), and where it is, as people read it. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "sync/replica.hpp"

namespace liaison::sync {

// Whether `case_row` is of `county` or shared with it; for "city", whether
// it is the city office's own case.
bool case_involves(const Row& case_row, std::string_view county);

// Its county, with the counties it is shared with: "longyou+kaihua".
std::string case_place(const Row& case_row);

}  // namespace liaison::sync
