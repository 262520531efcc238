// The deterministic case-record generator of /work/shared/WORKLOAD.md. The
// order of draws below is the specification: reordering any two of them
// changes every record after the first and breaks the published checksums.
#include "bench/workload.hpp"

#include <array>
#include <charconv>
#include <string_view>

namespace liaison::bench {
namespace {

constexpr std::array<std::string_view, 6> kCountyPool = {"kecheng", "qujiang",   "jiangshan",
                                                         "longyou", "changshan", "kaihua"};
constexpr std::array<std::string_view, 5> kKindPool = {"outbound_trip", "foreign_invitation", "delegation_visit",
                                                       "overseas_chinese", "donation"};
// 32 code points, 3 UTF-8 bytes each; kept as one literal and sliced, so the
// source shows exactly the pool the document lists.
constexpr std::string_view kCjkPool = "衢州柯城江山龙游常开化出访邀请代表团华侨捐赠外事审批申材料会议案";
static_assert(kCjkPool.size() == 32 * 3, "CJK pool must be 32 three-byte code points");
constexpr std::string_view kTitleTail = "abcdefghijklmnopqrstuvwxyz0123456789 ";
static_assert(kTitleTail.size() == 37);
constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz";
static_assert(kLetters.size() == 26);
constexpr std::string_view kNotesPool = "abcdefghijklmnopqrstuvwxyz      ,.";
static_assert(kNotesPool.size() == 34);

constexpr std::size_t kTitleCjk = 8;
constexpr std::size_t kTitleAscii = 31;
constexpr std::size_t kApplicantLength = 12;
constexpr std::size_t kNotesLength = 200;

void append_uuid_v4(std::string& out, Mulberry32& rng) {
  std::array<std::uint8_t, 16> b{};
  for (std::size_t word = 0; word < 4; ++word) {
    const std::uint32_t d = rng.next();
    b[word * 4 + 0] = static_cast<std::uint8_t>(d >> 24);
    b[word * 4 + 1] = static_cast<std::uint8_t>(d >> 16);
    b[word * 4 + 2] = static_cast<std::uint8_t>(d >> 8);
    b[word * 4 + 3] = static_cast<std::uint8_t>(d);
  }
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  constexpr std::string_view kHex = "0123456789abcdef";
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
}

void append_drawn(std::string& out, Mulberry32& rng, std::string_view pool, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) out.push_back(pool[rng.next() % pool.size()]);
}

class Fnv1a64 {
 public:
  void add(std::string_view bytes) noexcept {
    for (unsigned char c : bytes) {
      h_ ^= c;
      h_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t value() const noexcept { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::uint32_t Mulberry32::next() noexcept {
  // All arithmetic is mod 2^32, as in the reference's Math.imul / >>> 0.
  a_ += 0x6D2B79F5u;
  std::uint32_t t = a_;
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return t ^ (t >> 14);
}

CaseRecord WorkloadGenerator::next() {
  CaseRecord r;
  append_uuid_v4(r.id, rng_);
  r.county = kCountyPool[rng_.next() % kCountyPool.size()];
  r.kind = kKindPool[rng_.next() % kKindPool.size()];

  r.title.reserve(kTitleCjk * 3 + 1 + kTitleAscii);
  for (std::size_t i = 0; i < kTitleCjk; ++i) r.title.append(kCjkPool.substr((rng_.next() % 32) * 3, 3));
  r.title.push_back(' ');
  append_drawn(r.title, rng_, kTitleTail, kTitleAscii);

  r.status = "draft";  // no draw
  r.applicant.reserve(kApplicantLength);
  append_drawn(r.applicant, rng_, kLetters, kApplicantLength);
  r.notes.reserve(kNotesLength);
  append_drawn(r.notes, rng_, kNotesPool, kNotesLength);

  r.updated_at =
      kUpdatedAtBase + static_cast<std::int64_t>(index_) * 1000 + static_cast<std::int64_t>(rng_.next() % 1000);
  ++index_;
  return r;
}

std::vector<CaseRecord> generate_workload(std::size_t n, std::uint32_t seed) {
  WorkloadGenerator gen(seed);
  std::vector<CaseRecord> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(gen.next());
  return out;
}

std::uint64_t workload_checksum(std::span<const CaseRecord> records) {
  Fnv1a64 h;
  char digits[24];
  for (const auto& r : records) {
    for (const std::string* field : {&r.id, &r.county, &r.kind, &r.title, &r.status, &r.applicant, &r.notes}) {
      h.add(*field);
      h.add("\t");
    }
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, r.updated_at);
    (void)ec;  // 24 chars always hold an int64
    h.add(std::string_view(digits, static_cast<std::size_t>(end - digits)));
    h.add("\n");
  }
  return h.value();
}

std::string checksum_hex(std::uint64_t checksum) {
  std::string out(16, '0');
  constexpr std::string_view kHex = "0123456789abcdef";
  for (std::size_t i = 0; i < 16; ++i) out[15 - i] = kHex[(checksum >> (4 * i)) & 0xf];
  return out;
}

std::vector<std::size_t> apply_update_phase(std::vector<CaseRecord>& records) {
  std::vector<std::size_t> changed;
  changed.reserve(records.size() / 10 + 1);
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!is_updated_in_phase(i)) continue;
    records[i].status = kUpdatedStatus;
    changed.push_back(i);
  }
  return changed;
}

}  // namespace liaison::bench
