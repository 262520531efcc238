// Directive receipts: each county keeps one receipt per directive addressed
// to it. The receipt's id is derived from the directive's id and the
// county's name, so every device of the county writes the same row (the
// hub refuses a receipt under any other id), and the first sync that
// brings a directive to a county device marks it received there.
#pragma once

#include <cstddef>
#include <string_view>

#include "shared/error.hpp"
#include "shared/ids.hpp"
#include "shared/node_id.hpp"

namespace liaison::sync {

class Replica;

// The id of `county`'s receipt for `directive`.
Uuid directive_receipt_id(const Uuid& directive, std::string_view county);

// Writes received_at (now) on `node`'s county receipt of every directive in
// its replica that has none yet; one transaction. City nodes keep no
// receipts. Returns how many it marked.
Result<std::size_t> mark_directives_received(Replica& replica, const NodeId& node);

}  // namespace liaison::sync
