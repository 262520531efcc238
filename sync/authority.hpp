// The hub's authority check: may `writer` make these cell changes to this
// row? A pure function of the writer, the row as the hub has it, the
// incoming cells and a read-only lookup of other rows (a note's case, a
// receipt's directive) — so the simulation exercises exactly what the hub
// runs, and clients can pre-check a write before queueing it. Rules:
//   - a cell must be stamped by its writer, and not too far in the future;
//   - a county node writes only rows of its own county (scope), and of a
//     case shared with it (also_counties) only the child records;
//   - directives are written only by city nodes; receipts only by counties;
//   - per-column writer side, immutable columns, append-only child rows;
//   - case status changes follow the kind's transitions for the writer's
//     side; county edits only while the case is in an editable status;
//   - values have their field's type and format (a real date, a count, a
//     currency code, a choice), a case's date spans end on or after their
//     start, and an official number is the hub's alone to write.
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shared/error.hpp"
#include "shared/node_id.hpp"
#include "sync/cell.hpp"

namespace liaison::sync {

// A row as the hub currently holds it. `values` and `stamps` are indexed by
// schema column; an empty stamp means the cell was never written. Both may
// be left empty when the row doesn't exist.
struct CurrentRow {
  bool exists = false;
  std::vector<Value> values;
  std::vector<Stamp> stamps;
  std::string scope;
};

using RowLookup = std::function<std::optional<CurrentRow>(TableId, const Uuid&)>;

// An account's `disabled` values over time: (stamp's hlc, disabled), in
// the order of their stamps.
using DisabledTimeline = std::vector<std::pair<std::uint64_t, bool>>;
// Whether the account was disabled at `hlc`: its latest value stamped at
// or before it (not disabled before its first).
bool disabled_at(const DisabledTimeline& timeline, std::uint64_t hlc) noexcept;

struct Verdict {
  Errc code = Errc::ok;  // ok: accepted
  std::string reason;
  bool accepted() const noexcept { return code == Errc::ok; }
};

struct AuthorityRequest {
  const NodeId& writer;
  TableId table;
  const Uuid& row;
  const CurrentRow& current;
  std::span<const Cell> cells;  // all for `row`
  const RowLookup& lookup;
  std::uint64_t hub_now_ms = 0;
  std::uint64_t max_clock_ahead_ms = 0;
  // Cases as they were before the push being judged began, for the rules
  // about the state the writer worked from (a case's people are locked once
  // it is submitted: a person added offline before the submit comes in the
  // same push, after it). Null: `lookup` serves.
  const RowLookup* before_push = nullptr;
  // From when the writer's county (or the city) has staff accounts: the
  // stamp (hlc) of its first account, 0 while it has none. A change made
  // after it must name the person signed in; one made before, on a device
  // that did not know of accounts yet, is the device's.
  std::uint64_t staff_since_hlc = 0;
  // At the hub, the accounts named in the push that were ever disabled or
  // enabled again, by row id, from its history: a change made while its
  // person's account was disabled stays refused once the account is
  // enabled again. Null, or an account not in it: its present state decides.
  const std::map<Uuid, DisabledTimeline>* disabled_timelines = nullptr;
};

// The side a writer acts for on a case of `case_county`: its own, and both
// for the city on its own case (a reception it hosts: it drafts and submits
// it to its own leadership).
Side acting_side(bool writer_is_city, std::string_view case_county);

// Whether `acting` (one side, or both: the city on its own case) can move a
// case of `kind` from its initial status to `status` through the kind's
// transitions (a new case may arrive in any such status: it was made and
// moved on offline).
bool status_reachable(const CaseKind& kind, std::string_view status, Side acting);

// Cells a device writes of itself, whoever is signed in (a directive marked
// received on arrival, read when opened): no person's act, so no role or
// account is checked for them.
bool device_written(TableId table, std::string_view column) noexcept;

// One verdict per incoming cell, in order.
std::vector<Verdict> check_authority(const AuthorityRequest& request);

// What the hub sends a writer for a cell it refused, so that the writer's
// copy converges on the hub's: nothing (the writer sends it again later, or
// the stamp was forged and names someone else), a tombstone for a row the
// writer must not hold (a new row refused whole, or one outside its scope:
// no values, so the refusal leaks nothing), or the hub's value re-asserted
// with a stamp newer than the refused one (not needed when the hub's own
// stamp is newer already: it wins on the writer's replica anyway).
enum class RefusalAnswer { none, tombstone, reassert };
RefusalAnswer answer_to_refusal(const Verdict& verdict, bool row_exists, bool any_cell_of_row_accepted,
                                bool hub_stamp_newer);

// The scope a row of `table` has, given its values (indexed by column):
// the county (",longyou,kaihua," for a case that involves other counties),
// a directive's target set, or the parent's scope via `lookup`.
Result<std::string> derive_scope(TableId table, const std::vector<Value>& values, const RowLookup& lookup);

}  // namespace liaison::sync
