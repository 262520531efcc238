// Case fields as typed on the command line: `FIELD=VALUE`, where FIELD must
// be a field of the case's kind that this side may set, and VALUE is read
// by the schema column's type (whole number, number or text; an empty
// VALUE clears the field). Errors list the valid fields. Pure functions over
// the schema; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/error.hpp"
#include "shared/schema.hpp"
#include "shared/value.hpp"

namespace liaison::client {

// Fields a user may set with `case set` on a case of `kind` from this side
// (`status` included; kind, county, created_by and updated_at are kept by
// the program).
std::vector<std::string_view> settable_fields(const CaseKind& kind, bool city);

// Splits "FIELD=VALUE"; invalid_argument when there is no '=' or no FIELD.
Result<std::pair<std::string, std::string>> split_assignment(std::string_view text);

// VALUE as `column` stores it: a whole number, a number or text, in its
// format (a date, a flag, a choice typed as its label...); empty clears it.
Result<Value> typed_value(const ColumnDef& column, std::string_view text);

// Checks FIELD against `kind` and converts VALUE to its column's type.
// `allow_status`: false for `case new --set` (a new case starts in its
// kind's initial status).
Result<std::pair<std::string, Value>> parse_case_field(const CaseKind& kind, bool city, std::string_view field,
                                                       std::string_view text, bool allow_status);

// What one FIELD=VALUE stands for: itself, or for `amount` typed with its
// currency ("50000 EUR", "2500.5 usd") the amount and the currency.
std::vector<std::pair<std::string, std::string>> expand_assignment(std::string field, std::string text);

// An amount that would be kept without its currency, as an error saying what
// to type; `before` gives a field's value before this write (null for a new
// case). Only a kind with a currency field is checked.
Status money_problem(const CaseKind& kind, const std::vector<std::pair<std::string, Value>>& fields,
                     const std::function<Value(std::string_view)>& before);

// "draft -> submitted (county), submitted -> approved (city)": the moves a
// side may make from `from`, for messages; "none" when there are none.
std::string moves_from(const CaseKind& kind, std::string_view from, Side acting);

// "outbound_trip, foreign_invitation, ...".
std::string kind_names();

}  // namespace liaison::client
