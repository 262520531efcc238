// Planning and applying a revert of one node's changes; see revert.hpp.
#include "sync/revert.hpp"

#include <algorithm>
#include <map>

namespace liaison::sync {
namespace {

using RowKey = std::pair<TableId, Uuid>;

// The node's changes of one row, and the row's changes by anyone from the
// node's first one on.
struct RowChanges {
  std::vector<const Change*> mine;
  std::vector<Change> since;
};

RevertStep left_alone(TableId table, const Uuid& row, std::uint16_t column, const std::string& by, std::uint64_t at) {
  RevertStep step;
  step.action = RevertStep::Action::leave;
  step.table = table;
  step.row = row;
  step.column = column;
  step.changed_by = by;
  step.changed_at_ms = at;
  return step;
}

// One cell: back to the value before the node's last run of changes, if
// nobody changed it after that run. Already back there (reverted before, or
// set so by hand): nothing to do.
Result<std::optional<RevertStep>> plan_cell(Replica& hub, const NodeId& node, const RowKey& key, std::uint16_t column,
                                            const std::vector<Change>& since) {
  std::vector<const Change*> cell;
  for (const Change& c : since)
    if (!c.created_row && c.column == column) cell.push_back(&c);
  std::size_t end = cell.size();
  while (end > 0 && cell[end - 1]->node != node.str()) --end;
  if (end == 0) return std::optional<RevertStep>();
  std::size_t first = end - 1;
  while (first > 0 && cell[first - 1]->node == node.str()) --first;
  auto now = hub.cell_of(key.first, key.second, column);
  if (!now) return now.error();
  const Value current = *now ? (*now)->value : Value{};
  const Value& before = cell[first]->old_value;
  if (current == before) return std::optional<RevertStep>();
  if (end < cell.size())
    return std::optional(left_alone(key.first, key.second, column, cell[end]->node, cell[end]->at_ms));
  // A change the history does not hold (the hub's data predates it).
  if (!*now || (*now)->stamp != cell.back()->new_stamp)
    return std::optional(left_alone(key.first, key.second, column, *now ? (*now)->stamp.node : "", 0));
  RevertStep step;
  step.table = key.first;
  step.row = key.second;
  step.column = column;
  step.current = current;
  step.restored = before;
  step.undone = end - first;
  return std::optional(std::move(step));
}

}  // namespace

Result<RevertPlan> plan_revert(Replica& hub, const NodeId& node, std::uint64_t since_ms) {
  auto mine = hub.history(ChangeFilter{.node = node.str(), .since_ms = since_ms});
  if (!mine) return mine.error();
  RevertPlan plan;
  plan.changes = mine->size();
  std::vector<RowKey> order;
  std::map<RowKey, RowChanges> rows;
  for (const Change& c : *mine) {
    const RowKey key(c.table, c.row);
    auto [it, fresh] = rows.try_emplace(key);
    if (fresh) order.push_back(key);
    it->second.mine.push_back(&c);
  }
  // Everyone's changes since the node's first: one read, sorted out by row.
  if (!mine->empty()) {
    auto since = hub.history(ChangeFilter{.from_id = mine->front().id});
    if (!since) return since.error();
    for (Change& c : *since) {
      const auto it = rows.find(RowKey(c.table, c.row));
      if (it != rows.end() && c.id >= it->second.mine.front()->id) it->second.since.push_back(std::move(c));
    }
  }
  for (const RowKey& key : order) {
    RowChanges& row = rows.at(key);
    const bool created = std::any_of(row.mine.begin(), row.mine.end(), [](const Change* c) { return c->created_row; });
    if (created) {
      auto current = hub.get(key.first, key.second);
      if (!current) return current.error();
      if (!*current || (*current)->deleted()) continue;
      const auto other = std::find_if(row.since.begin(), row.since.end(),
                                      [&](const Change& c) { return c.node != node.str(); });
      if (other != row.since.end()) {
        plan.steps.push_back(left_alone(key.first, key.second, 0, other->node, other->at_ms));
        continue;
      }
      RevertStep step;
      step.action = RevertStep::Action::remove_row;
      step.table = key.first;
      step.row = key.second;
      step.undone = row.mine.size();
      plan.steps.push_back(std::move(step));
      continue;
    }
    // Who and when stay the revert's own: the hub writes them now.
    std::vector<std::uint16_t> columns;
    const auto& def = Schema::get().table(key.first);
    for (const Change* c : row.mine)
      if (!c->created_row && attribution(def.columns.at(c->column)) == Attribution::none &&
          std::find(columns.begin(), columns.end(), c->column) == columns.end())
        columns.push_back(c->column);
    for (std::uint16_t column : columns) {
      auto step = plan_cell(hub, node, key, column, row.since);
      if (!step) return step.error();
      if (*step) plan.steps.push_back(std::move(**step));
    }
  }
  return plan;
}

Result<std::size_t> apply_revert(Replica& hub, const RevertPlan& plan) {
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
      it->second.emplace_back(std::string(schema.table(step.table).columns.at(step.column).name), step.restored);
  }
  const auto now = static_cast<std::int64_t>(hub.clock().wall_ms());
  for (const RowKey& key : order) {
    const auto& def = schema.table(key.first);
    if (auto updated = def.column_index("updated_at"); updated && attribution(def.columns[*updated]) == Attribution::time)
      writes.at(key).emplace_back("updated_at", Value{now});
  }
  Status st = hub.transact([&]() -> Status {
    for (const RowKey& key : order) LIAISON_TRY(hub.update(key.first, key.second, writes.at(key)));
    return {};
  });
  if (!st) return st.error();
  return order.size();
}

}  // namespace liaison::sync
