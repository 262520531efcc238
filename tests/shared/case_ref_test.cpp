// Tests for case references and the official number pattern: what people
// type back is found whatever its case and dashes, confusable letters are
// never drawn, and a pattern that could give two cases one number is refused
// with what to write.
#include "shared/case_ref.hpp"

#include <doctest/doctest.h>

#include <set>

namespace liaison {

TEST_CASE("a new ref is six symbols in two groups, without letters people confuse, and rarely repeats") {
  std::mt19937_64 rng(42);
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    const std::string ref = new_case_ref(rng);
    REQUIRE(is_case_ref(ref));
    CHECK(ref.find_first_of("01ILOU") == std::string::npos);
    seen.insert(ref);
  }
  CHECK(seen.size() >= 9'990);  // 10,000 draws from 729 million
}

TEST_CASE("a ref is found however it is typed; what is not a ref is not") {
  CHECK(normalize_case_ref("K7Q-3M9") == std::optional<std::string>("K7Q-3M9"));
  CHECK(normalize_case_ref("k7q3m9") == std::optional<std::string>("K7Q-3M9"));
  CHECK(normalize_case_ref(" K7Q 3M9") == std::optional<std::string>("K7Q-3M9"));
  CHECK_FALSE(normalize_case_ref("K7Q-3M"));    // too short
  CHECK_FALSE(normalize_case_ref("K7Q-3M9X"));  // too long
  CHECK_FALSE(normalize_case_ref("K0Q-3M9"));   // 0 is never drawn
  CHECK_FALSE(normalize_case_ref("01a238e1"));  // an id prefix
  CHECK_FALSE(normalize_case_ref("龙外审"));
  CHECK_FALSE(is_case_ref("K7Q3M9"));  // the stored form has its dash
}

TEST_CASE("official numbers follow the pattern; a pattern missing a placeholder or with an unknown one is refused") {
  const CaseNumberPattern standard;
  CHECK(standard.format("longyou", "outbound_trip", 2026, 15) == "龙外审〔2026〕15号");
  CHECK(standard.format("city", "delegation_visit", 2027, 1) == "衢外接〔2027〕1号");
  const auto missing = CaseNumberPattern::parse("{county}外{kind}〔{year}〕号");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("lacks {n}") != std::string::npos);
  CHECK(missing.error().message.find("two cases could get one number") != std::string::npos);
  const auto unknown = CaseNumberPattern::parse("{county}{kind}{year}{n}{month}");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("unknown placeholder at '{month}'") != std::string::npos);
  CHECK_FALSE(CaseNumberPattern::parse("{county}{kind}\n{year}{n}").ok());
  CHECK(CaseNumberPattern::parse("{year}-{county}-{kind}-{n}").value().format("kaihua", "donation", 2026, 3) ==
        "2026-开-捐-3");
}

}  // namespace liaison
