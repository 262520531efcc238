// Review flags of a case and the workflow settings in force; see review.hpp.
#include "sync/review.hpp"

#include "shared/labels.hpp"

#include <algorithm>
#include <map>

#include "shared/cli.hpp"
#include "shared/field_format.hpp"

namespace liaison::sync {
namespace {

// Separators between the countries of a destination, Chinese and Latin
// (not a space, nor 和: "South Africa", 特立尼达和多巴哥).
constexpr std::string_view kCountrySeparators[] = {"、", "，", "；", ",", ";", "/"};

Result<std::size_t> count_people(Replica& replica, const Uuid& case_id) {
  auto people = replica.list(TableId::people, {{{"case_id", case_id.to_string()}}, false, 0});
  if (!people) return people.error();
  return people->size();
}

void trip_flags(const Row& c, std::size_t people, const WorkflowRules& rules, const std::string& today,
                std::vector<ReviewFlag>& out) {
  const auto limit = [&](Rule rule) { return rules[rule]; };
  if (static_cast<int>(people) > limit(Rule::trip_max_people))
    out.push_back({Rule::trip_max_people, "出访" + std::to_string(people) + "人，超过" +
                                              std::to_string(limit(Rule::trip_max_people)) + "人的限额（含翻译）"});
  const auto countries = destination_countries(to_display(c["destination"]));
  if (static_cast<int>(countries.size()) > limit(Rule::trip_max_countries))
    out.push_back({Rule::trip_max_countries, "出访" + std::to_string(countries.size()) + "个国家（地区），超过" +
                                                 std::to_string(limit(Rule::trip_max_countries)) + "个的限额"});
  const std::string depart = to_display(c["depart_on"]), back = to_display(c["return_on"]);
  if (!countries.empty() && is_calendar_date(depart) && is_calendar_date(back) && back >= depart) {
    const int days = days_from(depart, back) + 1;
    const Rule rule = countries.size() == 1   ? Rule::trip_days_one_country
                      : countries.size() == 2 ? Rule::trip_days_two_countries
                                              : Rule::trip_days_three_countries;
    if (days > limit(rule))
      out.push_back({rule, "在外" + std::to_string(days) + "天（含出入境当日），出访" +
                               std::to_string(countries.size()) + "国（地区）限" + std::to_string(limit(rule)) + "天"});
  }
  const std::string from = to_display(c["publicity_from"]), to = to_display(c["publicity_to"]);
  const int needed = limit(Rule::trip_publicity_working_days);
  if (!is_calendar_date(from) || !is_calendar_date(to)) {
    if (needed > 0)
      out.push_back(
          {Rule::trip_publicity_working_days,
           "未记录出访公示（publicity_from、publicity_to），公示不少于" + std::to_string(needed) + "个工作日后方可审批",
           false});
  } else if (const int days = working_days(from, to); days < needed) {
    out.push_back({Rule::trip_publicity_working_days, "公示" + std::to_string(days) + "个工作日（" + from + "至" + to +
                                                          "），不足" + std::to_string(needed) + "个工作日"});
  } else if (to >= today) {
    out.push_back({Rule::trip_publicity_working_days, "公示至" + to + "，尚未结束"});
  }
}

}  // namespace

Result<WorkflowRules> load_rules(Replica& replica) {
  auto settings = replica.list(TableId::settings);
  if (!settings) return settings.error();
  // Per setting, the row set last; two set in the same millisecond, the
  // greater id, so that every node takes the same.
  std::map<std::string, const Row*> latest;
  const auto later = [](const Row& a, const Row& b) {
    const auto* at = std::get_if<std::int64_t>(&a["set_at"]);
    const auto* bt = std::get_if<std::int64_t>(&b["set_at"]);
    const std::int64_t a_ms = at ? *at : 0, b_ms = bt ? *bt : 0;
    return a_ms != b_ms ? a_ms > b_ms : b.id < a.id;
  };
  for (const Row& s : *settings) {
    const Row*& current = latest[to_display(s["name"])];
    if (!current || later(s, *current)) current = &s;
  }
  WorkflowRules rules;
  for (const auto& [name, row] : latest) rules.apply(name, to_display((*row)["value"]));
  return rules;
}

std::vector<std::string> destination_countries(std::string_view destination) {
  std::string rest(destination);
  for (const auto separator : kCountrySeparators)
    for (auto at = rest.find(separator); at != std::string::npos; at = rest.find(separator, at + 1))
      rest.replace(at, separator.size(), "\n");
  std::vector<std::string> countries;
  std::size_t start = 0;
  while (start <= rest.size()) {
    const auto end = std::min(rest.find('\n', start), rest.size());
    std::string country = rest.substr(start, end - start);
    country.erase(0, country.find_first_not_of(' '));
    country.erase(country.find_last_not_of(' ') + 1);
    if (!country.empty() && std::find(countries.begin(), countries.end(), country) == countries.end())
      countries.push_back(std::move(country));  // a country named twice is one
    start = end + 1;
  }
  return countries;
}

int working_days(std::string_view from, std::string_view to) {
  int count = 0;
  const int first = days_from("1970-01-01", from), last = days_from("1970-01-01", to);
  for (int day = first; day <= last; ++day)
    if ((day + 3) % 7 < 5) ++count;  // 1970-01-01 was a Thursday (3, counting Monday as 0)
  return count;
}

Result<std::vector<ReviewFlag>> review_case(Replica& replica, const Row& c, const WorkflowRules& rules,
                                            const std::string& today) {
  std::vector<ReviewFlag> flags;
  const std::string kind = to_display(c["kind"]);
  if (kind == "outbound_trip") {
    auto people = count_people(replica, c.id);
    if (!people) return people.error();
    trip_flags(c, *people, rules, today, flags);
  } else if (kind == "foreign_invitation") {
    auto people = count_people(replica, c.id);
    if (!people) return people.error();
    if (static_cast<int>(*people) > rules[Rule::invitation_max_people])
      flags.push_back({Rule::invitation_max_people, "邀请" + std::to_string(*people) + "人，每份邀请函至多" +
                                                        std::to_string(rules[Rule::invitation_max_people]) + "人"});
  }
  return flags;
}

std::string review_flags_json(const std::vector<ReviewFlag>& flags) {
  std::vector<std::string> items;
  for (const auto& flag : flags)
    items.push_back(cli::json_object(
        {{"rule", cli::json_quote(rule_def(flag.rule).name)}, {"message", cli::json_quote(flag.message)}}));
  return cli::json_array(items);
}

std::vector<ReviewFlag> standing_flags(std::vector<ReviewFlag> flags, bool despite_flags) {
  if (despite_flags) std::erase_if(flags, [](const ReviewFlag& flag) { return flag.may_be_weighed; });
  return flags;
}

Error flagged_decision(const std::vector<ReviewFlag>& flags, std::string_view decision) {
  std::string listed;
  bool may_be_weighed = true;
  for (const auto& flag : flags) {
    listed += "\n  - " + flag.message;
    may_be_weighed &= flag.may_be_weighed;
  }
  if (!may_be_weighed)
    return make_error(Errc::invalid_argument,
                      in_language("this case is flagged for review:", "此案件有审核提示：") + listed +
                          in_language("\nnothing was written: the county records what is missing first",
                                      "\n未写入任何内容：须先由县级外办补录所缺内容"));
  return make_error(Errc::invalid_argument,
                    in_language("this case is flagged for review:", "此案件有审核提示：") + listed +
                        (english() ? "\nnothing was written: to " + std::string(decision) +
                                         " it all the same, weigh the flags and add --despite-flags"
                                   : std::string("\n未写入任何内容：权衡后如仍要") +
                                         (decision == "forward" ? "报省审批" : "批准") + "，请加 --despite-flags"));
}

cli::Report settings_report(const WorkflowRules& rules) {
  std::vector<std::string> items;
  cli::Table table{{"setting", "setting value", "default", "what", "basis"}, {}};
  for (const auto& def : rule_defs()) {
    const int value = rules[def.rule];
    items.push_back(cli::json_object({{"name", cli::json_quote(def.name)},
                                      {"value", std::to_string(value)},
                                      {"default", std::to_string(def.default_value)},
                                      {"unit", cli::json_quote(def.unit)},
                                      {"label", cli::json_quote(def.label)},
                                      {"basis", cli::json_quote(def.basis)}}));
    table.rows.push_back({std::string(def.name), std::to_string(value) + std::string(def.unit),
                          std::to_string(def.default_value), std::string(def.label), std::string(def.basis)});
  }
  return cli::Report{cli::json_array(items), {}}.table(table);
}

}  // namespace liaison::sync
