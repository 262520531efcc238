// `conflicts`, `conflicts restore N` and `rejections`: what the merge and
// the hub did to this node's writes, so staff can see it and undo it.
#include <charconv>
#include <iostream>

#include "client/commands.hpp"
#include "client/output.hpp"

namespace liaison::client {
namespace {

std::string column_name(TableId table, std::uint16_t column) {
  const auto& def = Schema::get().table(table);
  return column < def.columns.size() ? std::string(def.columns[column].name) : "#" + std::to_string(column);
}

std::string table_name(TableId table) { return std::string(Schema::get().table(table).name); }

}  // namespace

int cmd_conflicts(Invocation& in) {
  const bool all = in.args.flag("all");
  std::vector<std::string> words;
  if (auto bad = take_words(in.args, words, 0, 0, "conflicts [--all]")) return *bad;
  auto context = open_context(in);
  if (!context) return fail(context.error());
  auto logged = context->replica->conflicts(all);
  if (!logged) return fail(logged.error());
  // Every edit of a case also stamps updated_at, so two concurrent edits
  // always "conflict" on it too; that is bookkeeping, not staff's data.
  std::vector<sync::Conflict> conflicts_kept;
  for (auto& c : *logged)
    if (all || column_name(c.table, c.column) != "updated_at") conflicts_kept.push_back(std::move(c));
  auto* conflicts = &conflicts_kept;
  if (in.json) {
    std::vector<std::string> items;
    for (const auto& c : *conflicts)
      items.push_back(cli::json_object({{"id", std::to_string(c.id)},
                                        {"table", cli::json_quote(table_name(c.table))},
                                        {"row", cli::json_quote(c.row.to_string())},
                                        {"field", cli::json_quote(column_name(c.table, c.column))},
                                        {"loser_value", cli::json_value(c.loser_value)},
                                        {"loser_node", cli::json_quote(c.loser.node)},
                                        {"winner_value", cli::json_value(c.winner_value)},
                                        {"winner_node", cli::json_quote(c.winner.node)},
                                        {"restored", c.restored ? "true" : "false"}}));
    print_line(cli::json_array(items));
    return kExitOk;
  }
  if (conflicts->empty()) {
    print_line(all ? "no conflicts logged" : "no conflicts to review");
    return kExitOk;
  }
  cli::Table table{{"N", "table", "row", "field", "kept", "by", "lost", "by", "when"}, {}};
  if (all) table.headers.push_back("restored");
  for (const auto& c : *conflicts) {
    const std::string field = column_name(c.table, c.column);
    table.rows.push_back({std::to_string(c.id), table_name(c.table), c.row.to_string(), field,
                          display_value(field, c.winner_value), c.winner.node, display_value(field, c.loser_value),
                          c.loser.node, cli::format_time(c.logged_at_ms)});
    if (all) table.rows.back().push_back(c.restored ? "yes" : "no");
  }
  table.print(std::cout);
  std::cout << "\nto put a lost value back: liaison-client conflicts restore N\n";
  return kExitOk;
}

int cmd_conflicts_restore(Invocation& in) {
  std::vector<std::string> words;
  if (auto bad = take_words(in.args, words, 1, 1, "conflicts restore N")) return *bad;
  std::int64_t n = 0;
  const auto& text = words[0];
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n <= 0)
    return usage_error("'" + text + "' is not a conflict number — use the N shown by 'conflicts'");
  auto context = open_context(in);
  if (!context) return fail(context.error());
  Context& ctx = *context;
  auto conflicts = ctx.replica->conflicts(true);
  if (!conflicts) return fail(conflicts.error());
  const sync::Conflict* found = nullptr;
  for (const auto& c : *conflicts)
    if (c.id == n) found = &c;
  if (!found) return fail("no conflict " + text + " on this replica", "list them with 'conflicts'");
  if (found->restored) return fail("conflict " + text + " was already restored", "list open ones with 'conflicts'");
  const std::string field = column_name(found->table, found->column);
  Status st = ctx.replica->transact([&]() -> Status {
    LIAISON_TRY(precheck(ctx, found->table, found->row, {{field, found->loser_value}}));
    return ctx.replica->restore_conflict(n);
  });
  if (!st) return fail(st.error(), "nothing was written");
  if (ctx.json)
    print_line(cli::json_object({{"restored", std::to_string(n)},
                                 {"table", cli::json_quote(table_name(found->table))},
                                 {"row", cli::json_quote(found->row.to_string())},
                                 {"field", cli::json_quote(field)},
                                 {"value", cli::json_value(found->loser_value)}}));
  else
    print_line("restored " + field + " = '" + display_value(field, found->loser_value) + "' on " +
               table_name(found->table) + " " + found->row.to_string() + "; the hub gets it at the next sync");
  return kExitOk;
}

int cmd_rejections(Invocation& in) {
  std::vector<std::string> words;
  if (auto bad = take_words(in.args, words, 0, 0, "rejections")) return *bad;
  auto context = open_context(in);
  if (!context) return fail(context.error());
  auto rejections = context->replica->rejections();
  if (!rejections) return fail(rejections.error());
  if (in.json) {
    std::vector<std::string> items;
    for (const auto& r : *rejections)
      items.push_back(cli::json_object({{"table", cli::json_quote(table_name(r.table))},
                                        {"row", cli::json_quote(r.row.to_string())},
                                        {"field", cli::json_quote(column_name(r.table, r.column))},
                                        {"value", cli::json_value(r.value)},
                                        {"code", cli::json_quote(errc_name(r.code))},
                                        {"reason", cli::json_quote(r.reason)}}));
    print_line(cli::json_array(items));
    return kExitOk;
  }
  if (rejections->empty()) {
    print_line("the hub has refused nothing from this node");
    return kExitOk;
  }
  cli::Table table{{"when", "table", "row", "field", "refused value", "code", "reason"}, {}};
  for (const auto& r : *rejections) {
    const std::string field = column_name(r.table, r.column);
    table.rows.push_back({cli::format_time(r.at_ms), table_name(r.table), r.row.to_string(), field,
                          display_value(field, r.value), errc_name(r.code), r.reason});
  }
  table.print(std::cout);
  return kExitOk;
}

}  // namespace liaison::client
