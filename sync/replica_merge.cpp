// Merging remote cells into a replica: last writer wins per cell on
// (hlc, node); the loser of a concurrent write goes to the conflict log; on
// the hub, the authority check runs first and refused cells are answered
// with corrections. The merge cases are listed in docs/PROTOCOL.md.
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "sync/replica_impl.hpp"

#include "shared/labels.hpp"
#include "shared/staff.hpp"

namespace liaison::sync {
namespace {

// All cells of one row as one run, rows in the order they first appear (a
// case before the notes that follow it). Batches read from a feed are
// row-grouped already, which is checked without copying; a batch that splits
// a row must still have the row judged once, on all its cells: judged piece
// by piece, a new row's first piece was refused, and its sender told to
// delete the row, while a later piece created it on the hub.
template <class Fn>
Status for_each_row_run(std::span<const Cell> cells, Fn&& fn) {
  using RowKey = std::pair<TableId, Uuid>;
  auto key = [](const Cell& cell) { return RowKey(cell.table, cell.row); };
  std::set<RowKey> started;
  bool grouped = true;
  for (std::size_t i = 0; i < cells.size() && grouped; ++i)
    if (i == 0 || key(cells[i]) != key(cells[i - 1])) grouped = started.insert(key(cells[i])).second;
  std::vector<Cell> regrouped;
  if (!grouped) {
    std::map<RowKey, std::size_t> first_seen;
    for (const Cell& cell : cells) first_seen.emplace(key(cell), first_seen.size());
    regrouped.assign(cells.begin(), cells.end());
    std::stable_sort(regrouped.begin(), regrouped.end(),
                     [&](const Cell& a, const Cell& b) { return first_seen.at(key(a)) < first_seen.at(key(b)); });
    cells = regrouped;
  }
  std::size_t begin = 0;
  while (begin < cells.size()) {
    std::size_t end = begin + 1;
    while (end < cells.size() && cells[end].table == cells[begin].table && cells[end].row == cells[begin].row) ++end;
    LIAISON_TRY(fn(cells.subspan(begin, end - begin)));
    begin = end;
  }
  return {};
}

// What a cell of a new row holds before anyone sets it: a case's status
// starts as its kind's initial status; everything else is empty.
Value initial_value(TableId table, const StoredRow& row, std::uint16_t column) {
  const auto& def = Schema::get().table(table);
  if (table != TableId::cases || def.columns[column].name != "status") return std::monostate{};
  const auto* kind_name = std::get_if<std::string>(&row.values[*def.column_index("kind")]);
  const CaseKind* kind = kind_name ? Schema::get().find_kind(*kind_name) : nullptr;
  return kind ? Value(std::string(kind->initial_status)) : Value(std::monostate{});
}

}  // namespace

Result<bool> Replica::Impl::merge_cell(TableId table, const Uuid& id, StoredRow& row, const Cell& cell,
                                       std::uint64_t new_seq, MergeStats& stats) {
  CellMeta& m = row.meta[cell.column];
  const auto adopt = [&]() -> Result<bool> {
    // A client keeps what it saw change in a row it held (a row arriving
    // whole, as in a bootstrap, is told by its cells: nothing is written).
    if (!options.hub && row.exists && row.values[cell.column] != cell.value)
      LIAISON_TRY(seen_changes.record(table, id, cell.column, row.values[cell.column],
                                      m.present() ? stamp_of(m) : Stamp{}, cell, clock.wall_ms()));
    auto node = node_ref(cell.stamp.node);
    if (!node) return node.error();
    auto base = node_ref(cell.base.node);
    if (!base) return base.error();
    auto staff = node_ref(cell.staff);
    if (!staff) return staff.error();
    m = CellMeta{cell.stamp.hlc, *node, new_seq, cell.base.hlc, *base, *staff};
    row.values[cell.column] = cell.value;
    ++stats.applied;
    return true;
  };
  if (!m.present()) return adopt();
  const Stamp existing = stamp_of(m);
  if (cell.stamp == existing) {
    ++stats.duplicates;
    return false;
  }
  const Value& current = row.values[cell.column];
  // A write is concurrent with the one it replaces unless it names it as its
  // base (its writer saw it). Only concurrent, different values are logged.
  // Every write passes through the hub in order, so the hub judges them all;
  // another replica sees only compacted history (a laptop that had "draft"
  // may never see "submitted" before "approved") and logs only the loss of
  // its own writes.
  if (cell.stamp > existing) {
    if ((options.hub || m.node == self_ref) && existing.node != cell.stamp.node && current != cell.value &&
        cell.base != existing) {
      LIAISON_TRY(
          conflict_log.record(table, id, cell.column, current, existing, cell.value, cell.stamp, clock.wall_ms()));
      ++stats.conflicts;
    }
    return adopt();
  }
  ++stats.older;
  if (options.hub && existing.node != cell.stamp.node && current != cell.value && base_of(m) != cell.stamp) {
    LIAISON_TRY(
        conflict_log.record(table, id, cell.column, cell.value, cell.stamp, current, existing, clock.wall_ms()));
    ++stats.conflicts;
  }
  return false;
}

Result<MergeStats> Replica::apply_remote(std::span<const Cell> cells) {
  auto& I = *impl_;
  MergeStats stats;
  Status st = transact([&]() -> Status {
    return for_each_row_run(cells, [&](std::span<const Cell> run) -> Status {
      auto row = I.load(run.front().table, run.front().row);
      if (!row) return row.error();
      // Only a hub serves its feed to others. A client's feed is what it
      // still has to push: remote cells don't enter it, and a row they touch
      // keeps its place (else a push pass would revisit, and resend, every
      // row the hub's corrections touched).
      const std::uint64_t seq = I.options.hub ? I.seq + 1 : 0;
      bool changed = false;
      for (const Cell& cell : run) {
        I.clock.observe(cell.stamp.hlc);
        auto merged = I.merge_cell(cell.table, cell.row, *row, cell, seq, stats);
        if (!merged) return merged.error();
        changed |= *merged;
      }
      if (!changed) return {};
      if (I.options.hub) I.seq = row->seq = seq;
      LIAISON_TRY(I.set_scope_if_unknown(run.front().table, *row));
      return I.store(run.front().table, run.front().row, *row);
    });
  });
  if (!st) return st.error();
  return stats;
}

namespace {

// A new row is created whole or not at all: if some of its cells must come
// back later (stamped too far ahead), hold the rest back with them, so the
// verdict on the row is given once, on all its cells.
void hold_new_row_together(std::vector<Verdict>& verdicts) {
  const auto retry = std::find_if(verdicts.begin(), verdicts.end(),
                                  [](const Verdict& v) { return recovery_of(v.code) == Recovery::retry; });
  if (retry == verdicts.end()) return;
  const Verdict held{retry->code, "held back with the rest of the new row: " + retry->reason};
  for (auto& v : verdicts)
    if (recovery_of(v.code) != Recovery::retry) v = held;
}

// One row of a push at the hub: its cells judged by the authority check,
// the accepted ones merged and recorded in the history, the refused ones
// recorded and answered (answer_to_refusal), the row stored once.
class PushedRow {
 public:
  PushedRow(Replica::Impl& impl, const NodeId& from, std::string_view certificate, StoredRow& row,
            std::span<const Cell> run, PushResult& result)
      : I(impl),
        from_(from),
        certificate_(certificate),
        row_(row),
        run_(run),
        result_(result),
        table_(run.front().table),
        id_(run.front().row),
        seq_(I.seq + 1) {}

