// What simulated office staff do while offline: create and edit cases,
// change statuses (including changes the hub must refuse: the wrong side,
// the wrong county), add notes, delete drafts, issue and answer directives,
// restore conflict losers. Every cell written is logged with its stamp so
// the end-of-run check can account for it.
#pragma once

#include <cstddef>
#include <random>
#include <vector>

#include "sync/replica.hpp"

namespace liaison::sim {

struct WriteRecord {
  std::size_t node = 0;
  sync::Cell cell;               // as written: value, stamp, base
  bool must_be_refused = false;  // the hub must not accept it
  bool checked = true;           // accounted for at the end of the run
};

// One random action on `replica`; appends the cells it wrote to `log`.
void random_action(sync::Replica& replica, std::mt19937_64& rng, std::size_t node, std::vector<WriteRecord>& log);

}  // namespace liaison::sim
