// Undoing what one node changed after a given time, from the hub's history:
// what the city does once a laptop is reported stolen and its certificate
// revoked. Each field the node changed goes back to the value it held before
// the node's last run of changes to it (or to an edit of someone else's that
// lost to the node's, which is what that person meant it to be), and each
// record the node created is deleted, as the hub's own writes, so every
// replica follows. A receipt of a directive is the county's, whoever made it
// first: it is not deleted, only the node's fields in it are cleared.
// A field or record someone else changed since (or added records under) is
// left alone and reported: their change may rest on the node's, and a person
// must judge it. `updated_at` is not restored: the revert is a new write.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "sync/replica.hpp"

namespace liaison::sync {

struct RevertStep {
  enum class Action { restore, remove_row, leave };
  Action action = Action::restore;
  TableId table = TableId::cases;
  Uuid row;
  std::optional<std::uint16_t> column;  // restore and leave of a field; none for a whole record
  Value current;                        // what the field holds now (restore)
  Value restored;                       // what it goes back to (restore)
  std::string restored_edit_by;         // restore: whose edit, lost to the node's, it goes back to
  std::string why_left;                 // leave: who changed it since, or what was added under it
};

struct RevertPlan {
  std::vector<RevertStep> steps;
  std::size_t changes = 0;             // the node's changes since the time, in all
  std::set<std::string> certificates;  // the serials it made them with
  std::size_t rows_written = 0;        // after revert(): records the hub wrote
};

// What reverting `node`'s changes since `since_ms` would do. Reads only.
Result<RevertPlan> plan_revert(Replica& hub, const NodeId& node, std::uint64_t since_ms);

// Plans and carries out the restore and remove_row steps in one
// transaction (so a change accepted meanwhile is either seen by the plan or
// waits), as the hub's own writes.
Result<RevertPlan> revert(Replica& hub, const NodeId& node, std::uint64_t since_ms);

}  // namespace liaison::sync