  Status apply(std::vector<Verdict> verdicts, const RowLookup& lookup) {
    if (!row_.exists) hold_new_row_together(verdicts);
    for (const auto& v : verdicts) any_accepted_ |= v.accepted();
    for (std::size_t i = 0; i < run_.size(); ++i) {
      const Cell& cell = run_[i];
      // A stamp refused for being in the future must not drag our clock along.
      if (verdicts[i].code != Errc::clock_ahead && verdicts[i].code != Errc::forged_stamp)
        I.clock.observe(cell.stamp.hlc);
      LIAISON_TRY(verdicts[i].accepted() ? accept(cell) : refuse(cell, verdicts[i]));
    }
    return store(lookup);
  }

 private:
  Status accept(const Cell& cell) {
    const CellMeta& m = row_.meta[cell.column];
    const Stamp old_stamp = m.present() ? I.stamp_of(m) : Stamp{};
    const Value old_value = row_.values[cell.column];
    auto merged = I.merge_cell(table_, id_, row_, cell, seq_, result_.stats);
    if (!merged) return merged.error();
    if (!*merged) return {};
    changed_ = true;
    if (row_.exists)
      return I.history.record_change(I.clock.wall_ms(), from_.str(), certificate_, cell.staff, table_, id_, cell.column,
                                     old_value, old_stamp, cell.value, cell.stamp);
    if (!created_by_) created_by_ = &cell;
    first_values_.push_back(&cell);
    return {};
  }

