// Typed case fields from the command line; see case_fields.hpp.
#include "client/case_fields.hpp"

#include "shared/labels.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace liaison::client {
namespace {

// Kept by the program, never typed by people.
constexpr std::string_view kAutomatic[] = {"deleted", "kind", "county", "created_by", "updated_at", "ref", "number"};

bool automatic(std::string_view field) {
  return std::find(std::begin(kAutomatic), std::end(kAutomatic), field) != std::end(kAutomatic);
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto name : names) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

const char* type_words(ValueType type) {
  switch (type) {
    case ValueType::integer: return "a whole number";
    case ValueType::real: return "a number";
    default: return "text";
  }
}

// The kinds whose own fields include `field`, for "belongs to ..." messages.
std::vector<std::string_view> kinds_with(std::string_view field) {
  std::vector<std::string_view> out;
  for (const auto& kind : Schema::get().case_kinds())
    if (kind.has_field(field)) out.push_back(kind.name);
  return out;
}

}  // namespace

Result<Value> typed_value(const ColumnDef& column, std::string_view text) {
  if (text.empty()) return Value{};  // clears the field
  if (column.format != ValueFormat::free) {
    // The forms people type (2027年第一季度, 是, eur, 重大) in the form stored.
    Value normal = normalize_typed(column.format, column.choices, text);
    if (!std::holds_alternative<std::string>(normal) || column.type == ValueType::text) {
      if (auto problem = format_problem(column.format, column.choices, normal))
        return make_error(Errc::invalid_argument, field_in_message(column.name) + (english() ? " " : "") + *problem);
      return normal;
    }
  }
  const auto bad = [&](std::string_view example) {
    return make_error(Errc::invalid_argument, "'" + std::string(column.name) + "' needs " + type_words(column.type) +
                                                  ", not '" + std::string(text) + "' — e.g. " +
                                                  std::string(column.name) + "=" + std::string(example));
  };
  switch (column.type) {
    case ValueType::integer: {
      std::int64_t n = 0;
      const char* end = text.data() + text.size();
      const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
      const auto [stop, ec] = std::from_chars(begin, end, n);
      if (ec != std::errc() || stop != end) return bad("12");
      return Value{n};
    }
    case ValueType::real: {
      const std::string copy(text);
      char* stop = nullptr;
      const double d = std::strtod(copy.c_str(), &stop);
      if (stop != copy.c_str() + copy.size() || !std::isfinite(d) ||
          std::isspace(static_cast<unsigned char>(copy.front())))
        return bad("2500.50");
      return Value{d};
    }
    case ValueType::text: return Value{std::string(text)};
  }
  return bad("...");
}

std::vector<std::string_view> settable_fields(const CaseKind& kind, bool city) {
  const auto& def = Schema::get().table(TableId::cases);
  std::vector<std::string_view> out;
  const auto add = [&](std::string_view name) {
    const auto column = def.column_index(name);
    if (column && !automatic(name) && side_allows(def.columns[*column].writers, city)) out.push_back(name);
  };
  for (const auto name : Schema::get().common_case_fields()) add(name);
  for (const auto name : kind.fields) add(name);
  return out;
}

Result<std::pair<std::string, std::string>> split_assignment(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return make_error(Errc::invalid_argument, "'" + std::string(text) + "' is not FIELD=VALUE");
  return std::pair<std::string, std::string>{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Result<std::pair<std::string, Value>> parse_case_field(const CaseKind& kind, bool city, std::string_view field,
                                                       std::string_view text, bool allow_status) {
  const auto valid = settable_fields(kind, city);
  const std::string listing = "valid fields for a " + std::string(kind.name) + " case: " + join(valid);
  const std::string name(field);
  if (automatic(field))
    return make_error(Errc::invalid_argument, "'" + name + "' is kept by liaison-client and can't be set — " + listing);
  if (field == "also_counties" && allow_status)
    return make_error(
        Errc::invalid_argument,
        in_language("'also_counties' is fixed when a case is made — open it with 'case new --also C,C'",
                    "「共同参与的县（市、区）」（also_counties）在建案时确定 — 用 case new --also 县,县 新建案件"));
  if (field == "status" && !allow_status)
    return make_error(Errc::invalid_argument, "a new " + std::string(kind.name) + " case starts as " +
                                                  std::string(kind.initial_status) +
                                                  "; change its status afterwards with 'case submit' or 'case set'");
  const auto& def = Schema::get().table(TableId::cases);
  const auto column = def.column_index(field);
  if (!column) return make_error(Errc::unknown_field, "no case field '" + name + "' — " + listing);
  const auto& common = Schema::get().common_case_fields();
  const bool is_common = std::find(common.begin(), common.end(), field) != common.end();
  if (!is_common && !kind.has_field(field))
    return make_error(Errc::unknown_field, "'" + name + "' is a field of " + join(kinds_with(field)) +
                                               " cases, not of " + std::string(kind.name) + " — " + listing);
  const ColumnDef& def_column = def.columns[*column];
  if (!side_allows(def_column.writers, city))
    return make_error(Errc::not_permitted, "only " + std::string(city ? "a county office" : "the city office") +
                                               " may set '" + name + "' — " + listing);
  auto value = typed_value(def_column, text);
  if (!value) return value.error();
  if (field == "status") {
    const auto* status = std::get_if<std::string>(&*value);
    if (!status || !kind.status(*status)) {
      std::vector<std::string_view> names;
      for (const auto& s : kind.statuses) names.push_back(s.name);
      return make_error(Errc::invalid_argument, "'" + to_display(*value) + "' is not a status of " +
                                                    std::string(kind.name) + " cases — statuses: " + join(names));
    }
  }
  return std::pair<std::string, Value>{name, std::move(*value)};
}

std::vector<std::pair<std::string, std::string>> expand_assignment(std::string field, std::string text) {
  const auto space = text.rfind(' ');
  if (field != "amount" || space == std::string::npos) return {{std::move(field), std::move(text)}};
  std::string amount = text.substr(0, text.find_last_not_of(' ', space) + 1);
  return {{"amount", std::move(amount)}, {"currency", text.substr(space + 1)}};
}

Status money_problem(const CaseKind& kind, const std::vector<std::pair<std::string, Value>>& fields,
                     const std::function<Value(std::string_view)>& before) {
  if (!kind.has_field("currency")) return {};
  const auto after = [&](std::string_view name) {
    for (const auto& [field, value] : fields)
      if (field == name) return value;
    return before(name);
  };
  const Value amount = after("amount");
  if (is_null(amount) || !is_null(after("currency"))) return {};
  std::string shown = to_display(amount);
  if (shown.ends_with(".0")) shown.resize(shown.size() - 2);  // 50000, as it was typed
  return make_error(Errc::invalid_argument,
                    "'amount' " + shown + " needs its currency — write amount=\"" + shown +
                        " EUR\" (an ISO code: CNY, EUR, USD, JPY...), or set currency= as well");
}

std::string moves_from(const CaseKind& kind, std::string_view from, Side acting) {
  std::string out;
  for (const auto& t : kind.transitions)
    if (t.from == from && side_meets(t.by, acting)) out += (out.empty() ? "" : ", ") + std::string(t.to);
  return out.empty() ? "none" : out;
}

std::string kind_names() {
  std::vector<std::string_view> names;
  for (const auto& kind : Schema::get().case_kinds()) names.push_back(kind.name);
  return join(names);
}

}  // namespace liaison::client
