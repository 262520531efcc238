// The workflow settings, their defaults and the rules they come from.
#include "shared/workflow_rules.hpp"

#include <charconv>

namespace liaison {
namespace {

constexpr std::array<RuleDef, kRuleCount> kRules = {{
    {Rule::trip_max_people, "trip_max_people", 6, 1, 100, "人", "出访团组人数（含翻译）", "中办发〔2013〕16号"},
    {Rule::trip_max_countries, "trip_max_countries", 3, 1, 20, "个", "出访国家（地区）数", "中办发〔2013〕16号"},
    {Rule::trip_days_one_country, "trip_days_one_country", 5, 1, 90, "天", "出访一国（地区）的在外天数",
     "中办发〔2013〕16号"},
    {Rule::trip_days_two_countries, "trip_days_two_countries", 8, 1, 90, "天", "出访两国（地区）的在外天数",
     "中办发〔2013〕16号"},
    {Rule::trip_days_three_countries, "trip_days_three_countries", 10, 1, 90, "天", "出访三国（地区）及以上的在外天数",
     "中办发〔2013〕16号"},
    {Rule::trip_publicity_working_days, "trip_publicity_working_days", 5, 0, 30, "个工作日", "出访前公示期",
     "浙委办发〔2013〕66号"},
    {Rule::passport_return_days, "passport_return_days", 7, 1, 90, "天", "回国后护照交回期限", "因公护照管理规定"},
    {Rule::trip_report_days, "trip_report_days", 30, 1, 180, "天", "回国后出访报告期限", "中办发〔2013〕16号"},
    {Rule::invitation_max_people, "invitation_max_people", 5, 1, 100, "人", "每份邀请函所含人数",
     "外国人来华邀请审核规定"},
    {Rule::invitation_close_days, "invitation_close_days", 30, 1, 180, "天", "来访结束后邀请结案期限",
     "外国人来华邀请审核规定"},
}};

std::optional<int> parse_whole(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::span<const RuleDef> rule_defs() noexcept { return kRules; }

const RuleDef& rule_def(Rule rule) noexcept { return kRules[static_cast<std::size_t>(rule)]; }

const RuleDef* find_rule(std::string_view name) noexcept {
  for (const auto& def : kRules)
    if (def.name == name) return &def;
  return nullptr;
}

std::optional<std::string> setting_problem(std::string_view name, std::string_view value) {
  const RuleDef* def = find_rule(name);
  if (!def) {
    std::string known;
    for (const auto& d : kRules) known += (known.empty() ? "" : ", ") + std::string(d.name);
    return "there is no setting '" + std::string(name) + "'; the settings are " + known;
  }
  const auto parsed = parse_whole(value);
  const std::string range = std::to_string(def->min_value) + " to " + std::to_string(def->max_value);
  if (!parsed)
    return "setting '" + std::string(name) + "' needs a whole number from " + range + ", not '" + std::string(value) +
           "'";
  if (*parsed < def->min_value || *parsed > def->max_value)
    return "setting '" + std::string(name) + "' must be from " + range + " (" + std::string(def->unit) + "), not " +
           std::string(value);
  return std::nullopt;
}

WorkflowRules::WorkflowRules() noexcept {
  for (std::size_t i = 0; i < kRuleCount; ++i) values_[i] = kRules[i].default_value;
}

bool WorkflowRules::is_default(Rule rule) const noexcept { return (*this)[rule] == rule_def(rule).default_value; }

void WorkflowRules::apply(std::string_view name, std::string_view value) noexcept {
  const RuleDef* def = find_rule(name);
  if (!def || setting_problem(name, value)) return;
  values_[static_cast<std::size_t>(def->rule)] = *parse_whole(value);
}

}  // namespace liaison
