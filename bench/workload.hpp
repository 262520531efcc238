// The benchmark case workload of /work/shared/WORKLOAD.md: a seeded,
// deterministic stream of case records, so that every benchmark (ours and any
// other system's run beside it) works on exactly the same bytes. The draw
// order, pools and checksum are fixed by that document; workload_checksum()
// is how an implementation proves it matches (seed 42, N=1000 -> 958a0abb...).
// Value types; a WorkloadGenerator is not thread-safe (one stream, one owner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace liaison::bench {

inline constexpr std::uint32_t kDefaultSeed = 42;
// 2025-01-01T00:00:00Z in Unix ms: the base of every record's updated_at.
inline constexpr std::int64_t kUpdatedAtBase = 1735689600000;

// One case; the 8 fields a benchmark counts as cells. `notes` maps onto the
// schema's `cases.summary`.
struct CaseRecord {
  std::string id;  // UUIDv4 form, lowercase 8-4-4-4-12
  std::string county;
  std::string kind;
  std::string title;  // 40 code points, 56 UTF-8 bytes
  std::string status;
  std::string applicant;
  std::string notes;
  std::int64_t updated_at = 0;  // Unix ms

  friend bool operator==(const CaseRecord&, const CaseRecord&) = default;
};

inline constexpr std::size_t kFieldsPerRecord = 8;

// mulberry32, bit-exact with the reference (JavaScript) implementation.
class Mulberry32 {
 public:
  explicit Mulberry32(std::uint32_t seed) noexcept : a_(seed) {}
  std::uint32_t next() noexcept;

 private:
  std::uint32_t a_;
};

// Records i = 0, 1, 2, ... from one PRNG stream. Records depend on every
// earlier draw, so record i can only be had by generating 0..i-1 first.
class WorkloadGenerator {
 public:
  explicit WorkloadGenerator(std::uint32_t seed = kDefaultSeed) noexcept : rng_(seed) {}
  CaseRecord next();
  std::uint64_t index() const noexcept { return index_; }  // of the next record

 private:
  Mulberry32 rng_;
  std::uint64_t index_ = 0;
};

std::vector<CaseRecord> generate_workload(std::size_t n, std::uint32_t seed = kDefaultSeed);

// FNV-1a 64 over "id\tcounty\tkind\ttitle\tstatus\tapplicant\tnotes\tupdated_at\n"
// of each record in order.
std::uint64_t workload_checksum(std::span<const CaseRecord> records);
// Lowercase 16-digit hex, as the checksums are written in WORKLOAD.md.
std::string checksum_hex(std::uint64_t checksum);

// The update phase: records with i % 10 == 0 get status "submitted", one
// field changed. Returns the indices it changed, in order.
inline constexpr std::string_view kUpdatedStatus = "submitted";
std::vector<std::size_t> apply_update_phase(std::vector<CaseRecord>& records);
inline bool is_updated_in_phase(std::size_t i) noexcept { return i % 10 == 0; }

}  // namespace liaison::bench
