// The liaison-hub commands. Each takes the parsed arguments and returns its
// result as a Report (shared/command.hpp: printed as a table or as JSON by
// one renderer) or an error to report; init and serve, which set the hub up
// and run it, print as they go.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hub/config.hpp"
#include "shared/cli.hpp"
#include "shared/command.hpp"
#include "sync/replica.hpp"
#include "sync/row_text.hpp"

namespace liaison::hub {

// What every command after `init` works with: the configuration and the
// hub's replica, opened as the hub node (admin writes are the hub's).
struct Context {
  std::string data_dir;
  bool json = false;
  HubConfig config;
  std::unique_ptr<sync::Replica> replica;
};

Result<Context> open_context(cli::Args& args);

// What an admin command returns.
using Outcome = Result<cli::Report>;

Status cmd_init(cli::Args& args);
Status cmd_serve(cli::Args& args);
Outcome cmd_directive_issue(Context& ctx, cli::Args& args);
Outcome cmd_directive_list(Context& ctx, cli::Args& args);
Outcome cmd_directive_show(Context& ctx, cli::Args& args);
Outcome cmd_directive_withdraw(Context& ctx, cli::Args& args);
Outcome cmd_directive_extend(Context& ctx, cli::Args& args);
Outcome cmd_directive_remind(Context& ctx, cli::Args& args);
Outcome cmd_case_list(Context& ctx, cli::Args& args);
Outcome cmd_case_search(Context& ctx, cli::Args& args);
Outcome cmd_report(Context& ctx, cli::Args& args);
Outcome cmd_case_sheet(Context& ctx, cli::Args& args);
// A case by its ref, number or id, and what `case show` prints of it.
struct ShownCase {
  sync::Row row;
  cli::Report sheet;
};
Result<ShownCase> show_case(Context& ctx, const std::string& reference);
// Writes a file whole or not at all: `write_to` writes PATH.part, which is
// renamed to PATH when it succeeded and removed when it failed.
Status write_whole(const std::string& path, const std::function<Status(const std::string&)>& write_to);
Outcome cmd_case_show(Context& ctx, cli::Args& args);
Outcome cmd_case_decide(Context& ctx, cli::Args& args);
Outcome cmd_nodes(Context& ctx, cli::Args& args);
Outcome cmd_overdue(Context& ctx, cli::Args& args);
Outcome cmd_settings(Context& ctx, cli::Args& args);
Outcome cmd_alerts(Context& ctx, cli::Args& args);
Outcome cmd_settings_set(Context& ctx, cli::Args& args);
Outcome cmd_conflicts(Context& ctx, cli::Args& args);
Outcome cmd_conflicts_restore(Context& ctx, cli::Args& args);
Outcome cmd_renew_id(Context& ctx, cli::Args& args);
Outcome cmd_rejections(Context& ctx, cli::Args& args);
Outcome cmd_changes(Context& ctx, cli::Args& args);
Outcome cmd_case_history(Context& ctx, cli::Args& args);
Outcome cmd_audit_verify(Context& ctx, cli::Args& args);
Outcome cmd_audit_head(Context& ctx, cli::Args& args);
Outcome cmd_staff_add(Context& ctx, cli::Args& args);
Outcome cmd_staff_disable(Context& ctx, cli::Args& args);
Outcome cmd_staff_enable(Context& ctx, cli::Args& args);
Outcome cmd_staff_reset(Context& ctx, cli::Args& args);
Outcome cmd_staff_list(Context& ctx, cli::Args& args);

Outcome cmd_revert(Context& ctx, cli::Args& args);

// Rows for people and for JSON.
Result<Uuid> resolve_id(sync::Replica& replica, TableId table, const std::string& text);
using sync::row_json;
std::string short_id(const Uuid& id);

}  // namespace liaison::hub
