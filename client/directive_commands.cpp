// `directive list|show|ack|issue`. Directives come from the city (its hub's
// shell or a city desk: issue); each county writes one receipt per directive
// (sync/receipts.hpp: the rule for its id, and marking directives received
// at each sync), read when a person first shows it, and keeps every reply.
#include <variant>

#include "shared/labels.hpp"
#include "client/commands.hpp"
#include "client/output.hpp"
#include "sync/directives.hpp"
#include "sync/receipts.hpp"
#include "sync/row_lookup.hpp"

namespace liaison::client {
namespace {

constexpr std::string_view kDirectiveColumns[] = {"kind", "title", "body", "due_on", "targets", "withdrawn", "reminds"};
constexpr std::string_view kReceiptColumns[] = {"received_at", "read_at", "acknowledged_at", "reply"};

std::string text_of(const Value& value) {
  const auto* text = std::get_if<std::string>(&value);
  return text ? *text : std::string();
}

// Directives this node may see (the hub only sends those, but a city
// node's replica may hold any).
Result<std::vector<sync::Row>> visible_directives(sync::Replica& replica, const NodeId& node) {
  auto rows = replica.list(TableId::directives);
  if (!rows) return rows.error();
  std::vector<sync::Row> out;
  for (auto& row : *rows)
    if (sync::scope_visible(row.scope, node.scope())) out.push_back(std::move(row));
  return out;
}

// This county's receipt for `directive`, if it has one (none on city nodes).
Result<std::optional<sync::Row>> receipt_of(sync::Replica& replica, const NodeId& node, const Uuid& directive) {
  if (node.is_city()) return std::optional<sync::Row>{};
  return replica.get(TableId::directive_receipts, sync::directive_receipt_id(directive, node.scope()));
}

std::string directive_json(const sync::Row& directive, const std::optional<sync::Row>& receipt) {
  std::vector<std::pair<std::string, std::string>> members;
  members.emplace_back("id", cli::json_quote(directive.id.to_string()));
  for (const auto column : kDirectiveColumns)
    members.emplace_back(std::string(column), cli::json_value(directive[column]));
  for (const auto column : kReceiptColumns)
    members.emplace_back(std::string(column), receipt ? cli::json_value((*receipt)[column]) : "null");
  return cli::json_object(members);
}

}  // namespace

Outcome cmd_directive_list(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "directive list"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto directives = visible_directives(*context->replica, context->node);
  if (!directives) return directives.error();
  std::vector<std::string> items;
  cli::Table table{{"id", "kind", "due", "title", "received", "acknowledged", "reply"}, {}};
  for (const auto& directive : *directives) {
    auto receipt = receipt_of(*context->replica, context->node, directive.id);
    if (!receipt) return receipt.error();
    items.push_back(directive_json(directive, *receipt));
    const auto of_receipt = [&](std::string_view column) {
      return *receipt ? display_value(column, (**receipt)[column]) : std::string();
    };
    table.rows.push_back({directive.id.to_string(), kind_label(text_of(directive["kind"])),
                          text_of(directive["due_on"]),
                          (sync::withdrawn(directive) ? "[withdrawn] " : "") + text_of(directive["title"]),
                          of_receipt("received_at"), of_receipt("acknowledged_at"), of_receipt("reply")});
  }
  cli::Report report{cli::json_array(items), {}};
  return report.table_or(table, "no directives on this replica — they arrive with 'sync'");
}

Outcome cmd_directive_show(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "directive show ID"));
  if (!sync::plausible_reference(TableId::directives, words[0]))
    return make_error(Errc::usage, "'" + words[0] +
                                       "' is not a directive id — give at least its first 8 hex digits, as 'directive "
                                       "list' shows it");
  auto context = open_context(in);
  if (!context) return context.error();
  auto directive = sync::find_row(*context->replica, TableId::directives, words[0], "directive");
  if (!directive) return directive.error();
  auto receipt = receipt_of(*context->replica, context->node, directive->id);
  if (!receipt) return receipt.error();
  // Shown to a person at a county: read, beside received (by the device).
  if (!context->node.is_city() && sync::scope_visible(directive->scope, context->node.scope()) &&
      (!*receipt || is_null((**receipt)["read_at"]))) {
    const auto now = static_cast<std::int64_t>(context->now_ms());
    sync::Fields fields = {{"read_at", now}};
    if (!*receipt)
      fields.insert(fields.end(), {{"directive_id", directive->id.to_string()},
                                   {"county", std::string(context->node.scope())},
                                   {"received_at", now}});
    auto written = checked_insert(*context, TableId::directive_receipts, fields,
                                  sync::directive_receipt_id(directive->id, context->node.scope()));
    if (!written) return advised(written.error(), "the directive was not marked read");
    receipt = receipt_of(*context->replica, context->node, directive->id);
    if (!receipt) return receipt.error();
  }
  auto replies =
      context->replica->list(TableId::directive_replies, {{{"directive_id", directive->id.to_string()}}, false, 0});
  if (!replies) return replies.error();
  std::vector<std::string> reply_items;
  cli::Table reply_table{{"county", "replied", "by", "reply"}, {}};
  for (const auto& r : *replies) {
    reply_items.push_back(row_json(r));
    reply_table.rows.push_back({text_of(r["county"]), display_value("replied_at", r["replied_at"]),
                                text_of(r["replied_by"]), text_of(r["body"])});
  }
  cli::Report report{row_json(*directive, {{"receipt", *receipt ? row_json(**receipt) : std::string("null")},
                                           {"replies", cli::json_array(reply_items)}}),
                     {}};
  if (sync::withdrawn(*directive)) report.line("withdrawn by the city: nothing is due");
  report.table(row_table(*directive));
  if (*receipt)
    report.line("").line("receipt of " + std::string(context->node.scope()) + ":").table(row_table(**receipt));
  if (!replies->empty()) report.line("").table(reply_table);
  return report;
}

