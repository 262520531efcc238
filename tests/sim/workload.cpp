// Random office work for the simulation; see workload.hpp.
#include "workload.hpp"

#include "shared/workflow_rules.hpp"
#include "sync/authority.hpp"
#include "sync/receipts.hpp"

#include <array>
#include <string>

namespace liaison::sim {
namespace {

using sync::Fields;
using sync::Replica;
using sync::Row;

constexpr std::array<std::string_view, 12> kTitleWords = {"衢州", "龙游", "开化", "出访", "邀请", "代表团",
                                                          "华侨", "捐赠", "外事", "审批", "会议", "友好城市"};

std::string random_title(std::mt19937_64& rng) {
  std::string title;
  const int words = 2 + static_cast<int>(rng() % 3);
  for (int i = 0; i < words; ++i) title += kTitleWords[rng() % kTitleWords.size()];
  return title + " " + std::to_string(rng() % 1000);
}

template <class T>
const T& pick(const std::vector<T>& items, std::mt19937_64& rng) {
  return items[rng() % items.size()];
}

std::string text(const Value& v) { return to_display(v); }

bool chance(std::mt19937_64& rng, int percent) { return static_cast<int>(rng() % 100) < percent; }

// Logs the cells `fields` wrote to `row` (their stamps are read back).
// `refused_field` names the one field the hub must refuse ("*": all).
void log_write(Replica& replica, TableId table, const Uuid& row, const Fields& fields, std::size_t node,
               std::string_view refused_field, std::vector<WriteRecord>& log) {
  const auto& def = Schema::get().table(table);
  for (const auto& [name, value] : fields) {
    auto cell = replica.cell_of(table, row, *def.column_index(name));
    if (cell && *cell) log.push_back({node, **cell, refused_field == "*" || refused_field == name});
  }
}

void write(Replica& replica, TableId table, const Uuid& row, const Fields& fields, std::size_t node,
           std::string_view refused_field, std::vector<WriteRecord>& log) {
  if (replica.update(table, row, fields)) log_write(replica, table, row, fields, node, refused_field, log);
}

// A value `column` accepts: a real date, a flag, a currency code, a choice...
Value sample_value(const ColumnDef& column, std::mt19937_64& rng) {
  switch (column.format) {
    case ValueFormat::date: return "2027-0" + std::to_string(1 + rng() % 9) + "-1" + std::to_string(rng() % 10);
    case ValueFormat::flag: return std::int64_t(rng() % 2);
    case ValueFormat::count: return std::int64_t(rng() % 40);
    case ValueFormat::currency: return std::string(rng() % 2 ? "EUR" : "USD");
    case ValueFormat::period: return "2027-Q" + std::to_string(1 + rng() % 4);
    case ValueFormat::choice: return std::string(column.choices[rng() % column.choices.size()].value);
    default: break;
  }
  if (column.type == ValueType::integer) return std::int64_t(rng() % 1000);
  if (column.type == ValueType::real) return double(rng() % 100000) / 4;
  return "detail " + std::to_string(rng() % 100);
}

void create_case(Replica& r, std::mt19937_64& rng, std::size_t node, std::vector<WriteRecord>& log) {
  const auto kinds = Schema::get().case_kinds();
  const CaseKind& kind = kinds[rng() % kinds.size()];
  const bool city = r.self().is_city();
  std::string county = city ? std::string(kCounties[rng() % kCounties.size()]) : std::string(r.self().scope());
  if (city && chance(rng, 15)) county = std::string(kCityScope);  // the city office's own case
  std::string_view refused;
  std::string status(kind.initial_status);
  if (chance(rng, 6)) {  // created straight into a later status
    status = std::string(kind.statuses[rng() % kind.statuses.size()].name);
    if (!sync::status_reachable(kind, status, sync::acting_side(city, county))) refused = "status";
  }
  if (!side_allows(kind.made_by, city)) refused = "*";  // a county opening a training course
  if (!city && chance(rng, 5)) {                        // a county filing a case for another county
    county = std::string(kCounties[rng() % kCounties.size()]);
    if (county != r.self().scope()) refused = "*";
  }
  Fields fields = {{"kind", std::string(kind.name)},
                   {"county", county},
                   {"title", random_title(rng)},
                   {"status", status},
                   {"applicant", "staff-" + std::to_string(rng() % 50)},
                   {"summary", "notes " + std::to_string(rng())},
                   {"created_by", r.self().str()}};
  if (chance(rng, 12)) {  // shared with one or two other counties, each seeing it
    std::string also;
    for (int n = 1 + static_cast<int>(rng() % 2); n > 0; --n) {
      const std::string other(kCounties[rng() % kCounties.size()]);
      if (other != county && also.find(other) == std::string::npos) also += (also.empty() ? "" : ",") + other;
    }
    if (!also.empty()) fields.emplace_back("also_counties", also);
  }
  if (!kind.fields.empty()) {
    const auto& def = Schema::get().table(TableId::cases);
    fields.emplace_back(std::string(kind.fields.front()),
                        sample_value(def.columns[*def.column_index(kind.fields.front())], rng));
  }
  auto id = r.insert(TableId::cases, fields);
  if (id) log_write(r, TableId::cases, *id, fields, node, refused, log);
}

void edit_case(Replica& r, std::mt19937_64& rng, const Row& c, std::size_t node, std::vector<WriteRecord>& log) {
  static const std::vector<std::string> kEditable = {"title", "summary", "applicant"};
  const std::string& field = pick(kEditable, rng);
  Fields fields = {{field, field == "title" ? Value(random_title(rng)) : Value("v" + std::to_string(rng() % 100000))}};
  // A county sharing another's case adds to its records, never its fields.
  const bool not_its_own = !r.self().is_city() && text(c["county"]) != r.self().scope();
  write(r, TableId::cases, c.id, fields, node, not_its_own ? "*" : "", log);
}

void change_status(Replica& r, std::mt19937_64& rng, const Row& c, std::size_t node, std::vector<WriteRecord>& log) {
  const CaseKind* kind = Schema::get().find_kind(text(c["kind"]));
  if (!kind) return;
  std::vector<const Transition*> options;
  for (const auto& t : kind->transitions)
    if (t.from == text(c["status"])) options.push_back(&t);
  if (options.empty()) return;
  // Transitions reserved for the other side are tried too. Whether the hub
  // refuses one depends on its own view of the status (moving to the status
  // it already has is no change), so only the accounting check applies.
  const Transition& t = *pick(options, rng);
  Fields fields = {{"status", std::string(t.to)}};
  // What the move needs is usually recorded with it (a trip's publicity,
  // its briefing, the day back); now and then it is missing, and the move
  // must be refused wherever it is judged.
  if (!chance(rng, 8)) {
    const auto& def = Schema::get().table(TableId::cases);
    for (const auto field : t.needs)
      fields.emplace_back(std::string(field), sample_value(def.columns[*def.column_index(field)], rng));
  }
  if (r.self().is_city() && (t.to == "approved" || t.to == "rejected" || t.to == "returned"))
    fields.emplace_back("decision_reason", "decided " + std::to_string(rng() % 100));
  write(r, TableId::cases, c.id, fields, node, "", log);
}

void add_note(Replica& r, std::mt19937_64& rng, const Row& c, std::size_t node, std::vector<WriteRecord>& log) {
  Fields fields = {{"case_id", c.id.to_string()},
                   {"author", r.self().str()},
                   {"body", "现场记录 " + std::to_string(rng() % 10000)},
                   {"written_at", std::int64_t(rng() % 100000)}};
  auto id = r.insert(TableId::case_notes, fields);
  if (id) log_write(r, TableId::case_notes, *id, fields, node, "", log);
}

// A record of the case added, edited or taken off: a person, an item of the
// programme or a gift, every field sampled by its format. One in twenty
// additions lacks the field every record needs (a person's name): the hub
// must refuse the row.
void record_action(Replica& r, std::mt19937_64& rng, const Row& c, std::size_t node, std::vector<WriteRecord>& log) {
  static constexpr std::array<std::pair<TableId, std::string_view>, 3> kRecords = {
      {{TableId::people, "name"}, {TableId::itinerary_items, "at"}, {TableId::gifts, "item"}}};
  const auto& [table, key] = kRecords[rng() % kRecords.size()];
  const auto& def = Schema::get().table(table);
  auto records = r.list(table, {{{"case_id", c.id.to_string()}}, false, 0});
  if (!records) return;
  if (records->empty() || chance(rng, 50)) {
    Fields fields = {{"case_id", c.id.to_string()}};
    for (std::size_t col = 2; col < def.columns.size(); ++col)
      if (def.columns[col].name != key && chance(rng, 40))
        fields.emplace_back(std::string(def.columns[col].name), sample_value(def.columns[col], rng));
    const bool keyless = chance(rng, 5);
    if (!keyless) fields.emplace_back(std::string(key), "记录" + std::to_string(rng() % 1000));
    auto id = r.insert(table, fields);
    if (id) log_write(r, table, *id, fields, node, keyless ? "*" : "", log);
    return;
  }
  const Row& record = pick(*records, rng);
  if (chance(rng, 20)) return write(r, table, record.id, {{"deleted", std::int64_t{1}}}, node, "", log);
  // Not its key: a record made without one must stay refused.
  const ColumnDef& column = def.columns[2 + rng() % (def.columns.size() - 2)];
  if (column.name == key) return;
  write(r, table, record.id, {{std::string(column.name), sample_value(column, rng)}}, node, "", log);
}

void issue_directive(Replica& r, std::mt19937_64& rng, std::size_t node, std::vector<WriteRecord>& log) {
  std::string targets = "all";
  if (chance(rng, 60)) {
    targets = std::string(kCounties[rng() % kCounties.size()]);
    const std::string second(kCounties[rng() % kCounties.size()]);
    if (second != targets && chance(rng, 50)) targets += "," + second;
  }
  Fields fields = {{"kind", chance(rng, 50) ? "notice" : "task"},
                   {"title", "通知 " + random_title(rng)},
                   {"body", "请各县市区外办落实"},
                   {"targets", targets},
                   {"issued_by", r.self().str()}};
  auto id = r.insert(TableId::directives, fields);
  if (id) log_write(r, TableId::directives, *id, fields, node, r.self().is_city() ? "" : "*", log);
}

// The city changes a workflow setting (now and then out of its range: the
// hub refuses the row); a county trying it is refused whole.
void change_setting(Replica& r, std::mt19937_64& rng, std::size_t node, std::vector<WriteRecord>& log) {
  const RuleDef& rule = rule_defs()[rng() % rule_defs().size()];
  const bool in_range = !chance(rng, 10);
  const int value = in_range ? rule.min_value + static_cast<int>(rng() % 10) : rule.max_value + 1;
  const Fields fields = {{"name", std::string(rule.name)},
                         {"value", std::to_string(value)},
                         {"targets", std::string(kAllCounties)},
                         {"set_by", r.self().str()},
                         {"set_at", std::int64_t(rng() % 100000)}};
  auto id = r.insert(TableId::settings, fields);
  if (id) log_write(r, TableId::settings, *id, fields, node, r.self().is_city() && in_range ? "" : "*", log);
}

void answer_directive(Replica& r, std::mt19937_64& rng, std::size_t node, std::vector<WriteRecord>& log) {
  auto directives = r.list(TableId::directives);
  if (!directives || directives->empty()) return;
  const Row& d = pick(*directives, rng);
  const std::string county(r.self().scope());
  const Uuid receipt = sync::directive_receipt_id(d.id, county);
  Fields fields = {{"directive_id", d.id.to_string()}, {"county", county}};
  switch (rng() % 3) {
    case 0: fields.emplace_back("received_at", std::int64_t(rng() % 100000)); break;
    case 1: fields.emplace_back("acknowledged_at", std::int64_t(rng() % 100000)); break;
    default:
      fields.emplace_back("reply", "已收到，正在办理 " + std::to_string(rng() % 100));
      fields.emplace_back("replied_by", r.self().str());
      break;
  }
  auto id = r.insert(TableId::directive_receipts, fields, receipt);
  if (id) log_write(r, TableId::directive_receipts, *id, fields, node, "", log);
  if (fields.back().first != "replied_by") return;
  // Every reply is also kept as one of its own.
  const Fields reply = {{"directive_id", d.id.to_string()},
                        {"county", county},
                        {"body", std::get<std::string>(fields[fields.size() - 2].second)},
                        {"replied_by", r.self().str()},
                        {"replied_at", std::int64_t(rng() % 100000)}};
  auto kept = r.insert(TableId::directive_replies, reply);
  if (kept) log_write(r, TableId::directive_replies, *kept, reply, node, "", log);
}

}  // namespace

void random_action(Replica& r, std::mt19937_64& rng, std::size_t node, std::vector<WriteRecord>& log) {
  auto cases = r.list(TableId::cases);
  if (!cases) return;
  const bool city = r.self().is_city();
  const int roll = static_cast<int>(rng() % 100);
  if (cases->empty() || roll < 22) return create_case(r, rng, node, log);
  const Row& c = pick(*cases, rng);
  if (roll < 50) return edit_case(r, rng, c, node, log);
  if (roll < 68) return change_status(r, rng, c, node, log);
  if (roll < 73) return add_note(r, rng, c, node, log);
  if (roll < 78) return record_action(r, rng, c, node, log);
  if (roll < 82) {
    if (text(c["status"]) == "draft" || city)
      write(r, TableId::cases, c.id, {{"deleted", std::int64_t{1}}}, node, "", log);
    return;
  }
  if (roll < 90) {
    if (!city) return answer_directive(r, rng, node, log);
    auto directives = r.list(TableId::directives);
    if (directives && !directives->empty() && chance(rng, 20))  // withdrawn, or its day moved
      return write(r, TableId::directives, pick(*directives, rng).id,
                   {chance(rng, 50) ? Fields::value_type{"withdrawn", std::int64_t{1}}
                                    : Fields::value_type{"due_on", std::string("2027-06-30")}},
                   node, "", log);
    return issue_directive(r, rng, node, log);
  }
  if (roll < 91 && !city) return issue_directive(r, rng, node, log);  // must be refused
  if (roll < 92) return change_setting(r, rng, node, log);            // refused from a county
  if (roll < 95) {
    auto conflicts = r.conflicts();
    if (conflicts && !conflicts->empty()) {
      const auto& c2 = pick(*conflicts, rng);
      if (r.restore_conflict(c2.id)) {
        auto cell = r.cell_of(c2.table, c2.row, c2.column);
        if (cell && *cell) log.push_back({node, **cell, false});
      }
    }
    return;
  }
  edit_case(r, rng, c, node, log);
}

}  // namespace liaison::sim
