// The benchmark workload generator against the published figures of
// /work/shared/WORKLOAD.md: if these checksums drift, our benchmarks no
// longer run on the same bytes as the other systems measured beside them.
#include "bench/workload.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <string_view>

namespace liaison::bench {
namespace {

std::size_t utf8_code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

bool is_uuid_v4_form(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !(std::isdigit(static_cast<unsigned char>(s[i])) || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  }
  const char variant = s[19];
  return s[14] == '4' && (variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
}

}  // namespace

TEST_CASE("workload checksums match WORKLOAD.md for seed 42") {
  // One 100000-record stream covers every published prefix.
  const auto records = generate_workload(100000, 42);
  const std::span<const CaseRecord> all(records);
  CHECK(checksum_hex(workload_checksum(all.first(1000))) == "958a0abb6d51480b");
  CHECK(checksum_hex(workload_checksum(all.first(2000))) == "6627f48ae91f9b3d");
  CHECK(checksum_hex(workload_checksum(all.first(10000))) == "fecc7d454a7b1959");
  CHECK(checksum_hex(workload_checksum(all)) == "7129e7057a37265e");
}

TEST_CASE("generate_workload is a prefix of the same stream for any N") {
  const auto small = generate_workload(50);
  WorkloadGenerator gen;
  for (const auto& expected : small) CHECK(gen.next() == expected);
  CHECK(gen.index() == 50);
}

TEST_CASE("a record's fields have the documented shapes") {
  const auto records = generate_workload(2000);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    CAPTURE(i);
    CHECK(is_uuid_v4_form(r.id));
    ids.insert(r.id);
    CHECK(utf8_code_points(r.title) == 40);
    CHECK(r.title.size() == 56);
    CHECK(r.title[24] == ' ');
    CHECK(r.status == "draft");
    CHECK(r.applicant.size() == 12);
    CHECK(r.notes.size() == 200);
    CHECK(r.updated_at >= kUpdatedAtBase + static_cast<std::int64_t>(i) * 1000);
    CHECK(r.updated_at < kUpdatedAtBase + static_cast<std::int64_t>(i + 1) * 1000);
  }
  CHECK(ids.size() == records.size());
}

TEST_CASE("update phase submits every tenth record and nothing else") {
  auto records = generate_workload(1000);
  const auto before = records;
  const auto changed = apply_update_phase(records);
  CHECK(changed.size() == 100);
  for (std::size_t i = 0; i < records.size(); ++i) {
    CAPTURE(i);
    auto expected = before[i];
    if (i % 10 == 0) expected.status = "submitted";
    CHECK(records[i] == expected);
  }
}

}  // namespace liaison::bench
