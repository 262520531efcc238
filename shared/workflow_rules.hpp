// The limits and deadlines of the office's workflows (../DOMAIN.md): each a
// setting the city may change, with the published rule as its default. The
// city's values travel to every node in the `settings` table, so that a
// county's laptop, a city desk and the hub judge a trip alike. Pure data and
// parsing; safe for concurrent use.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace liaison {

enum class Rule : std::uint8_t {
  trip_max_people,        // members of a group, the interpreter included
  trip_max_countries,     // countries or regions on one trip
  trip_days_one_country,  // days abroad, departure and arrival included
  trip_days_two_countries,
  trip_days_three_countries,
  trip_publicity_working_days,  // publicity before approval
  passport_return_days,         // a passport back in custody after the return
  trip_report_days,             // the trip report after the return
  invitation_max_people,        // invitees one invitation letter covers
  invitation_close_days,        // an invitation closed after the visitor leaves
};
inline constexpr std::size_t kRuleCount = 10;

struct RuleDef {
  Rule rule;
  std::string_view name;  // the setting's name: trip_max_people
  int default_value;
  int min_value, max_value;
  std::string_view unit;   // 人, 个, 天, 个工作日
  std::string_view label;  // what it limits, in Chinese
  std::string_view basis;  // where the default comes from
};

std::span<const RuleDef> rule_defs() noexcept;
const RuleDef& rule_def(Rule rule) noexcept;
const RuleDef* find_rule(std::string_view name) noexcept;

// What is wrong with `value` for the setting `name` (unknown setting, not a
// whole number, out of its range), with what to write instead.
std::optional<std::string> setting_problem(std::string_view name, std::string_view value);

// The values in force: the defaults, with the city's settings over them.
class WorkflowRules {
 public:
  WorkflowRules() noexcept;
  int operator[](Rule rule) const noexcept { return values_[static_cast<std::size_t>(rule)]; }
  bool is_default(Rule rule) const noexcept;
  // Takes a stored setting; one that doesn't parse (a newer release's, or
  // out of range) leaves the default.
  void apply(std::string_view name, std::string_view value) noexcept;

 private:
  std::array<int, kRuleCount> values_;
};

}  // namespace liaison
