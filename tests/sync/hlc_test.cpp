// Tests for the hybrid logical clock, driven by a fake wall clock: stamps
// always increase (also when the wall clock jumps back), peers' stamps are
// folded in, the counter counts within a ms, and offset/restore/rewind do
// what the replica and the session rely on.
#include "sync/hlc.hpp"

#include <doctest/doctest.h>

#include <random>

namespace liaison::sync {
namespace {

constexpr std::uint64_t kT0 = 1'760'000'000'000;  // a plausible Unix ms

struct FakeWall {
  std::uint64_t ms = kT0;
  WallClock clock() {
    return [this] { return ms; };
  }
};

}  // namespace

TEST_CASE("pack/unpack split 48-bit ms and 16-bit counter") {
  const std::uint64_t s = hlc_pack(kT0, 7);
  CHECK(hlc_ms(s) == kT0);
  CHECK(hlc_counter(s) == 7);
  CHECK(hlc_pack(kT0, 0xffff) + 1 == hlc_pack(kT0 + 1, 0));  // counter carries into ms
  CHECK(hlc_pack(kT0, 0xffff) < hlc_pack(kT0 + 1, 0));
}

TEST_CASE("the first stamp is the wall time with counter 0") {
  FakeWall wall;
  HybridClock clock(wall.clock());
  CHECK(clock.last() == 0);
  CHECK(clock.now() == hlc_pack(kT0, 0));
  CHECK(clock.last() == hlc_pack(kT0, 0));
}

TEST_CASE("the counter increments within the same ms and resets on a new ms") {
  FakeWall wall;
  HybridClock clock(wall.clock());
  CHECK(clock.now() == hlc_pack(kT0, 0));
  CHECK(clock.now() == hlc_pack(kT0, 1));
  CHECK(clock.now() == hlc_pack(kT0, 2));
  wall.ms += 1;
  CHECK(clock.now() == hlc_pack(kT0 + 1, 0));
}

TEST_CASE("stamps strictly increase whatever the wall clock does") {
  for (std::uint64_t seed : {1u, 2u, 3u, 77u}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    FakeWall wall;
    HybridClock clock(wall.clock());
    std::uint64_t previous = 0;
    for (int i = 0; i < 5000; ++i) {
      switch (rng() % 4) {
        case 0: wall.ms += rng() % 1000; break;
        case 1: wall.ms -= rng() % 5000; break;  // NTP step backwards
        default: break;                          // same ms
      }
      const std::uint64_t s = clock.now();
      REQUIRE(s > previous);
      previous = s;
    }
  }
}

TEST_CASE("a wall clock jump backwards keeps the ms and counts on") {
  FakeWall wall;
  HybridClock clock(wall.clock());
  wall.ms = kT0 + 1000;
  const std::uint64_t before = clock.now();
  wall.ms = kT0;  // one second back
  const std::uint64_t after = clock.now();
  CHECK(after > before);
  CHECK(hlc_ms(after) == kT0 + 1000);
  CHECK(hlc_counter(after) == 1);
  wall.ms = kT0 + 2000;  // wall time overtakes again: back to real time
  CHECK(clock.now() == hlc_pack(kT0 + 2000, 0));
}

TEST_CASE("observing a remote stamp ahead makes the next local stamp exceed it") {
  FakeWall wall;
  HybridClock clock(wall.clock());
  (void)clock.now();
  const std::uint64_t remote = hlc_pack(kT0 + 5000, 3);  // a peer 5 s ahead
  clock.observe(remote);
  const std::uint64_t next = clock.now();
  CHECK(next > remote);
  CHECK(next == remote + 1);
}

TEST_CASE("observing an older remote stamp changes nothing") {
  FakeWall wall;
  HybridClock clock(wall.clock());
  const std::uint64_t mine = clock.now();
  clock.observe(hlc_pack(kT0 - 10'000, 9));
  CHECK(clock.last() == mine);
  CHECK(clock.now() == mine + 1);
}

TEST_CASE("the offset shifts wall_ms and the stamps made from it") {
  FakeWall wall;
  HybridClock clock(wall.clock());
  CHECK(clock.wall_ms() == kT0);
  clock.set_offset_ms(-600'000);  // this device ran 10 minutes fast
  CHECK(clock.offset_ms() == -600'000);
  CHECK(clock.wall_ms() == kT0 - 600'000);
  CHECK(clock.now() == hlc_pack(kT0 - 600'000, 0));
  clock.set_offset_ms(2'500);
  CHECK(clock.wall_ms() == kT0 + 2'500);
}

TEST_CASE("a negative offset larger than the wall time clamps wall_ms at 0") {
  FakeWall wall;
  wall.ms = 1000;
  HybridClock clock(wall.clock());
  clock.set_offset_ms(-5000);
  CHECK(clock.wall_ms() == 0);
}

TEST_CASE("restore continues after the persisted stamp and never lowers the clock") {
  FakeWall wall;
  HybridClock clock(wall.clock());
  const std::uint64_t persisted = hlc_pack(kT0 + 60'000, 4);  // stamped before a restart, wall now behind
  clock.restore(persisted);
  CHECK(clock.last() == persisted);
  CHECK(clock.now() > persisted);
  const std::uint64_t last = clock.last();
  clock.restore(hlc_pack(kT0 - 1, 0));  // an older value changes nothing
  CHECK(clock.last() == last);
}

TEST_CASE("rewind_to pulls the clock back so new stamps follow the corrected wall time") {
  FakeWall wall;
  HybridClock clock(wall.clock());
  clock.observe(hlc_pack(kT0 + 600'000, 0));  // stamps made while 10 minutes fast
  clock.rewind_to(hlc_pack(kT0 + 60'000, 0));
  CHECK(clock.last() == hlc_pack(kT0 + 60'000, 0));
  CHECK(clock.now() == hlc_pack(kT0 + 60'000, 1));
}

TEST_CASE("the system wall clock is Unix ms") {
  const std::uint64_t ms = system_wall_clock()();
  CHECK(ms > 1'700'000'000'000ULL);  // after 2023
  CHECK(ms < 4'102'444'800'000ULL);  // before 2100
}

}  // namespace liaison::sync
