// Planning and applying a revert of one node's changes; see revert.hpp.
#include "sync/revert.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace liaison::sync {
namespace {

using RowKey = std::pair<TableId, Uuid>;
using CellKey = std::tuple<TableId, Uuid, std::uint16_t>;

// The node's changes of one row, and the row's changes by anyone from the
// node's first one on.
struct RowChanges {
  std::vector<const Change*> mine;
  std::vector<Change> since;
  bool created = false;
};

class Planner {
 public:
  Planner(Replica& hub, const NodeId& node) : hub_(hub), node_(node.str()) {}

  Result<RevertPlan> plan(std::uint64_t since_ms) {
    auto mine = hub_.history(ChangeFilter{.node = node_, .since_ms = since_ms});
    if (!mine) return mine.error();
    plan_.changes = mine->size();
    if (mine->empty()) return plan_;
    std::vector<RowKey> order;
    for (const Change& c : *mine) {
      if (!c.certificate.empty()) plan_.certificates.insert(c.certificate);
      auto [it, fresh] = rows_.try_emplace(RowKey(c.table, c.row));
      if (fresh) order.push_back(it->first);
      it->second.mine.push_back(&c);
      it->second.created |= c.created_row;
    }
    // Everyone's changes since the node's first: one read, sorted out by row.
    auto since = hub_.history(ChangeFilter{.from_id = mine->front().id});
    if (!since) return since.error();
    for (Change& c : *since) {
      const auto it = rows_.find(RowKey(c.table, c.row));
      if (it != rows_.end() && c.id >= it->second.mine.front()->id) it->second.since.push_back(std::move(c));
    }
    LIAISON_TRY(load_lost_edits());
    for (const RowKey& key : order) {
      const RowChanges& row = rows_.at(key);
      if (row.created && key.first != TableId::directive_receipts)
        LIAISON_TRY(plan_created_row(key, row));
      else if (row.created)
        LIAISON_TRY(clear_receipt(key));
      else
        LIAISON_TRY(plan_fields(key, row));
    }
    return std::move(plan_);
  }

 private:
  // Edits by others that lost, as concurrent writes, to one of the node's:
  // the conflict log has them, keyed by the cell and the winning stamp.
  Status load_lost_edits() {
    auto conflicts = hub_.conflicts(true);
    if (!conflicts) return conflicts.error();
    for (Conflict& c : *conflicts)
      if (c.winner.node == node_ && c.loser.node != node_ && rows_.count(RowKey(c.table, c.row)))
        lost_[CellKey(c.table, c.row, c.column)].push_back(std::move(c));
    return {};
  }

  void leave(const RowKey& key, std::optional<std::uint16_t> column, std::string why) {
    RevertStep step;
    step.action = RevertStep::Action::leave;
    step.table = key.first;
    step.row = key.second;
    step.column = column;
    step.why_left = std::move(why);
    plan_.steps.push_back(std::move(step));
  }

  Status plan_fields(const RowKey& key, const RowChanges& row) {
    const auto& def = Schema::get().table(key.first);
    std::vector<std::uint16_t> columns;
    for (const Change* c : row.mine)
      if (!c->created_row && def.columns.at(c->column).name != "updated_at" &&
          std::find(columns.begin(), columns.end(), c->column) == columns.end())
        columns.push_back(c->column);
    for (std::uint16_t column : columns) LIAISON_TRY(plan_field(key, column, row.since));
    return {};
  }

  // One field: back to what it was before the node's last run of changes to
  // it, if nobody changed it after that run.
  Status plan_field(const RowKey& key, std::uint16_t column, const std::vector<Change>& since) {
    std::vector<const Change*> cell;
    for (const Change& c : since)
      if (!c.created_row && c.column == column) cell.push_back(&c);
    std::size_t end = cell.size();
    while (end > 0 && cell[end - 1]->node != node_) --end;
    if (end == 0) return {};
    std::size_t first = end - 1;
    while (first > 0 && cell[first - 1]->node == node_) --first;
    auto now = hub_.cell_of(key.first, key.second, column);
    if (!now) return now.error();
    const Value current = *now ? (*now)->value : Value{};
    RevertStep step;
    step.table = key.first;
    step.row = key.second;
    step.column = column;
    step.current = current;
    step.restored = cell[first]->old_value;
    // Someone's edit that lost to one of the run's: the latest of them is
    // what that person meant the field to be.
    if (const auto it = lost_.find(CellKey(key.first, key.second, column)); it != lost_.end()) {
      const Conflict* latest = nullptr;
      for (const Conflict& c : it->second)
        for (std::size_t i = first; i < end; ++i)
          if (c.winner == cell[i]->new_stamp && (!latest || latest->loser < c.loser)) latest = &c;
      if (latest) {
        step.restored = latest->loser_value;
        step.restored_edit_by = latest->loser.node;
      }
    }
    if (current == step.restored) return {};
    if (end < cell.size()) {
      leave(key, column, "changed since by " + cell[end]->node);
      return {};
    }
    // Still the node's value (the hub may have re-asserted it with a stamp
    // of its own after refusing a later change): otherwise a write the
    // history does not hold changed it.
    if (current != cell.back()->new_value) {
      leave(key, column, "changed since by " + (*now ? (*now)->stamp.node : std::string("someone")));
      return {};
    }
    plan_.steps.push_back(std::move(step));
    return {};
  }