  Status refuse(const Cell& cell, const Verdict& verdict) {
    result_.rejections.push_back({table_, id_, cell.column, cell.stamp, verdict.code, verdict.reason});
    LIAISON_TRY(I.refusal_log.record(I.clock.wall_ms(), from_.str(), certificate_, cell, verdict));
    if (cell.column >= row_.meta.size()) return {};  // not in the schema: nothing to answer with
    CellMeta& m = row_.meta[cell.column];
    auto answer = answer_to_refusal(verdict, row_.exists, any_accepted_, m.present() && I.stamp_of(m) > cell.stamp);
    // A row the writer is not sent (a county's account, to a city desk) is
    // not sent as a correction either: for the writer, it is gone.
    if (answer == RefusalAnswer::reassert && row_.exists && !row_visible(table_, row_.scope, from_.scope()))
      answer = RefusalAnswer::tombstone;
    switch (answer) {
      case RefusalAnswer::none: return {};
      case RefusalAnswer::tombstone:
        if (!tombstone_sent_)
          result_.corrections.push_back(
              {table_, id_, kDeletedColumn, Value{std::int64_t{1}}, {I.clock.now(), I.options.self.str()}, cell.stamp});
        tombstone_sent_ = true;
        return {};
      case RefusalAnswer::reassert: break;
    }
    // The hub's value; where it has none yet, what a new row starts with.
    Value authoritative = row_.values[cell.column];
    if (!m.present()) authoritative = initial_value(table_, row_, cell.column);
    row_.values[cell.column] = authoritative;
    const Cell correction{table_, id_, cell.column, authoritative, {I.clock.now(), I.options.self.str()}, cell.stamp};
    auto base = I.node_ref(cell.stamp.node);
    if (!base) return base.error();
    m = CellMeta{correction.stamp.hlc, I.self_ref, seq_, cell.stamp.hlc, *base};
    changed_ = true;
    result_.corrections.push_back(correction);
    return {};
  }

  Status store(const RowLookup& lookup) {
    if (!changed_) return {};
    if (created_by_) {
      LIAISON_TRY(I.history.record_creation(I.clock.wall_ms(), from_.str(), certificate_, created_by_->staff, table_,
                                            id_, created_by_->stamp));
      // A row made offline may hold the work of several people at the
      // device (one opened the case, another filled in a field, a third
      // submitted it): each field set by someone other than its maker, and
      // a case moved on from its first status, is an entry of its own.
      for (const Cell* cell : first_values_) {
        const Value first = initial_value(table_, row_, cell->column);
        const bool moved_on = !is_null(first) && cell->value != first;
        if (cell->staff != created_by_->staff || moved_on)
          LIAISON_TRY(I.history.record_change(I.clock.wall_ms(), from_.str(), certificate_, cell->staff, table_, id_,
                                              cell->column, Value{}, Stamp{}, cell->value, cell->stamp));
      }
    }
    if (table_ == TableId::cases) {
      auto named = I.register_case(id_, row_, seq_);
      if (!named) return named.error();
      for (auto& cell : *named) result_.corrections.push_back(std::move(cell));
    }
    I.seq = seq_;
    row_.seq = seq_;
    if (row_.scope.empty()) {
      auto scope = derive_scope(table_, row_.values, lookup);
      if (!scope) return make_error(Errc::storage_failed, "accepted a row without scope: " + scope.error().message);
      row_.scope = std::move(*scope);
    }
    return I.store(table_, id_, row_);
  }

