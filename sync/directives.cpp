// Issuing directives and finding who has not answered; see directives.hpp.
#include "sync/directives.hpp"

#include "shared/cli.hpp"
#include "shared/field_format.hpp"
#include "sync/authority.hpp"
#include "sync/receipts.hpp"

namespace liaison::sync {

Result<Fields> directive_fields(const DirectiveRequest& r, const NodeId& issuer, std::int64_t now_ms) {
  if (r.kind != "notice" && r.kind != "task" && r.kind != "decision")
    return make_error(Errc::invalid_argument, "--kind must be notice, task or decision");
  if (r.due) {
    if (Status day = cli::check_date(*r.due); !day) return make_error(day.error().code, "--due " + day.error().message);
    const std::string today = china_date(static_cast<std::uint64_t>(now_ms));
    if (*r.due < today)
      return make_error(Errc::invalid_argument,
                        "--due " + *r.due + " is already past (today is " + today + ") — give a day from today on");
  }
  if (r.kind == "task" && !r.due) return make_error(Errc::invalid_argument, "a task needs --due YYYY-MM-DD");
  if (r.kind == "decision" && !r.case_id)
    return make_error(Errc::invalid_argument, "a decision is about a case — add --case REF (its ref, number or id)");
  Fields fields = {
      {"kind", r.kind}, {"title", r.title}, {"targets", r.to}, {"issued_by", issuer.str()}, {"issued_at", now_ms}};
  if (r.body) fields.emplace_back("body", *r.body);
  if (r.due) fields.emplace_back("due_on", *r.due);
  if (r.case_id) fields.emplace_back("case_id", r.case_id->to_string());
  if (r.reminds) fields.emplace_back("reminds", r.reminds->to_string());
  const auto& def = Schema::get().table(TableId::directives);
  std::vector<Value> values(def.columns.size());
  values[*def.column_index("targets")] = r.to;
  if (auto scope = derive_scope(TableId::directives, values, {}); !scope)
    return make_error(Errc::invalid_argument,
                      "--to: " + scope.error().message + " (use all, or counties separated by commas)");
  return fields;
}

Result<std::vector<std::string>> counties_not_answered(Replica& replica, const Row& directive) {
  // An answer to one of its reminders answers it too.
  auto reminders = replica.list(TableId::directives, {{{"reminds", directive.id.to_string()}}, false, 0});
  if (!reminders) return reminders.error();
  std::vector<Uuid> answerable = {directive.id};
  for (const Row& reminder : *reminders) answerable.push_back(reminder.id);
  std::vector<std::string> out;
  for (const auto county : kCounties) {
    if (!scope_visible(directive.scope, county)) continue;
    bool answered = false;
    for (const Uuid& id : answerable) {
      auto receipt = replica.get(TableId::directive_receipts, directive_receipt_id(id, county));
      if (!receipt) return receipt.error();
      answered |= *receipt && (!is_null((**receipt)["acknowledged_at"]) || !is_null((**receipt)["reply"]));
    }
    if (!answered) out.emplace_back(county);
  }
  return out;
}

const std::vector<cli::OptionSpec>& directive_issue_options() {
  static const std::vector<cli::OptionSpec> options = {
      {"to", "all|COUNTY[,COUNTY]", "the counties it is addressed to"},
      {"kind", "notice|task|decision", "a notice to read, a task to carry out and answer, or a decision on a case"},
      {"title", "T", "its title"},
      {"body", "B", "its text"},
      {"due", "YYYY-MM-DD", "when a task is due (today or later, in China's calendar)"},
      {"case", "REF", "the case a decision is about (its ref, official number or id)"}};
  return options;
}

bool withdrawn(const Row& directive) {
  const auto* flag = std::get_if<std::int64_t>(&directive["withdrawn"]);
  return flag && *flag != 0;
}

}  // namespace liaison::sync
