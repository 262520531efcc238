// Hybrid logical clock.
#include "sync/hlc.hpp"

#include <chrono>

namespace liaison::sync {

WallClock system_wall_clock() {
  return [] {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
  };
}

std::uint64_t HybridClock::wall_ms() const {
  const auto wall = static_cast<std::int64_t>(wall_()) + offset_ms_;
  return wall < 0 ? 0 : static_cast<std::uint64_t>(wall);
}

std::uint64_t HybridClock::now() {
  const std::uint64_t wall = hlc_pack(wall_ms() & 0xffffffffffffULL, 0);
  // Counter overflow carries into the ms part: still strictly increasing.
  last_ = wall > last_ ? wall : last_ + 1;
  return last_;
}

void HybridClock::observe(std::uint64_t remote) {
  if (remote > last_) last_ = remote;
}

}  // namespace liaison::sync