  Replica::Impl& I;
  const NodeId& from_;
  std::string_view certificate_;
  StoredRow& row_;
  std::span<const Cell> run_;
  PushResult& result_;
  const TableId table_;
  const Uuid id_;
  const std::uint64_t seq_;
  bool any_accepted_ = false;
  bool changed_ = false;
  bool tombstone_sent_ = false;
  const Cell* created_by_ = nullptr;       // a cell that made the new row
  std::vector<const Cell*> first_values_;  // the accepted cells of a new row
};

}  // namespace

namespace {

// Records of a case that a county may edit only in some of its statuses
// (people, a programme, gifts): judged by the case as it was.
bool judged_by_case_status(TableId table) {
  const TableDef& def = Schema::get().table(table);
  return belongs_to_case(def) && !def.append_only;
}

// The cases whose records (people, programme, gifts) this push writes, as
// they stood before it: a person added offline before the case was
// submitted arrives in the same push, after the submit, and is judged by the
// case the writer worked on.
// From when `from`'s changes must name a person: its county's first
// account's stamp, once the device has pulled an account of its county (0
// before: a device that did not know of accounts wrote as itself, and what
// it wrote offline is kept).
Result<std::uint64_t> staff_required_since(Replica& replica, Replica::Impl& I, const NodeId& from) {
  auto first = I.db->prepare("SELECT min(_seq) FROM staff WHERE county = ?1");
  if (!first) return first.error();
  first->bind(1, from.scope());
  auto found = first->step();
  if (!found) return found.error();
  if (!*found || first->column_is_null(0)) return std::uint64_t{0};
  const auto first_seq = static_cast<std::uint64_t>(first->column_int(0));
  first->reset();
  auto peer = replica.peer(from.str());
  if (!peer) return peer.error();
  if (peer->pulled.pos < first_seq) return std::uint64_t{0};
  return replica.staff_since(from.scope());
}

// The timelines of the accounts `cells` name, read from the hub's history:
// each replaced `disabled` value with its stamp, and the value the account
// holds now.
Result<std::map<Uuid, DisabledTimeline>> disabled_timelines(Replica::Impl& I, std::span<const Cell> cells) {
  const auto& def = Schema::get().table(TableId::staff);
  const auto disabled = *def.column_index("disabled");
  std::map<Uuid, DisabledTimeline> out;
  std::set<std::string_view> named;
  for (const Cell& cell : cells) {
    if (cell.staff.empty() || !named.insert(cell.staff).second) continue;
    const auto who = parse_staff_ref(cell.staff);
    if (!who) continue;  // the check refuses it
    const Uuid id = staff_row_id(*who);
    auto account = I.load(TableId::staff, id);
    if (!account) return account.error();
    // Never written (a row made without the field): never disabled. An
    // account removed and added again keeps its earlier periods.
    if (!account->exists || account->meta[disabled].hlc == 0) continue;
    DisabledTimeline timeline = {{account->meta[disabled].hlc, account->values[disabled] == Value{std::int64_t{1}}}};
    auto changes = I.history.of_rows(std::span<const Uuid>(&id, 1));
    if (!changes) return changes.error();
    for (const Change& c : *changes) {
      if (c.created_row || c.table != TableId::staff || c.column != disabled) continue;
      timeline.emplace_back(c.old_stamp.hlc, c.old_value == Value{std::int64_t{1}});
      timeline.emplace_back(c.new_stamp.hlc, c.new_value == Value{std::int64_t{1}});
    }
    std::sort(timeline.begin(), timeline.end());
    out[id] = std::move(timeline);
  }
  return out;
}

Result<std::map<Uuid, std::optional<CurrentRow>>> cases_before_push(Replica::Impl& I, std::span<const Cell> cells) {
  std::map<Uuid, std::optional<CurrentRow>> before;
  std::map<Uuid, const Value*> pushed_case;  // record -> the case_id this push gives it
  for (const Cell& cell : cells)
    if (judged_by_case_status(cell.table) && cell.column == kCaseIdColumn) pushed_case[cell.row] = &cell.value;
  std::set<Uuid> seen;
  for (const Cell& cell : cells) {
    if (!judged_by_case_status(cell.table) || !seen.insert(cell.row).second) continue;
    std::optional<Uuid> parent;
    const Value* case_id = nullptr;
    StoredRow record;
    if (const auto it = pushed_case.find(cell.row); it != pushed_case.end()) {
      case_id = it->second;
    } else {
      auto stored = I.load(cell.table, cell.row);
      if (!stored) return stored.error();
      record = std::move(*stored);
      if (record.exists) case_id = &record.values[kCaseIdColumn];
    }
    if (const auto* text = case_id ? std::get_if<std::string>(case_id) : nullptr) parent = Uuid::parse(*text);
    if (!parent || before.count(*parent)) continue;
    auto stored = I.load(TableId::cases, *parent);
    if (!stored) return stored.error();
    before[*parent] = stored->exists ? std::optional<CurrentRow>(I.current_of(*stored)) : std::nullopt;
  }
  return before;
}

}  // namespace

Result<PushResult> Replica::apply_push(const NodeId& from, std::span<const Cell> pushed,
                                       std::uint64_t max_clock_ahead_ms, std::string_view certificate) {
  auto& I = *impl_;
  PushResult result;
  // Accounts first: a person added offline (or an account changed since)
  // comes later in the feed than the changes that name them.
  std::vector<Cell> accounts_first;
  const auto is_account = [](const Cell& c) { return c.table == TableId::staff; };
  if (std::any_of(pushed.begin(), pushed.end(), is_account) && !std::all_of(pushed.begin(), pushed.end(), is_account)) {
    accounts_first.assign(pushed.begin(), pushed.end());
    std::stable_partition(accounts_first.begin(), accounts_first.end(), is_account);
  }
  const std::span<const Cell> cells = accounts_first.empty() ? pushed : std::span<const Cell>(accounts_first);
  const RowLookup lookup = I.lookup();
  Status st = transact([&]() -> Status {
    auto before = cases_before_push(I, cells);
    if (!before) return before.error();
    auto staff_since = staff_required_since(*this, I, from);
    if (!staff_since) return staff_since.error();
    auto timelines = disabled_timelines(I, cells);
    if (!timelines) return timelines.error();
    const RowLookup before_push = [&](TableId table, const Uuid& id) -> std::optional<CurrentRow> {
      if (table == TableId::cases)
        if (const auto it = before->find(id); it != before->end()) return it->second;
      return lookup(table, id);
    };
    return for_each_row_run(cells, [&](std::span<const Cell> run) -> Status {
      const TableId table = run.front().table;
      const Uuid& id = run.front().row;
      auto row = I.load(table, id);
      if (!row) return row.error();
      auto verdicts = check_authority({from, table, id, I.current_of(*row), run, lookup, I.clock.wall_ms(),
                                       max_clock_ahead_ms, &before_push, *staff_since, &*timelines});
      return PushedRow(I, from, certificate, *row, run, result).apply(std::move(verdicts), lookup);
    });
  });
  if (!st) return st.error();
  return result;
}

Status Replica::precheck(TableId table, const Uuid& id, const Fields& fields) {
  auto& I = *impl_;
  const auto& def = Schema::get().table(table);
  const std::uint64_t now = I.clock.wall_ms();
  // Stamped as this node would stamp it; our clock stands in for the hub's.
  const Stamp stamp{hlc_pack(now, 0), I.options.self.str()};
  std::vector<Cell> cells;
  for (const auto& [name, value] : fields) {
    const auto column = def.column_index(name);
    if (!column) return make_error(Errc::unknown_field, "no field '" + name + "' in " + std::string(def.name));
    cells.push_back(Cell{table, id, *column, value, stamp, {}, I.staff});
  }
  auto row = I.load(table, id);
  if (!row) return row.error();
  const CurrentRow current = I.current_of(*row);
  // The hub's own writes are its operators': they name a person when one
  // is given (case decide --by), and need none.
  auto staff_since = I.options.hub ? Result<std::uint64_t>(0) : this->staff_since(I.options.self.scope());
  if (!staff_since) return staff_since.error();
  const auto verdicts = check_authority(
      {I.options.self, table, id, current, cells, I.lookup(), now, kDefaultMaxClockAheadMs, nullptr, *staff_since});
  std::vector<std::string> reasons;
  Errc code = Errc::ok;
  for (const auto& verdict : verdicts) {
    if (verdict.accepted()) continue;
    if (code == Errc::ok) code = verdict.code;
    if (std::find(reasons.begin(), reasons.end(), verdict.reason) == reasons.end()) reasons.push_back(verdict.reason);
  }
  if (reasons.empty()) return {};
  std::string message = in_language("the hub would refuse this (", "市级枢纽不会接受（") +
                        std::string(errc_name(code)) + in_language("): ", "）：");
  for (std::size_t i = 0; i < reasons.size(); ++i) message += (i ? "; " : "") + reasons[i];
  return make_error(code, message);
}

Status Replica::record_push_outcome(std::span<const Rejection> rejections, std::span<const Cell> corrections) {
  auto& I = *impl_;
  return transact([&]() -> Status {
    for (const Rejection& r : rejections) {
      auto row = I.load(r.table, r.row);
      if (!row) return row.error();
      if (!row->exists || r.column >= row->meta.size()) continue;
      const CellMeta& m = row->meta[r.column];
      if (!m.present() || I.stamp_of(m) != r.stamp) continue;  // already rewritten since: nothing refused remains
      LIAISON_TRY(I.rejection_log.record(r, row->values[r.column], I.staff_of(m), I.clock.wall_ms()));
      if (recovery_of(r.code) == Recovery::retry) LIAISON_TRY(restamp(r.table, r.row, r.column));
    }
    auto merged = apply_remote(corrections);
    if (!merged) return merged.error();
    return {};
  });
}

Result<std::vector<Conflict>> Replica::conflicts(bool include_restored) {
  return impl_->conflict_log.list(include_restored);
}

Status Replica::restore_conflict(std::int64_t conflict_id) {
  auto all = conflicts(true);
  if (!all) return all.error();
  for (const Conflict& c : *all) {
    if (c.id != conflict_id) continue;
    if (c.restored)
      return make_error(Errc::invalid_argument, "conflict " + std::to_string(conflict_id) + " was already restored");
    const auto& def = Schema::get().table(c.table);
    return transact([&]() -> Status {
      LIAISON_TRY(update(c.table, c.row, {{std::string(def.columns.at(c.column).name), c.loser_value}}));
      return impl_->conflict_log.mark_restored(conflict_id);
    });
  }
  return make_error(Errc::not_found, "no conflict " + std::to_string(conflict_id) + " — list them with 'conflicts'");
}

Result<std::vector<Refusal>> Replica::refusals(const RefusalFilter& filter) {
  if (!impl_->options.hub) return std::vector<Refusal>{};
  return impl_->refusal_log.list(filter);
}

Result<std::vector<Refusal>> Replica::refusals_of_case(const Uuid& case_id, std::span<const Uuid> rows) {
  if (!impl_->options.hub) return std::vector<Refusal>{};
  return impl_->refusal_log.of_case(case_id, rows);
}

Result<std::vector<RecordedRejection>> Replica::rejections() { return impl_->rejection_log.list(); }

Result<std::vector<Change>> Replica::history(const ChangeFilter& filter) {
  if (!impl_->options.hub) return std::vector<Change>{};
  return impl_->history.list(filter);
}

Result<std::vector<Change>> Replica::history_of(std::span<const Uuid> rows) {
  return impl_->options.hub ? impl_->history.of_rows(rows) : impl_->seen_changes.of_rows(rows);
}

Result<AuditCheck> Replica::verify_history(std::string_view exported_head) {
  return impl_->history.verify(exported_head);
}

Result<AuditHead> Replica::history_head() { return impl_->history.head(); }

}  // namespace liaison::sync