  // The hub giving a case its ref or number is bookkeeping, not someone's
  // edit: it does not keep a forged case from being removed.
  bool names_the_case(const Change& c) const {
    if (c.table != TableId::cases || c.node != hub_.self().str()) return false;
    const auto& name = Schema::get().table(TableId::cases).columns[c.column].name;
    return name == "ref" || name == "number";
  }

  // A record the node created: deleted, unless others changed it or added
  // records under it since.
  Status plan_created_row(const RowKey& key, const RowChanges& row) {
    auto current = hub_.get(key.first, key.second);
    if (!current) return current.error();
    if (!*current || (*current)->deleted()) return {};
    for (const Change& c : row.since)
      if (c.node != node_ && !names_the_case(c)) {
        leave(key, std::nullopt, "changed since by " + c.node);
        return {};
      }
    if (key.first == TableId::cases) {
      const std::string id = key.second.to_string();
      for (const auto& def : Schema::get().tables()) {
        if (!def.column_index("case_id")) continue;
        auto children = hub_.list(def.id, RowFilter{.equals = {{"case_id", Value{id}}}});
        if (!children) return children.error();
        for (const Row& child : *children) {
          const auto it = rows_.find(RowKey(def.id, child.id));
          if (it == rows_.end() || !it->second.created) {
            leave(key, std::nullopt, "others added " + std::string(def.name) + " under it");
            return {};
          }
        }
      }
    }
    RevertStep step;
    step.action = RevertStep::Action::remove_row;
    step.table = key.first;
    step.row = key.second;
    plan_.steps.push_back(std::move(step));
    return {};
  }

  // A receipt's id is its directive's and county's: the county's other
  // devices write the same record. The node's fields in it are cleared.
  Status clear_receipt(const RowKey& key) {
    const auto& def = Schema::get().table(key.first);
    for (std::uint16_t column = 0; column < def.columns.size(); ++column) {
      if (column == kDeletedColumn || def.columns[column].immutable) continue;
      auto now = hub_.cell_of(key.first, key.second, column);
      if (!now) return now.error();
      if (!*now || (*now)->stamp.node != node_ || is_null((*now)->value)) continue;
      RevertStep step;
      step.table = key.first;
      step.row = key.second;
      step.column = column;
      step.current = (*now)->value;
      plan_.steps.push_back(std::move(step));
    }
    return {};
  }

  Replica& hub_;
  std::string node_;
  RevertPlan plan_;
  std::map<RowKey, RowChanges> rows_;
  std::map<CellKey, std::vector<Conflict>> lost_;
};

Status apply(Replica& hub, RevertPlan& plan) {
  std::vector<RowKey> order;
  std::map<RowKey, Fields> writes;
  const auto& schema = Schema::get();
  for (const RevertStep& step : plan.steps) {
    if (step.action == RevertStep::Action::leave) continue;
    const RowKey key(step.table, step.row);
    auto [it, fresh] = writes.try_emplace(key);
    if (fresh) order.push_back(key);
    if (step.action == RevertStep::Action::remove_row)
      it->second.emplace_back("deleted", Value{std::int64_t{1}});
    else
      it->second.emplace_back(std::string(schema.table(step.table).columns.at(*step.column).name), step.restored);
  }
  const auto now = static_cast<std::int64_t>(hub.clock().wall_ms());
  for (const RowKey& key : order) {
    const auto& def = schema.table(key.first);
    if (auto updated = def.column_index("updated_at");
        updated && attribution(def.columns[*updated]) == Attribution::time)
      writes.at(key).emplace_back("updated_at", Value{now});
    LIAISON_TRY(hub.update(key.first, key.second, writes.at(key)));
  }
  plan.rows_written = order.size();
  return {};
}

}  // namespace

Result<RevertPlan> plan_revert(Replica& hub, const NodeId& node, std::uint64_t since_ms) {
  return Planner(hub, node).plan(since_ms);
}

Result<RevertPlan> revert(Replica& hub, const NodeId& node, std::uint64_t since_ms) {
  RevertPlan plan;
  Status st = hub.transact([&]() -> Status {
    auto planned = Planner(hub, node).plan(since_ms);
    if (!planned) return planned.error();
    plan = std::move(*planned);
    return apply(hub, plan);
  });
  if (!st) return st.error();
  return plan;
}

}  // namespace liaison::sync
