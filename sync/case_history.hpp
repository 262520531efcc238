// The history of a case, as people read it: every change to the case and
// its records (notes, people, programme, gifts) — when, who, from which
// device, which field, the value before and after. At the hub, the changes
// it accepted (its hash-chained history); on a device, what the device
// knows: each row's making and each value as its cells' stamps and people
// say, the values it saw replaced (Replica's SeenChanges), and what the hub
// refused of its own writes. Also the table of changes `liaison-hub
// changes` prints.
#pragma once

#include <string>
#include <vector>

#include "shared/command.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

// A list of changes: its table (with the hub's certificate column or
// without), and one row and one JSON object per change.
cli::Table change_table(bool certificates = true);
void add_change(Replica& replica, const Change& change, cli::Table& table, std::vector<std::string>& items,
                bool certificates = true);

// The case's history on this replica (the hub's, or the device's).
Result<cli::Report> case_history_report(Replica& replica, const Uuid& case_id);

}  // namespace liaison::sync
