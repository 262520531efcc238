// Undoing what one node changed after a given time, from the hub's history:
// what the city does once a laptop is reported stolen and its certificate
// revoked. Each cell the node changed goes back to the value it held before
// the node's last run of changes to it, and each row the node created is
// deleted (tombstone), as the hub's own writes, so every replica follows.
// A cell or row someone else changed since is left alone and reported: their
// change may rest on the node's, and a person must judge it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/replica.hpp"

namespace liaison::sync {

struct RevertStep {
  enum class Action { restore, remove_row, leave };
  Action action = Action::restore;
  TableId table = TableId::cases;
  Uuid row;
  std::uint16_t column = 0;  // restore and leave of a cell; 0 for a row
  Value current;             // what the cell holds now (restore)
  Value restored;            // what it held before the node's changes (restore)
  std::size_t undone = 0;    // the node's changes this step undoes
  std::string changed_by;    // leave: who changed it since
  std::uint64_t changed_at_ms = 0;
};

struct RevertPlan {
  std::vector<RevertStep> steps;
  std::size_t changes = 0;  // the node's changes since the time, in all
};

// What reverting `node`'s changes since `since_ms` would do. Reads only.
Result<RevertPlan> plan_revert(Replica& hub, const NodeId& node, std::uint64_t since_ms);

// Carries out the restore and remove_row steps in one transaction, as the
// hub's own writes. Returns how many rows it wrote.
Result<std::size_t> apply_revert(Replica& hub, const RevertPlan& plan);

}  // namespace liaison::sync