Outcome cmd_directive_issue(Invocation& in) {
  const auto to = in.args.option("to");
  const auto kind = in.args.option("kind");
  const auto title = in.args.option("title");
  sync::DirectiveRequest request{
      to.value_or(""), kind.value_or(""), title.value_or(""), in.args.option("body"), in.args.option("due"), {}, {}};
  const auto about = in.args.option("case");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "directive issue --to COUNTIES --kind KIND --title T"));
  for (const auto& [given, name] : {std::pair{to, "to"}, std::pair{kind, "kind"}, std::pair{title, "title"}})
    if (!given)
      return make_error(Errc::usage,
                        std::string("missing --") + name +
                            " — usage: liaison-client directive issue --to COUNTIES --kind KIND --title T");
  auto context = open_context(in);
  if (!context) return context.error();
  if (!context->node.is_city())
    return advised(Errc::not_permitted,
                   "only the city office issues directives; " + context->node.str() + " is a county node",
                   "nothing was written");
  if (about) {
    auto found = sync::find_row(*context->replica, TableId::cases, *about, "case");
    if (!found) return found.error();
    request.case_id = found->id;
  }
  auto fields = sync::directive_fields(request, context->node, static_cast<std::int64_t>(context->now_ms()));
  if (!fields) return fields.error();
  auto id = checked_insert(*context, TableId::directives, *fields);
  if (!id) return advised(id.error(), "nothing was written");
  cli::Report report{cli::json_object({{"id", cli::json_quote(id->to_string())}}), {}};
  return report.line(english() ? "issued directive " + id->to_string() + " to " + request.to +
                                     "; it reaches them after this desk's next sync"
                               : "已向 " + value_label("targets", "", request.to) + " 下达文件 " + id->to_string() +
                                     "，本机下次同步后送达");
}

Outcome cmd_directive_ack(Invocation& in) {
  const auto reply = in.args.option("reply");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "directive ack ID [--reply TEXT]"));
  if (!sync::plausible_reference(TableId::directives, words[0]))
    return make_error(Errc::usage, "'" + words[0] +
                                       "' is not a directive id — give at least its first 8 hex digits, as 'directive "
                                       "list' shows it");
  auto context = open_context(in);
  if (!context) return context.error();
  Context& ctx = *context;
  if (ctx.node.is_city())
    return advised(Errc::not_permitted,
                   "only county offices acknowledge directives; " + ctx.node.str() + " is a city node",
                   "see who has replied with the hub's reports");
  auto directive = sync::find_row(*ctx.replica, TableId::directives, words[0], "directive");
  if (!directive) return directive.error();
  const std::string id = directive->id.to_string();
  if (!sync::scope_visible(directive->scope, ctx.node.scope()))
    return advised(Errc::out_of_scope, "directive " + id + " is not addressed to " + std::string(ctx.node.scope()),
                   "nothing was written");
  auto receipt = receipt_of(*ctx.replica, ctx.node, directive->id);
  if (!receipt) return receipt.error();
  const bool acknowledged = *receipt && !is_null((**receipt)["acknowledged_at"]);
  if (acknowledged && !reply) {
    cli::Report report{directive_json(*directive, *receipt), {}};
    return report.line("directive " + id + " was already acknowledged on " +
                       display_value("acknowledged_at", (**receipt)["acknowledged_at"]));
  }
  const auto now = static_cast<std::int64_t>(ctx.now_ms());
  sync::Fields fields;
  if (!*receipt) fields = {{"directive_id", id}, {"county", std::string(ctx.node.scope())}};
  if (!*receipt || is_null((**receipt)["received_at"])) fields.emplace_back("received_at", now);
  fields.emplace_back("acknowledged_at", now);
  if (reply) {
    // Named only with a reply: an acknowledgement alone must not put this
    // device's name on a reply another device wrote.
    fields.emplace_back("reply", *reply);
    fields.emplace_back("replied_by", ctx.node.str());
  }
  // The receipt holds the latest reply; every reply is also kept as one of
  // its own, so a second does not hide the first.
  Status st = ctx.replica->transact([&]() -> Status {
    auto written = checked_insert(ctx, TableId::directive_receipts, fields,
                                  sync::directive_receipt_id(directive->id, ctx.node.scope()));
    if (!written) return written.error();
    if (!reply) return {};
    auto kept = checked_insert(ctx, TableId::directive_replies,
                               {{"directive_id", id},
                                {"county", std::string(ctx.node.scope())},
                                {"body", *reply},
                                {"replied_by", ctx.node.str()},
                                {"replied_at", now}});
    if (!kept) return kept.error();
    return {};
  });
  if (!st) return advised(st.error(), "nothing was written");
  auto after = receipt_of(*ctx.replica, ctx.node, directive->id);
  if (!after) return after.error();
  cli::Report report{directive_json(*directive, *after), {}};
  report.line(english() ? "acknowledged directive " + id + (reply ? " with a reply" : "") +
                              "; the city sees it after the next sync"
                        : std::string(reply ? "已回复" : "已签收") + "文件《" + text_of((*directive)["title"]) +
                              "》，下次同步后市外办可见");
  if (!reply && text_of((*directive)["kind"]) == "task")
    report.line(english() ? "this is a task: the city expects a reply — 'directive ack " + id + " --reply TEXT'"
                          : "这是一项任务，市外办需要回复：directive ack " + id + " --reply 回复内容");
  return report;
}

}  // namespace liaison::client
