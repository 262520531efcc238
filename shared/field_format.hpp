// What a typed case field may hold beyond its storage type, and how what a
// person types becomes that value: dates (a real day, 2026-12-31), flags
// (0 or 1; yes/no, 是/否 typed), counts (a whole number, 0 or more),
// currencies (ISO 4217, EUR), periods (2027-Q1 or 2027-03; 2027Q1 and
// 2027年第一季度 typed), choices from a fixed list (a severity), and the
// date ranges a case's fields form (return on or after departure). The
// same checks run in every replica's local writes and in the hub's
// authority check. Pure functions; safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/error.hpp"
#include "shared/value.hpp"

namespace liaison {

enum class ValueFormat : std::uint8_t {
  free,
  case_ref,       // "K7Q-3M9" (shared/case_ref.hpp)
  date,           // "2026-12-31", a day of the calendar
  flag,           // 0 or 1
  count,          // 0, 1, 2, ...
  currency,       // "EUR": three capital letters (ISO 4217)
  period,         // "2027-Q1" (a quarter) or "2027-03" (a month)
  choice,         // one of the column's choices
  password_hash,  // Argon2id as libsodium writes it (shared/staff.hpp)
};

// One value of a choice field, with what people read.
struct Choice {
  std::string_view value;  // stored and typed: "major"
  std::string_view label;  // shown: "重大"
};

// What is wrong with `value` under `format` (and `choices`), as the end of a
// sentence that starts with the field's name ("is not a date like
// 2026-12-31"), or nothing. A null value is always fine (the field is
// cleared).
std::optional<std::string> format_problem(ValueFormat format, std::span<const Choice> choices, const Value& value);

// What a person typed, in the form stored: "2027Q1", "2027年第一季度" ->
// "2027-Q1"; "是", "yes" -> 1; "eur" -> "EUR"; a choice's label -> its
// value. Anything else comes back as typed (integers as text), for
// format_problem to judge.
Value normalize_typed(ValueFormat format, std::span<const Choice> choices, std::string_view typed);

bool is_calendar_date(std::string_view text) noexcept;

// The day in China (UTC+8) at `unix_ms`, as 2026-12-31: what "today" means
// for due dates, whatever the computer's time zone.
std::string china_date(std::uint64_t unix_ms);
// When that day begins in China, in Unix ms. REQUIRES: is_calendar_date.
std::uint64_t china_day_start_ms(std::string_view date);

// A period typed as --from and --to (either may be missing): an error
// naming the option when a day is not a calendar day, or when --from comes
// after --to.
Status check_day_options(const std::optional<std::string>& from, const std::optional<std::string>& to);

// Day arithmetic on dates as text. REQUIRES: is_calendar_date of each.
std::string date_after(std::string_view date, int days);
int days_from(std::string_view from, std::string_view to);

// A pair of date fields of a case where the second may not come before the
// first.
struct DateRange {
  std::string_view from, to;
};
std::span<const DateRange> case_date_ranges() noexcept;

}  // namespace liaison
