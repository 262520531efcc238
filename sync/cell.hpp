// The unit of change: one field of one row, with the stamp that orders it.
// A cell also names its base, the stamp of the value its writer overwrote,
// so a receiver can tell a causal successor (no conflict) from a concurrent
// write (the loser goes to the conflict log), and the person who wrote it.
// Value types.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "shared/ids.hpp"
#include "shared/schema.hpp"
#include "shared/value.hpp"

namespace liaison::sync {

// Total order of writes: hybrid logical clock, then node id.
struct Stamp {
  std::uint64_t hlc = 0;
  std::string node;  // empty for "no stamp"

  bool empty() const noexcept { return hlc == 0 && node.empty(); }
  friend bool operator==(const Stamp&, const Stamp&) = default;
  friend std::strong_ordering operator<=>(const Stamp& a, const Stamp& b) {
    if (auto c = a.hlc <=> b.hlc; c != 0) return c;
    return a.node.compare(b.node) <=> 0;
  }
};

struct Cell {
  TableId table = TableId::cases;
  Uuid row;
  std::uint16_t column = 0;  // index into the table's columns in the schema
  Value value;
  Stamp stamp;
  Stamp base;  // what the writer overwrote; empty when it wrote a fresh cell
  // Who, at the writing device, made the change: a staff ref
  // ("longyou/王伟", shared/staff.hpp); empty for the device itself (a
  // receipt marked on arrival), the hub, or a county without accounts.
  std::string staff;

  friend bool operator==(const Cell&, const Cell&) = default;
};

// Position in a replica's change feed. Rows are read in order of their
// latest change (`pos`); a row's cells are sent when changed after `low`,
// the cursor at which the current pass began. See replica.hpp.
struct FeedCursor {
  std::uint64_t low = 0;
  std::uint64_t pos = 0;

  friend bool operator==(const FeedCursor&, const FeedCursor&) = default;
};

}  // namespace liaison::sync
