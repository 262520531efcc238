// How a case reads, the same at the hub and on clients: how it is placed
// among the counties (its own, and those it is shared with through
// also_counties), and its sheet for `case show`: its fields, notes, people,
// the passports lent to a trip, its programme and gifts, and the reviewer's
// flags, as tables for people and one JSON object for scripts.
#pragma once

#include <optional>
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

// `case search` as typed, checked: at least one word, no word longer than
// a title, days as YYYY-MM-DD with `from` not after `to`, a limit of 1 to
// 1000. The error says which and how to write it.
Result<CaseSearch> case_search_query(const std::vector<std::string>& words, const std::optional<std::string>& from,
                                     const std::optional<std::string>& to, const std::optional<std::string>& limit);

// The options and help of `case search`, the same in both programs.
const std::vector<cli::OptionSpec>& case_search_options();
inline constexpr std::string_view kCaseSearchHelp =
    "Each word is looked for anywhere in the case: its title, summary, ref, official number,\n"
    "names and numbers (passport, letter, province's approval), and the names and passport\n"
    "numbers of its people and guests. Chinese needs no spaces: 王立新 finds 王立新 inside\n"
    "a title. A case must hold every word given. The first search after many cases arrived\n"
    "indexes them first (some 5,000 cases a second).";

// The cases `query` finds, listed as `case list` lists them (the latest
// first), with how many, and a hint when the limit cut the list short.
Result<cli::Report> case_search_report(Replica& replica, const CaseSearch& query);

}  // namespace liaison::sync
