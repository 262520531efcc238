// Finding the row a person means from what they typed: a full id, the start
// of one (8 hex digits or more), and for cases their short reference
// ("K7Q-3M9", in any case, dash optional) or official number
// ("龙外审〔2026〕15号"). Both programs' commands use it, so a case is named
// the same way everywhere. Not thread-safe, like the replica.
#pragma once

#include <string_view>

#include "shared/error.hpp"
#include "shared/schema.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

// True when `text` could name a row of `table` (before opening anything):
// an id or id prefix, or for cases a ref or a number.
bool plausible_reference(TableId table, std::string_view text);

// The one row `text` names; `what` names the thing for messages ("case").
// not_found when none matches, invalid_argument (listing the candidates)
// when several do. Deleted rows count only with `include_deleted`.
Result<Row> find_row(Replica& replica, TableId table, std::string_view text, std::string_view what,
                     bool include_deleted = false);

}  // namespace liaison::sync
