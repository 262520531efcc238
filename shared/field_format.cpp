// Typed case fields: checks and the forms people type; see field_format.hpp.
#include "shared/field_format.hpp"

#include "shared/labels.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "shared/text.hpp"

namespace liaison {
namespace {

constexpr std::array<DateRange, 6> kCaseDateRanges = {{{"depart_on", "return_on"},
                                                       {"visit_from", "visit_to"},
                                                       {"publicity_from", "publicity_to"},
                                                       {"depart_on", "back_on"},
                                                       {"issued_on", "expires_on"},
                                                       {"lent_on", "returned_on"}}};

bool digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

int number_of(std::string_view text) {
  int n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

bool is_period(std::string_view text) {
  if (text.size() != 7 || !digits(text.substr(0, 4)) || text[4] != '-') return false;
  if (text[5] == 'Q') return text[6] >= '1' && text[6] <= '4';
  return digits(text.substr(5, 2)) && number_of(text.substr(5, 2)) >= 1 && number_of(text.substr(5, 2)) <= 12;
}

// "2027Q1", "2027-q1", "2027年第1季度", "2027年第一季度", "2027年3月", "2027-3".
std::string normalize_period(std::string_view typed) {
  static constexpr std::array<std::string_view, 4> kQuarterWords = {"一", "二", "三", "四"};
  if (typed.size() < 5 || !digits(typed.substr(0, 4))) return std::string(typed);
  const std::string year(typed.substr(0, 4));
  std::string_view rest = typed.substr(4);
  if (rest.starts_with("年")) rest.remove_prefix(std::string_view("年").size());
  if (rest.starts_with("-")) rest.remove_prefix(1);
  if ((rest.size() == 2 && (rest[0] == 'Q' || rest[0] == 'q') && rest[1] >= '1' && rest[1] <= '4'))
    return year + "-Q" + rest[1];
  if (rest.starts_with("第") && rest.ends_with("季度")) {
    std::string_view which = rest.substr(std::string_view("第").size());
    which.remove_suffix(std::string_view("季度").size());
    for (std::size_t q = 0; q < kQuarterWords.size(); ++q)
      if (which == kQuarterWords[q] || which == std::to_string(q + 1)) return year + "-Q" + std::to_string(q + 1);
  }
  if (rest.ends_with("月")) rest.remove_suffix(std::string_view("月").size());
  if (digits(rest) && rest.size() <= 2 && number_of(rest) >= 1 && number_of(rest) <= 12)
    return year + "-" + (rest.size() == 1 ? "0" : "") + std::string(rest);
  return std::string(typed);
}

std::string choice_list(std::span<const Choice> choices) {
  std::string out;
  for (const auto& c : choices)
    out += (out.empty() ? "" : ", ") + std::string(c.value) + " (" + std::string(c.label) + ")";
  return out;
}

}  // namespace

bool is_calendar_date(std::string_view text) noexcept {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text.substr(0, 4)) ||
      !digits(text.substr(5, 2)) || !digits(text.substr(8, 2)))
    return false;
  using namespace std::chrono;
  const year_month_day day{year(number_of(text.substr(0, 4))),
                           month(static_cast<unsigned>(number_of(text.substr(5, 2)))),
                           std::chrono::day(static_cast<unsigned>(number_of(text.substr(8, 2))))};
  return day.ok();
}

namespace {

std::string date_text(std::chrono::sys_days at) {
  const std::chrono::year_month_day day{at};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                static_cast<unsigned>(day.day()));
  return text;
}

std::chrono::sys_days day_of(std::string_view date) {
  using namespace std::chrono;
  return sys_days{year_month_day{year(number_of(date.substr(0, 4))),
                                 month(static_cast<unsigned>(number_of(date.substr(5, 2)))),
                                 day(static_cast<unsigned>(number_of(date.substr(8, 2))))}};
}

}  // namespace

std::string china_date(std::uint64_t unix_ms) {
  using namespace std::chrono;
  return date_text(floor<days>(sys_time<milliseconds>{milliseconds(unix_ms) + hours(8)}));
}

