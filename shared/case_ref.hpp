// How people name a case: the short reference its creator gives it (offline,
// at creation: "K7Q-3M9", read out over the phone and typed back), and the
// official number the hub gives it when it enters the city's register
// ("龙外审〔2026〕15号", printed on letters). The full UUID stays the sync
// key; these are for people. Pure functions; safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "shared/error.hpp"

namespace liaison {

// Six characters from an alphabet without the ones people confuse (0/O,
// 1/I/L, U/V), written in two groups of three: 30^6 = 729 million refs. The
// hub checks every new case's ref against the register and gives a
// colliding one a fresh ref (see docs/PROTOCOL.md).
inline constexpr std::string_view kCaseRefAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
inline constexpr std::size_t kCaseRefSymbols = 6;

std::string new_case_ref(std::mt19937_64& rng);

// The stored form ("K7Q-3M9") of what someone typed: case and spaces or a
// missing dash don't matter ("k7q3m9", "K7Q 3M9"); nullopt when it is not a
// ref at all.
std::optional<std::string> normalize_case_ref(std::string_view typed);
bool is_case_ref(std::string_view stored) noexcept;

// The pattern of official numbers, a hub setting. Placeholders: {county}
// (the county's short name, 龙), {kind} (the kind's short name, 审), {year}
// and {n} (the number within kind, county and year, from 1). All four must
// appear, or two cases could get one number.
inline constexpr std::string_view kDefaultCaseNumberPattern = "{county}外{kind}〔{year}〕{n}号";

class CaseNumberPattern {
 public:
  // Refuses a pattern without each placeholder, with an unknown one, or
  // that is not one line of UTF-8; the message says what to write.
  static Result<CaseNumberPattern> parse(std::string_view pattern);
  CaseNumberPattern();  // the default pattern

  std::string format(std::string_view county, std::string_view kind, int year, std::int64_t n) const;
  const std::string& text() const noexcept { return text_; }

 private:
  explicit CaseNumberPattern(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Short names used in official numbers: the county's (龙 for longyou, 衢 for
// the city) and the kind's (审 for outbound_trip). Codes not listed come back
// unchanged.
std::string_view county_short_name(std::string_view county) noexcept;
std::string_view kind_short_name(std::string_view kind) noexcept;

}  // namespace liaison
