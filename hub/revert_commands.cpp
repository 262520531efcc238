// After a laptop is reported stolen: `changes` lists what a node changed at
// the hub after a time, `revert` undoes it (sync/revert.hpp), and both warn
// while the node's certificate is still valid, since it could write again.
#include <iostream>
#include <set>

#include "hub/commands.hpp"
#include "shared/labels.hpp"
#include "sync/net/net.hpp"
#include "sync/revert.hpp"
#include "sync/case_history.hpp"

namespace liaison::hub {
namespace {

std::string row_name(TableId table, const Uuid& row) {
  return std::string(Schema::get().table(table).name) + " " + row.to_string();
}

struct NodeAndTime {
  NodeId node;
  std::uint64_t since_ms = 0;
};

Result<NodeAndTime> node_and_time(cli::Args& args, bool since_required) {
  auto node_text = args.required("node");
  if (!node_text) return node_text.error();
  auto node = NodeId::parse(*node_text);
  if (!node) return make_error(Errc::invalid_argument, "--node: " + node.error().message);
  NodeAndTime out{*node, 0};
  auto since = since_required ? args.required("since") : Result<std::string>(args.option("since").value_or(""));
  if (!since)
    return make_error(since.error().code, since.error().message + " (from when, e.g. the hour the laptop was lost)");
  if (!since->empty()) {
    auto ms = cli::parse_time(*since);
    if (!ms) return make_error(Errc::invalid_argument, "--since " + ms.error().message);
    out.since_ms = *ms;
  }
  return out;
}

// The certificates (serials) the node wrote with that the hub's CRL does
// not revoke.
void warn_if_not_revoked(const Context& ctx, const NodeId& node, const std::set<std::string>& serials) {
  if (serials.empty() || node == ctx.replica->self()) return;
  std::set<std::string> revoked;
  if (!ctx.config.crl.empty()) {
    auto crl = sync::net::load_crl({ctx.config.ca, ctx.config.cert, ctx.config.key, ctx.config.crl});
    if (!crl) {
      std::cerr << "liaison-hub: warning: can't tell whether " << node.str()
                << "'s certificate is revoked: " << crl.error().message << "\n";
      return;
    }
    revoked.insert(crl->revoked_serials.begin(), crl->revoked_serials.end());
  }
  for (const auto& serial : serials)
    if (!revoked.count(serial))
      std::cerr << "liaison-hub: warning: " << node.str() << "'s certificate (serial " << serial
                << ") is not revoked, so it can write again — revoke it first (certs/liaison-ca.sh revoke CA-DIR "
                << node.str() << ") and put the new crl.pem in place\n";
}

}  // namespace

Outcome cmd_changes(Context& ctx, cli::Args& args) {
  auto which = node_and_time(args, false);
  if (!which) return which.error();
  LIAISON_TRY(args.finish());
  auto changes = ctx.replica->history({.node = which->node.str(), .since_ms = which->since_ms});
  if (!changes) return changes.error();
  std::vector<std::string> items;
  cli::Table table = sync::change_table();
  for (const auto& c : *changes) sync::add_change(*ctx.replica, c, table, items);
  std::set<std::string> serials;
  for (const auto& c : *changes)
    if (!c.certificate.empty()) serials.insert(c.certificate);
  warn_if_not_revoked(ctx, which->node, serials);
  cli::Report report{cli::json_array(items), {}};
  return report.table_or(table, "no changes by " + which->node.str());
}

Outcome cmd_revert(Context& ctx, cli::Args& args) {
  auto which = node_and_time(args, true);
  if (!which) return which.error();
  const bool dry_run = args.flag("dry-run");
  LIAISON_TRY(args.finish());
  auto plan = dry_run ? sync::plan_revert(*ctx.replica, which->node, which->since_ms)
                      : sync::revert(*ctx.replica, which->node, which->since_ms);
  if (!plan) return plan.error();
  std::size_t restored = 0, removed = 0, left = 0;
  std::vector<std::string> items;
  cli::Table table{{"action", "row", "field", "now", "back to"}, {}};
  for (const auto& step : plan->steps) {
    using Action = sync::RevertStep::Action;
    const std::string field = step.column ? sync::column_name(step.table, *step.column) : "";
    std::string action, now, back;
    switch (step.action) {
      case Action::restore:
        ++restored;
        action = "restore";
        now = to_display(step.current);
        back = to_display(step.restored) +
               (step.restored_edit_by.empty() ? "" : " (" + step.restored_edit_by + "'s edit, which lost to it)");
        break;
      case Action::remove_row:
        ++removed;
        action = "delete (it made the record)";
        break;
      case Action::leave:
        ++left;
        action = "leave: " + step.why_left;
        break;
    }
    table.rows.push_back({action, row_name(step.table, step.row), field, now, back});
    items.push_back(cli::json_object({{"action", cli::json_quote(step.action == Action::restore      ? "restore"
                                                                 : step.action == Action::remove_row ? "delete"
                                                                                                     : "leave")},
                                      {"table", cli::json_quote(Schema::get().table(step.table).name)},
                                      {"row", cli::json_quote(step.row.to_string())},
                                      {"field", step.column ? cli::json_quote(field) : "null"},
                                      {"now", cli::json_value(step.current)},
                                      {"back_to", cli::json_value(step.restored)},
                                      {"edit_by", cli::json_quote(step.restored_edit_by)},
                                      {"why_left", cli::json_quote(step.why_left)}}));
  }
  const std::string summary = std::string(dry_run ? "would restore " : "restored ") + std::to_string(restored) +
                              " fields and " + (dry_run ? "delete " : "deleted ") + std::to_string(removed) +
                              " records " + which->node.str() + " made, of its " + std::to_string(plan->changes) +
                              " changes since " + cli::format_time(which->since_ms) + "; " + std::to_string(left) +
                              " left alone for a person to check (changed since, or records added under them)";
  warn_if_not_revoked(ctx, which->node, plan->certificates);
  cli::Report report{cli::json_object({{"dry_run", dry_run ? "true" : "false"},
                                       {"changes", std::to_string(plan->changes)},
                                       {"restored", std::to_string(restored)},
                                       {"deleted", std::to_string(removed)},
                                       {"left", std::to_string(left)},
                                       {"rows_written", std::to_string(plan->rows_written)},
                                       {"steps", cli::json_array(items)}}),
                     {}};
  if (!table.rows.empty()) report.table(table);
  return report.line(summary + (dry_run ? " — run again without --dry-run to do it"
                                        : "; offices get the restored values at their next sync"));
}

}  // namespace liaison::hub