Status check_day_options(const std::optional<std::string>& from, const std::optional<std::string>& to) {
  for (const auto& [option, day] : {std::pair{"--from", &from}, {"--to", &to}})
    if (*day && !is_calendar_date(**day))
      return make_error(Errc::invalid_argument,
                        std::string(option) + " " + escape_for_terminal(**day) +
                            in_language(" is not a day: write it as 2026-12-31", " 不是日期，应写作 2026-12-31"));
  if (from && to && *from > *to)
    return make_error(Errc::invalid_argument, "--from " + *from + in_language(" is after --to ", " 晚于 --to ") + *to);
  return {};
}

std::uint64_t china_day_start_ms(std::string_view date) {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(day_of(date).time_since_epoch() - hours(8)).count());
}

std::string date_after(std::string_view date, int days) { return date_text(day_of(date) + std::chrono::days{days}); }

int days_from(std::string_view from, std::string_view to) {
  return static_cast<int>((day_of(to) - day_of(from)).count());
}

std::optional<std::string> format_problem(ValueFormat format, std::span<const Choice> choices, const Value& value) {
  if (is_null(value)) return std::nullopt;
  const auto* text = std::get_if<std::string>(&value);
  const auto* number = std::get_if<std::int64_t>(&value);
  const auto shown = [&] { return "'" + escape_for_terminal(to_display(value)) + "'"; };
  switch (format) {
    case ValueFormat::free:
    case ValueFormat::case_ref:
    case ValueFormat::password_hash: return std::nullopt;  // schema.cpp
    case ValueFormat::date:
      if (text && is_calendar_date(*text)) return std::nullopt;
      return shown() + in_language(" is not a date like 2026-12-31", "不是日期，应写作 2026-12-31");
    case ValueFormat::flag:
      if (number && (*number == 0 || *number == 1)) return std::nullopt;
      return shown() + in_language(" must be 1 (yes) or 0 (no)", "应为 是（1）或 否（0）");
    case ValueFormat::count:
      if (number && *number >= 0) return std::nullopt;
      return shown() + in_language(" must be a whole number, 0 or more", "应为 0 或更大的整数");
    case ValueFormat::currency:
      if (text && text->size() == 3 &&
          std::all_of(text->begin(), text->end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return std::nullopt;
      return shown() +
             in_language(" is not a currency code like CNY, EUR or USD", "不是币种代码，应写作 CNY、EUR、USD 等");
    case ValueFormat::period:
      if (text && is_period(*text)) return std::nullopt;
      return shown() + in_language(" is not a period like 2027-Q1 (a quarter) or 2027-03 (a month)",
                                   "不是期间，季度写作 2027-Q1，月份写作 2027-03");
    case ValueFormat::choice:
      for (const auto& c : choices)
        if (text && *text == c.value) return std::nullopt;
      return shown() + in_language(" is not one of ", "不在可选范围内，可选：") + choice_list(choices);
  }
  return std::nullopt;
}

Value normalize_typed(ValueFormat format, std::span<const Choice> choices, std::string_view typed) {
  switch (format) {
    case ValueFormat::flag:
      for (const std::string_view yes : {"1", "yes", "y", "true", "是"})
        if (typed == yes) return Value{std::int64_t{1}};
      for (const std::string_view no : {"0", "no", "n", "false", "否"})
        if (typed == no) return Value{std::int64_t{0}};
      break;
    case ValueFormat::currency: {
      std::string upper(typed);
      for (char& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      return Value{upper};
    }
    case ValueFormat::period: return Value{normalize_period(typed)};
    case ValueFormat::choice:
      for (const auto& c : choices)
        if (typed == c.label) return Value{std::string(c.value)};
      break;
    default: break;
  }
  return Value{std::string(typed)};
}

std::span<const DateRange> case_date_ranges() noexcept { return kCaseDateRanges; }

}  // namespace liaison
