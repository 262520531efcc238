// Tests for row ids: UUIDv7 layout (version, variant, ms prefix), ordering by
// creation time, text round trip and parsing errors, and the name-derived ids
// that let every device of a county write "the same" receipt row.
#include "shared/ids.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace liaison {
namespace {

int version_of(const Uuid& id) { return id.bytes[6] >> 4; }
int variant_bits(const Uuid& id) { return id.bytes[8] >> 6; }  // 0b10 = RFC 4122/9562

std::uint64_t ms_prefix(const Uuid& id) {
  std::uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | id.bytes[i];
  return ms;
}

}  // namespace

TEST_CASE("a UUIDv7 carries version 7, the RFC variant and its creation ms") {
  for (std::uint64_t seed : {1u, 2u, 42u, 9999u}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    for (std::uint64_t ms : {0ULL, 1ULL, 1'760'000'000'123ULL, 0xffffffffffffULL}) {
      CAPTURE(ms);
      const Uuid id = new_uuid_v7(ms, rng);
      CHECK(version_of(id) == 7);
      CHECK(variant_bits(id) == 0b10);
      CHECK(ms_prefix(id) == ms);
      CHECK(id.to_string()[14] == '7');
      CHECK_FALSE(id.is_nil());
    }
  }
}

TEST_CASE("ids made at increasing ms sort in creation order, as bytes and as text") {
  std::mt19937_64 rng(7);
  std::vector<Uuid> ids;
  std::vector<std::string> texts;
  for (std::uint64_t ms = 1'760'000'000'000; ms < 1'760'000'000'000 + 500; ms += 1 + rng() % 3) {
    ids.push_back(new_uuid_v7(ms, rng));
    texts.push_back(ids.back().to_string());
  }
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());  // strictly increasing
  CHECK(std::is_sorted(texts.begin(), texts.end()));
}

TEST_CASE("ids made in the same ms still differ") {
  std::mt19937_64 rng(3);
  std::set<Uuid> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(new_uuid_v7(1'760'000'000'000, rng));
  CHECK(seen.size() == 1000);
}

TEST_CASE("to_string is lowercase 8-4-4-4-12 and parse gives the same id back") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200; ++i) {
    const Uuid id = new_uuid_v7(1'760'000'000'000 + i, rng);
    const std::string text = id.to_string();
    CAPTURE(text);
    REQUIRE(text.size() == 36);
    for (std::size_t p : {8u, 13u, 18u, 23u}) CHECK(text[p] == '-');
    CHECK(std::none_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'F'; }));
    const auto back = Uuid::parse(text);
    REQUIRE(back.has_value());
    CHECK(*back == id);
    CHECK(Uuid::from_bytes(id.bytes.data()) == id);
  }
}

TEST_CASE("parse accepts uppercase hex and the nil id") {
  const auto upper = Uuid::parse("0190F3A2-7B1C-7D2E-8F00-ABCDEF012345");
  REQUIRE(upper.has_value());
  CHECK(upper->to_string() == "0190f3a2-7b1c-7d2e-8f00-abcdef012345");
  const auto nil = Uuid::parse("00000000-0000-0000-0000-000000000000");
  REQUIRE(nil.has_value());
  CHECK(nil->is_nil());
  CHECK(Uuid{}.is_nil());
}

TEST_CASE("parse rejects anything but the 36-character form") {
  const char* const bad[] = {
      "",
      "0190f3a2-7b1c-7d2e-8f00-abcdef01234",    // 35 chars
      "0190f3a2-7b1c-7d2e-8f00-abcdef0123456",  // 37 chars
      "0190f3a27b1c7d2e8f00abcdef012345",       // no dashes
      "0190f3a2-7b1c-7d2e-8f00-abcdef01234g",   // non-hex
      "0190f3a2_7b1c_7d2e_8f00_abcdef012345",   // wrong separators
      "0190f3a-27b1c-7d2e-8f00-abcdef012345",   // dash one place early
      "{190f3a2-7b1c-7d2e-8f00-abcdef01234}",   // braces
      " 190f3a2-7b1c-7d2e-8f00-abcdef012345",   // leading space
      "0190f3a2-7b1c-7d2e-8f00-abcdef01234\n",  // trailing newline
      "0190f3a2--7b1-7d2e-8f00-abcdef012345",   // dash in a hex place
  };
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_FALSE(Uuid::parse(text).has_value());
  }
}

TEST_CASE("derived ids are the same on every device and distinct per name and parent") {
  std::mt19937_64 rng(5);
  const Uuid directive = new_uuid_v7(1'760'000'000'000, rng);
  const Uuid other = new_uuid_v7(1'760'000'000'001, rng);

  const Uuid a = derived_uuid(directive, "longyou");
  CHECK(a == derived_uuid(directive, "longyou"));  // deterministic
  CHECK(a == derived_uuid(*Uuid::parse(directive.to_string()), std::string("long") + "you"));
  CHECK(a != derived_uuid(directive, "kaihua"));
  CHECK(a != derived_uuid(other, "longyou"));
  CHECK(a != directive);
  CHECK(version_of(a) == 8);
  CHECK(variant_bits(a) == 0b10);

  // Many names under one parent, and one name under many parents: no collisions.
  std::unordered_set<Uuid, UuidHash> seen;
  const char* const names[] = {"kecheng", "qujiang", "jiangshan", "longyou", "changshan", "kaihua", "", "a", "b", "ab"};
  for (int p = 0; p < 100; ++p) {
    const Uuid parent = new_uuid_v7(1'760'000'000'000 + p, rng);
    for (const char* name : names) seen.insert(derived_uuid(parent, name));
  }
  CHECK(seen.size() == 100 * std::size(names));
}

TEST_CASE("UuidHash spreads ids and agrees with equality") {
  std::mt19937_64 rng(17);
  const Uuid id = new_uuid_v7(1, rng);
  CHECK(UuidHash{}(id) == UuidHash{}(Uuid::from_bytes(id.bytes.data())));
  std::unordered_set<std::size_t> hashes;
  for (int i = 0; i < 1000; ++i) hashes.insert(UuidHash{}(new_uuid_v7(1'760'000'000'000, rng)));
  CHECK(hashes.size() > 990);
}

}  // namespace liaison
