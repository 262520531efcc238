// Hybrid logical clock: 48-bit Unix milliseconds + 16-bit counter packed in a
// uint64, so stamps compare as integers. Total order of writes is
// (hlc, node id). `now()` never goes backwards, even when the wall clock
// does; `observe()` folds in stamps from peers. An offset corrects a skewed
// wall clock against the hub's time. Not thread-safe: one owner.
#pragma once

#include <cstdint>
#include <functional>

namespace liaison::sync {

using WallClock = std::function<std::uint64_t()>;  // Unix ms
WallClock system_wall_clock();

constexpr std::uint64_t hlc_pack(std::uint64_t ms, std::uint16_t counter) { return ms << 16 | counter; }
constexpr std::uint64_t hlc_ms(std::uint64_t hlc) { return hlc >> 16; }
constexpr std::uint16_t hlc_counter(std::uint64_t hlc) { return static_cast<std::uint16_t>(hlc & 0xffff); }
static_assert(hlc_ms(hlc_pack(0xffffffffffffULL, 7)) == 0xffffffffffffULL);

class HybridClock {
 public:
  explicit HybridClock(WallClock wall) : wall_(std::move(wall)) {}

  // A stamp for a local event, strictly greater than every stamp this clock
  // has issued or observed.
  std::uint64_t now();
  // Fold in a stamp received from a peer (accepted, not refused ones).
  void observe(std::uint64_t remote);
  // Corrected wall time in ms (wall + offset).
  std::uint64_t wall_ms() const;

  std::int64_t offset_ms() const noexcept { return offset_ms_; }
  void set_offset_ms(std::int64_t offset) noexcept { offset_ms_ = offset; }
  std::uint64_t last() const noexcept { return last_; }
  // Continue after a restart from the highest stamp this node persisted.
  void restore(std::uint64_t last) noexcept {
    if (last > last_) last_ = last;
  }
  // Pull the clock back after its own wall clock ran ahead of the hub's.
  // REQUIRES: no stamp above `value` was accepted by any peer.
  void rewind_to(std::uint64_t value) noexcept { last_ = value; }

 private:
  WallClock wall_;
  std::int64_t offset_ms_ = 0;
  std::uint64_t last_ = 0;
};

}  // namespace liaison::sync
