// `conflicts`, `conflicts restore N` and `rejections`: what the merge and
// the hub did to this node's writes, so staff can see it and undo it.
#include <charconv>

#include "client/commands.hpp"
#include "client/output.hpp"
#include "sync/staff_accounts.hpp"

namespace liaison::client {
namespace {

using sync::column_name;

std::string table_name(TableId table) { return std::string(Schema::get().table(table).name); }

}  // namespace

Outcome cmd_conflicts(Invocation& in) {
  const bool all = in.args.flag("all");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "conflicts [--all]"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto logged = context->replica->conflicts(all);
  if (!logged) return logged.error();
  std::vector<std::string> items;
  cli::Table table{{"N", "table", "row", "field", "kept", "by", "lost", "by", "when"}, {}};
  if (all) table.headers.push_back("restored");
  for (const auto& c : *logged) {
    const std::string field = column_name(c.table, c.column);
    // Every edit of a case also stamps updated_at, so two concurrent edits
    // always "conflict" on it too; that is bookkeeping, not staff's data.
    if (!all && field == "updated_at") continue;
    items.push_back(cli::json_object({{"id", std::to_string(c.id)},
                                      {"table", cli::json_quote(table_name(c.table))},
                                      {"row", cli::json_quote(c.row.to_string())},
                                      {"field", cli::json_quote(field)},
                                      {"loser_value", sync::json_cell(field, c.loser_value)},
                                      {"loser_node", cli::json_quote(c.loser.node)},
                                      {"winner_value", sync::json_cell(field, c.winner_value)},
                                      {"winner_node", cli::json_quote(c.winner.node)},
                                      {"restored", c.restored ? "true" : "false"}}));
    table.rows.push_back({std::to_string(c.id), table_name(c.table), c.row.to_string(), field,
                          display_value(field, c.winner_value), c.winner.node, display_value(field, c.loser_value),
                          c.loser.node, cli::format_time(c.logged_at_ms)});
    if (all) table.rows.back().push_back(c.restored ? "yes" : "no");
  }
  cli::Report report{cli::json_array(items), {}};
  if (table.rows.empty()) return report.line(all ? "no conflicts logged" : "no conflicts to review");
  return report.table(table).line("").line("to put a lost value back: liaison-client conflicts restore N");
}

Outcome cmd_conflicts_restore(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "conflicts restore N"));
  std::int64_t n = 0;
  const auto& text = words[0];
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n <= 0)
    return make_error(Errc::usage, "'" + text + "' is not a conflict number — use the N shown by 'conflicts'");
  auto context = open_context(in);
  if (!context) return context.error();
  Context& ctx = *context;
  auto conflicts = ctx.replica->conflicts(true);
  if (!conflicts) return conflicts.error();
  const sync::Conflict* found = nullptr;
  for (const auto& c : *conflicts)
    if (c.id == n) found = &c;
  if (!found) return advised(Errc::not_found, "no conflict " + text + " on this replica", "list them with 'conflicts'");
  if (found->restored)
    return advised(Errc::invalid_argument, "conflict " + text + " was already restored",
                   "list open ones with 'conflicts'");
  const std::string field = column_name(found->table, found->column);
  Status st = ctx.replica->transact([&]() -> Status {
    LIAISON_TRY(precheck(ctx, found->table, found->row, {{field, found->loser_value}}));
    return ctx.replica->restore_conflict(n);
  });
  if (!st) return advised(st.error(), "nothing was written");
  cli::Report report{cli::json_object({{"restored", std::to_string(n)},
                                       {"table", cli::json_quote(table_name(found->table))},
                                       {"row", cli::json_quote(found->row.to_string())},
                                       {"field", cli::json_quote(field)},
                                       {"value", sync::json_cell(field, found->loser_value)}}),
                     {}};
  return report.line("restored " + field + " = '" + display_value(field, found->loser_value) + "' on " +
                     table_name(found->table) + " " + found->row.to_string() + "; the hub gets it at the next sync");
}

Outcome cmd_rejections(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "rejections"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto rejections = context->replica->rejections();
  if (!rejections) return rejections.error();
  std::vector<std::string> items;
  cli::Table table{{"when", "staff", "table", "row", "field", "refused value", "code", "reason"}, {}};
  for (const auto& r : *rejections) {
    const std::string field = column_name(r.table, r.column);
    items.push_back(cli::json_object({{"table", cli::json_quote(table_name(r.table))},
                                      {"row", cli::json_quote(r.row.to_string())},
                                      {"field", cli::json_quote(field)},
                                      {"value", sync::json_cell(field, r.value)},
                                      {"staff", r.staff.empty() ? "null" : cli::json_quote(r.staff)},
                                      {"code", cli::json_quote(errc_name(r.code))},
                                      {"reason", cli::json_quote(r.reason)}}));
    table.rows.push_back({cli::format_time(r.at_ms), sync::staff_label(r.staff), table_name(r.table), r.row.to_string(),
                          field, display_value(field, r.value), errc_name(r.code), r.reason});
  }
  cli::Report report{cli::json_array(items), {}};
  return report.table_or(table, "the hub has refused nothing from this node");
}

}  // namespace liaison::client
