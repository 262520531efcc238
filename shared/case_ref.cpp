// Short case references and official case numbers; see case_ref.hpp.
#include "shared/case_ref.hpp"

#include <array>
#include <utility>

#include "shared/text.hpp"

namespace liaison {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kCountyShortNames = {{
    {"kecheng", "柯"},
    {"qujiang", "衢江"},
    {"jiangshan", "江"},
    {"longyou", "龙"},
    {"changshan", "常"},
    {"kaihua", "开"},
    {"city", "衢"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kKindShortNames = {{
    {"outbound_trip", "审"},
    {"foreign_invitation", "邀"},
    {"passport", "护"},
    {"delegation_visit", "接"},
    {"friendship_exchange", "友"},
    {"overseas_chinese", "侨"},
    {"foreign_incident", "急"},
    {"donation", "捐"},
    {"investment_liaison", "经"},
    {"training", "训"},
    {"situation_report", "报"},
}};

constexpr std::array<std::string_view, 4> kPlaceholders = {"{county}", "{kind}", "{year}", "{n}"};

template <std::size_t N>
std::string_view lookup(const std::array<std::pair<std::string_view, std::string_view>, N>& table,
                        std::string_view key) noexcept {
  for (const auto& [code, name] : table)
    if (code == key) return name;
  return key;
}

bool in_alphabet(char c) noexcept { return kCaseRefAlphabet.find(c) != std::string_view::npos; }

}  // namespace

std::string new_case_ref(std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> pick(0, kCaseRefAlphabet.size() - 1);
  std::string ref;
  for (std::size_t i = 0; i < kCaseRefSymbols; ++i) {
    if (i == kCaseRefSymbols / 2) ref += '-';
    ref += kCaseRefAlphabet[pick(rng)];
  }
  return ref;
}

std::optional<std::string> normalize_case_ref(std::string_view typed) {
  std::string symbols;
  for (const char c : typed) {
    if (c == '-' || c == ' ') continue;
    const char upper = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (!in_alphabet(upper)) return std::nullopt;
    symbols += upper;
  }
  if (symbols.size() != kCaseRefSymbols) return std::nullopt;
  symbols.insert(kCaseRefSymbols / 2, 1, '-');
  return symbols;
}

bool is_case_ref(std::string_view stored) noexcept {
  if (stored.size() != kCaseRefSymbols + 1) return false;
  for (std::size_t i = 0; i < stored.size(); ++i)
    if (i == kCaseRefSymbols / 2 ? stored[i] != '-' : !in_alphabet(stored[i])) return false;
  return true;
}

CaseNumberPattern::CaseNumberPattern() : text_(kDefaultCaseNumberPattern) {}

Result<CaseNumberPattern> CaseNumberPattern::parse(std::string_view pattern) {
  const std::string shown = "case_number_pattern '" + escape_for_terminal(pattern) + "'";
  if (auto problem = text_problem(pattern, TextRule{false, 100}))
    return make_error(Errc::invalid_argument, shown + " " + *problem);
  for (const auto placeholder : kPlaceholders)
    if (pattern.find(placeholder) == std::string_view::npos)
      return make_error(Errc::invalid_argument,
                        shown + " lacks " + std::string(placeholder) +
                            ": two cases could get one number — use all of {county}, {kind}, {year} and {n}, as in " +
                            std::string(kDefaultCaseNumberPattern));
  for (std::size_t at = pattern.find('{'); at != std::string_view::npos; at = pattern.find('{', at + 1)) {
    bool known = false;
    for (const auto placeholder : kPlaceholders) known |= pattern.substr(at, placeholder.size()) == placeholder;
    if (!known)
      return make_error(Errc::invalid_argument, shown + " has an unknown placeholder at '" +
                                                    escape_for_terminal(pattern.substr(at, 10)) +
                                                    "' — the placeholders are {county}, {kind}, {year} and {n}");
  }
  return CaseNumberPattern(std::string(pattern));
}

std::string CaseNumberPattern::format(std::string_view county, std::string_view kind, int year, std::int64_t n) const {
  std::string out;
  for (std::size_t i = 0; i < text_.size();) {
    const std::string_view rest = std::string_view(text_).substr(i);
    if (rest.starts_with("{county}")) {
      out += county_short_name(county);
      i += 8;
    } else if (rest.starts_with("{kind}")) {
      out += kind_short_name(kind);
      i += 6;
    } else if (rest.starts_with("{year}")) {
      out += std::to_string(year);
      i += 6;
    } else if (rest.starts_with("{n}")) {
      out += std::to_string(n);
      i += 3;
    } else {
      out += text_[i++];
    }
  }
  return out;
}

std::string_view county_short_name(std::string_view county) noexcept { return lookup(kCountyShortNames, county); }
std::string_view kind_short_name(std::string_view kind) noexcept { return lookup(kKindShortNames, kind); }

}  // namespace liaison
