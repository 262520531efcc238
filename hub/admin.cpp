// The hub's admin commands on its own replica: cases, decisions,
// directives and their receipt matrix, nodes. Writes are the hub node's and
// pass the same authority check as anyone's.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>

#include "hub/commands.hpp"
#include "shared/field_format.hpp"
#include "shared/labels.hpp"
#include "sync/alerts.hpp"
#include "sync/authority.hpp"
#include "sync/case_view.hpp"
#include "sync/directives.hpp"
#include "sync/net/net.hpp"
#include "shared/workflow_rules.hpp"
#include "sync/overdue.hpp"
#include "sync/review.hpp"
#include "sync/staff_accounts.hpp"
#include "sync/row_lookup.hpp"
#include "sync/session.hpp"

namespace liaison::hub {
namespace {

using sync::Row;

std::int64_t now_ms() { return static_cast<std::int64_t>(std::time(nullptr)) * 1000; }

Result<std::string> county_option(cli::Args& args, const char* name) {
  auto c = args.option(name);
  if (c && !is_county(*c) && *c != kCityScope)
    return make_error(Errc::invalid_argument,
                      "--" + std::string(name) + " '" + *c +
                          "' is not a county: kecheng, qujiang, jiangshan, longyou, changshan, kaihua, or city");
  return c.value_or("");
}

}  // namespace

std::string short_id(const Uuid& id) { return id.to_string().substr(0, 8); }

Result<Uuid> resolve_id(sync::Replica& replica, TableId table, const std::string& text) {
  const std::string what(table == TableId::cases        ? "case"
                         : table == TableId::directives ? "directive"
                                                        : Schema::get().table(table).name);
  if (!sync::plausible_reference(table, text))
    return make_error(Errc::invalid_argument,
                      "'" + escape_for_terminal(text) + "' names no " + what + " — give " +
                          (table == TableId::cases ? "its ref (like K7Q-3M9), its official number, or " : "") +
                          "its id or at least the id's first 8 hex digits");
  auto row = sync::find_row(replica, table, text, what, true);
  if (!row && row.error().code == Errc::not_found)
    return make_error(Errc::not_found, "no " + what + " " + escape_for_terminal(text) + " at the hub");
  if (!row) return row.error();
  return row->id;
}

Outcome cmd_case_list(Context& ctx, cli::Args& args) {
  sync::RowFilter filter;
  auto county = county_option(args, "county");
  if (!county) return county.error();
  if (auto kind = args.option("kind")) {
    if (!Schema::get().find_kind(*kind)) return make_error(Errc::invalid_argument, "no case kind '" + *kind + "'");
    filter.equals.emplace_back("kind", *kind);
  }
  if (auto status = args.option("status")) filter.equals.emplace_back("status", *status);
  LIAISON_TRY(args.finish());
  auto rows = ctx.replica->list(TableId::cases, filter);
  if (!rows) return rows.error();
  std::erase_if(*rows, [&](const Row& r) { return !county->empty() && !sync::case_involves(r, *county); });
  std::stable_sort(rows->begin(), rows->end(),
                   [](const Row& a, const Row& b) { return to_display(a["county"]) < to_display(b["county"]); });
  std::vector<std::string> items;
  cli::Table table{{"ref", "number", "county", "kind", "status", "title"}, {}};
  for (const Row& r : *rows) {
    items.push_back(row_json(r));
    table.rows.push_back({to_display(r["ref"]), to_display(r["number"]), place_label(sync::case_place(r)),
                          kind_label(to_display(r["kind"])),
                          status_label(to_display(r["kind"]), to_display(r["status"])), to_display(r["title"])});
  }
  cli::Report report{cli::json_array(items), {}};
  report.table(table).line(english() ? std::to_string(rows->size()) + " case" + (rows->size() == 1 ? "" : "s")
                                     : "共 " + std::to_string(rows->size()) + " 件");
  return report;
}

Outcome cmd_case_search(Context& ctx, cli::Args& args) {
  const auto from = args.option("from");
  const auto to = args.option("to");
  const auto limit = args.option("limit");
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  auto query = sync::case_search_query(words, from, to, limit);
  if (!query) return query.error();
  return sync::case_search_report(*ctx.replica, *query);
}

Result<ShownCase> show_case(Context& ctx, const std::string& reference) {
  auto id = resolve_id(*ctx.replica, TableId::cases, reference);
  if (!id) return id.error();
  auto row = ctx.replica->get(TableId::cases, *id);
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, "no case with id " + id->to_string() + " at the hub");
  auto rules = sync::load_rules(*ctx.replica);
  if (!rules) return rules.error();
  auto flags = sync::review_case(*ctx.replica, **row, *rules, china_date(static_cast<std::uint64_t>(now_ms())));
  if (!flags) return flags.error();
  auto sheet = sync::case_sheet(*ctx.replica, **row, *flags);
  if (!sheet) return sheet.error();
  return ShownCase{std::move(**row), std::move(*sheet)};
}

Outcome cmd_case_show(Context& ctx, cli::Args& args) {
  const auto ids = args.positionals();
  LIAISON_TRY(args.finish());
  if (ids.size() != 1) return make_error(Errc::usage, "case show needs one case id — see --help");
  auto shown = show_case(ctx, ids[0]);
  if (!shown) return shown.error();
  return std::move(shown->sheet);
}

Outcome cmd_case_decide(Context& ctx, cli::Args& args) {
  const auto reason = args.option("reason");
  const auto province_ref = args.option("province-ref");
  const auto letter_no = args.option("letter-no");
  const bool despite_flags = args.flag("despite-flags");
  const auto by = args.option("by");
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 2)
    return make_error(Errc::usage, "case decide needs ID and approve|reject|return|forward — see --help");
  // The deciding officer, named in the history; the authority check below
  // holds the account to its role, as it does a city desk's.
  if (by) {
    auto account = sync::account_named(*ctx.replica, *by, kCityScope);
    if (!account) return account.error();
    if (account->disabled)
      return make_error(Errc::not_permitted,
                        in_language("the account city/" + *by + " is disabled", "账号 city/" + *by + " 已停用"));
    ctx.replica->set_staff(account->who.str());
  }
  static const std::map<std::string, std::string> kDecisions = {
      {"approve", "approved"},  {"reject", "rejected"},          {"return", "returned"},
      {"forward", "forwarded"}, {"acknowledge", "acknowledged"}, {"resolve", "resolved"}};
  const auto decision = kDecisions.find(words[1]);
  if (decision == kDecisions.end())
    return make_error(Errc::invalid_argument, "decision '" + words[1] +
                                                  "' must be approve, reject, return, forward (to the province), "
                                                  "acknowledge or resolve (an incident)");
  auto id = resolve_id(*ctx.replica, TableId::cases, words[0]);
  if (!id) return id.error();
  auto before = ctx.replica->get(TableId::cases, *id);
  if (!before) return before.error();
  if (!*before) return make_error(Errc::not_found, "no case with id " + id->to_string() + " at the hub");
  if (decision->second == "approved" || decision->second == "forwarded") {
    auto rules = sync::load_rules(*ctx.replica);
    if (!rules) return rules.error();
    auto flags = sync::review_case(*ctx.replica, **before, *rules, china_date(static_cast<std::uint64_t>(now_ms())));
    if (!flags) return flags.error();
    const auto standing = sync::standing_flags(std::move(*flags), despite_flags);
    if (!standing.empty()) return sync::flagged_decision(standing, words[1]);
  }
  sync::Fields fields = {{"status", decision->second}, {"updated_at", now_ms()}};
  if (reason) fields.emplace_back("decision_reason", *reason);
  if (province_ref) fields.emplace_back("province_ref", *province_ref);
  if (letter_no) fields.emplace_back("letter_no", *letter_no);
  LIAISON_TRY(ctx.replica->precheck(TableId::cases, *id, fields));
  LIAISON_TRY(ctx.replica->update(TableId::cases, *id, fields));
  auto decided = ctx.replica->get(TableId::cases, *id);
  if (!decided) return decided.error();
  const std::string ref = *decided ? to_display((**decided)["ref"]) : std::string();
  const std::string number = *decided ? to_display((**decided)["number"]) : std::string();
  cli::Report report{cli::json_object({{"id", cli::json_quote(id->to_string())},
                                       {"ref", cli::json_quote(ref)},
                                       {"number", cli::json_quote(number)},
                                       {"status", cli::json_quote(decision->second)}}),
                     {}};
  if (!english())
    return report.line("案件 " + ref + (number.empty() ? "" : "（" + number + "）") + " " +
                       status_label(to_display((**before)["kind"]), decision->second));
  return report.line("case " + ref + (number.empty() ? "" : " (" + number + ")") + " " + decision->second);
}

Outcome cmd_directive_issue(Context& ctx, cli::Args& args) {
  auto to = args.required("to");
  if (!to) return to.error();
  auto kind = args.required("kind");
  if (!kind) return kind.error();
  auto title = args.required("title");
  if (!title) return title.error();
  sync::DirectiveRequest request{*to, *kind, *title, args.option("body"), args.option("due"), {}, {}};
  const auto about = args.option("case");
  LIAISON_TRY(args.finish());
  if (about) {
    auto found = resolve_id(*ctx.replica, TableId::cases, *about);
    if (!found) return found.error();
    request.case_id = *found;
  }
  auto fields = sync::directive_fields(request, ctx.replica->self(), now_ms());
  if (!fields) return fields.error();
  auto id = ctx.replica->insert(TableId::directives, *fields);
  if (!id) return id.error();
  cli::Report report{cli::json_object({{"id", cli::json_quote(id->to_string())}}), {}};
  return report.line(id->to_string());
}

// The directive ID names, at the hub.
Result<Row> hub_directive(Context& ctx, const std::string& text) {
  auto id = resolve_id(*ctx.replica, TableId::directives, text);
  if (!id) return id.error();
  auto row = ctx.replica->get(TableId::directives, *id);
  if (!row) return row.error();
  if (!*row || (*row)->deleted()) return make_error(Errc::not_found, "no directive " + text + " at the hub");
  return std::move(**row);
}

Outcome cmd_directive_withdraw(Context& ctx, cli::Args& args) {
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 1) return make_error(Errc::usage, "directive withdraw needs the directive's id — see --help");
  auto d = hub_directive(ctx, words[0]);
  if (!d) return d.error();
  if (sync::withdrawn(*d))
    return make_error(Errc::invalid_argument, "directive " + d->id.to_string() + " is already withdrawn");
  auto reminders = ctx.replica->list(TableId::directives, {{{"reminds", d->id.to_string()}}, false, 0});
  if (!reminders) return reminders.error();
  LIAISON_TRY(ctx.replica->transact([&]() -> Status {
    LIAISON_TRY(ctx.replica->update(TableId::directives, d->id, {{"withdrawn", std::int64_t{1}}}));
    for (const Row& reminder : *reminders)  // its reminders with it
      if (!sync::withdrawn(reminder))
        LIAISON_TRY(ctx.replica->update(TableId::directives, reminder.id, {{"withdrawn", std::int64_t{1}}}));
    return {};
  }));
  cli::Report report{cli::json_object({{"id", cli::json_quote(d->id.to_string())}, {"withdrawn", "true"}}), {}};
  return report.line("withdrew directive " + d->id.to_string() + " (" + to_display((*d)["title"]) +
                     "); the counties see it withdrawn at their next sync");
}

Outcome cmd_directive_extend(Context& ctx, cli::Args& args) {
  auto due = args.required("due");
  if (!due) return due.error();
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 1) return make_error(Errc::usage, "directive extend needs the directive's id — see --help");
  auto d = hub_directive(ctx, words[0]);
  if (!d) return d.error();
  if (Status day = cli::check_date(*due); !day) return make_error(day.error().code, "--due " + day.error().message);
  const std::string today = china_date(static_cast<std::uint64_t>(now_ms()));
  const std::string before = to_display((*d)["due_on"]);
  if (*due < today || (!before.empty() && *due <= before))
    return make_error(Errc::invalid_argument, "--due " + *due + " does not extend the deadline (due " +
                                                  (before.empty() ? "no day" : before) + ", today " + today + ")");
  LIAISON_TRY(ctx.replica->update(TableId::directives, d->id, {{"due_on", *due}}));
  cli::Report report{cli::json_object({{"id", cli::json_quote(d->id.to_string())}, {"due_on", cli::json_quote(*due)}}),
                     {}};
  return report.line("directive " + d->id.to_string() + " now due " + *due + " (was " +
                     (before.empty() ? "no day" : before) + ")");
}

Outcome cmd_directive_remind(Context& ctx, cli::Args& args) {
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 1) return make_error(Errc::usage, "directive remind needs the directive's id — see --help");
  auto d = hub_directive(ctx, words[0]);
  if (!d) return d.error();
  if (sync::withdrawn(*d))
    return make_error(Errc::invalid_argument, "directive " + d->id.to_string() + " is withdrawn");
  auto silent = sync::counties_not_answered(*ctx.replica, *d);
  if (!silent) return silent.error();
  if (silent->empty())
    return make_error(Errc::invalid_argument, "every county directive " + d->id.to_string() +
                                                  " is addressed to has answered; no reminder sent");
  std::string to;
  for (const auto& county : *silent) to += (to.empty() ? "" : ",") + county;
  const std::string kind = to_display((*d)["kind"]) == "decision" ? "notice" : to_display((*d)["kind"]);
  sync::DirectiveRequest request{to, kind, "催办：" + to_display((*d)["title"]), std::nullopt, std::nullopt, {}, d->id};
  if (!is_null((*d)["due_on"]) && to_display((*d)["due_on"]) >= china_date(static_cast<std::uint64_t>(now_ms())))
    request.due = to_display((*d)["due_on"]);
  if (kind == "task" && !request.due) request.kind = "notice";  // its day is past: a reminder to answer at once
  request.body = "请尽快办理并回复《" + to_display((*d)["title"]) + "》。";
  auto fields = sync::directive_fields(request, ctx.replica->self(), now_ms());
  if (!fields) return fields.error();
  auto id = ctx.replica->insert(TableId::directives, *fields);
  if (!id) return id.error();
  cli::Report report{cli::json_object({{"id", cli::json_quote(id->to_string())}, {"to", cli::json_quote(to)}}), {}};
  if (!english())
    return report.line("已向 " + value_label("targets", "", to) + " 催办文件《" + to_display((*d)["title"]) +
                       "》（催办件 " + id->to_string() + "），优先于其他变更送达");
  return report.line("reminded " + to + " of directive " + d->id.to_string() + " (reminder " + id->to_string() +
                     "); it reaches them ahead of other changes");
}

Outcome cmd_directive_list(Context& ctx, cli::Args& args) {
  LIAISON_TRY(args.finish());
  auto directives = ctx.replica->list(TableId::directives);
  if (!directives) return directives.error();
  auto receipts = ctx.replica->list(TableId::directive_receipts);
  if (!receipts) return receipts.error();
  std::map<std::pair<std::string, std::string>, const Row*> by_key;  // (directive id, county)
  const std::string today = china_date(static_cast<std::uint64_t>(now_ms()));
  for (const Row& r : *receipts) by_key[{to_display(r["directive_id"]), to_display(r["county"])}] = &r;
  std::vector<std::string> items;
  std::map<std::string, std::string> titles;  // directive id -> title
  cli::Table table{{"id", "kind", "due", "title"}, {}};
  for (auto c : kCounties) table.headers.emplace_back(c);
  for (const Row& d : *directives) {
    std::vector<std::string> row = {
        d.id.to_string(), kind_label(to_display(d["kind"])), to_display(d["due_on"]),
        (sync::withdrawn(d) ? std::string(in_language("[withdrawn] ", "【已撤回】")) : std::string()) +
            to_display(d["title"])};
    std::vector<std::pair<std::string, std::string>> matrix;
    auto not_answered = sync::counties_not_answered(*ctx.replica, d);
    if (!not_answered) return not_answered.error();
    for (auto county : kCounties) {
      if (!sync::scope_visible(d.scope, county)) {
        row.push_back("");
        continue;
      }
      const auto it = by_key.find({d.id.to_string(), std::string(county)});
      const Row* receipt = it == by_key.end() ? nullptr : it->second;
      const bool acked = receipt && !is_null((*receipt)["acknowledged_at"]);
      const bool received = receipt && !is_null((*receipt)["received_at"]);
      const bool read = receipt && !is_null((*receipt)["read_at"]);
      const bool replied = receipt && !is_null((*receipt)["reply"]);
      // Answered in reply to one of its reminders.
      const bool answered_reminder =
          !replied && !acked && std::find(not_answered->begin(), not_answered->end(), county) == not_answered->end();
      // A task not answered by its due day is overdue from the day after.
      const bool overdue = !replied && !acked && !answered_reminder && !sync::withdrawn(d) && !is_null(d["due_on"]) &&
                           to_display(d["due_on"]) < today;
      const std::string seen = read       ? std::string(in_language("read", "已阅"))
                               : received ? std::string(in_language("received", "已收到"))
                                          : "";
      const std::string late(in_language("overdue", "逾期"));
      row.push_back(replied             ? std::string(in_language("replied", "已回复"))
                    : acked             ? std::string(in_language("acked", "已签收"))
                    : answered_reminder ? std::string(in_language("answered its reminder", "已回复催办"))
                    : overdue           ? (seen.empty() ? late : seen + in_language(", ", "，") + late)
                    : !seen.empty()     ? seen
                                        : "—");
      matrix.emplace_back(
          std::string(county),
          cli::json_object({{"received_at", receipt ? cli::json_value((*receipt)["received_at"]) : "null"},
                            {"read_at", receipt ? cli::json_value((*receipt)["read_at"]) : "null"},
                            {"acknowledged_at", receipt ? cli::json_value((*receipt)["acknowledged_at"]) : "null"},
                            {"reply", receipt ? cli::json_value((*receipt)["reply"]) : "null"},
                            {"overdue", overdue ? "true" : "false"},
                            {"answered_reminder", answered_reminder ? "true" : "false"}}));
    }
    table.rows.push_back(row);
    titles[d.id.to_string()] = to_display(d["title"]);
    std::string object = row_json(d);
    object.pop_back();
    items.push_back(object + ",\"receipts\":" + cli::json_object(matrix) + "}");
  }
  cli::Report report{cli::json_array(items), {}};
  report.table(table);
  for (const Row& r : *receipts) {
    const auto title = titles.find(to_display(r["directive_id"]));
    if (is_null(r["reply"]) || title == titles.end()) continue;
    report.line((english() ? to_display(r["county"]) + " replied to " + to_display(r["directive_id"]) + ": "
                           : county_label(to_display(r["county"])) + "回复《" + title->second + "》：") +
                to_display(r["reply"]));
  }
  return report;
}

Outcome cmd_directive_show(Context& ctx, cli::Args& args) {
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 1) return make_error(Errc::usage, "directive show needs the directive's id — see --help");
  auto d = hub_directive(ctx, words[0]);
  if (!d) return d.error();
  auto replies = ctx.replica->list(TableId::directive_replies, {{{"directive_id", d->id.to_string()}}, false, 0});
  if (!replies) return replies.error();
  std::vector<std::string> items;
  cli::Table table{{"county", "replied", "by", "reply"}, {}};
  for (const Row& r : *replies) {
    items.push_back(row_json(r));
    const auto* at = std::get_if<std::int64_t>(&r["replied_at"]);
    table.rows.push_back({to_display(r["county"]), at ? cli::format_time(static_cast<std::uint64_t>(*at)) : "",
                          to_display(r["replied_by"]), to_display(r["body"])});
  }
  std::string object = row_json(*d);
  object.pop_back();
  cli::Report report{object + ",\"replies\":" + cli::json_array(items) + "}", {}};
  const auto& def = Schema::get().table(TableId::directives);
  cli::Table fields{{"field", "field value"}, {{"id", d->id.to_string()}}};
  for (std::size_t c = 1; c < def.columns.size(); ++c)
    if (!is_null(d->values[c])) fields.rows.push_back({std::string(def.columns[c].name), to_display(d->values[c])});
  return report.table(fields).line("").table_or(table, "no replies yet");
}

Outcome cmd_alerts(Context& ctx, cli::Args& args) {
  LIAISON_TRY(args.finish());
  auto alerts = sync::find_alerts(*ctx.replica);
  if (!alerts) return alerts.error();
  return sync::alerts_report(*alerts, static_cast<std::uint64_t>(now_ms()));
}

Outcome cmd_settings(Context& ctx, cli::Args& args) {
  LIAISON_TRY(args.finish());
  auto rules = sync::load_rules(*ctx.replica);
  if (!rules) return rules.error();
  return sync::settings_report(*rules);
}

Outcome cmd_settings_set(Context& ctx, cli::Args& args) {
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 2) return make_error(Errc::usage, "settings set needs NAME and VALUE — see --help");
  if (auto problem = setting_problem(words[0], words[1]))
    return make_error(Errc::invalid_argument, *problem + "; nothing was changed");
  const sync::Fields fields = {{"name", words[0]},
                               {"value", words[1]},
                               {"targets", std::string(kAllCounties)},
                               {"set_by", ctx.replica->self().str()},
                               {"set_at", now_ms()}};
  auto made = ctx.replica->insert(TableId::settings, fields);
  if (!made) return made.error();
  const RuleDef& def = *find_rule(words[0]);
  cli::Report report{cli::json_object({{"name", cli::json_quote(def.name)}, {"value", words[1]}}), {}};
  return report.line(std::string(def.name) + " (" + std::string(def.label) + ") = " + words[1] + std::string(def.unit) +
                     "; every node gets it at its next sync");
}

Outcome cmd_overdue(Context& ctx, cli::Args& args) {
  auto county = county_option(args, "county");
  if (!county) return county.error();
  LIAISON_TRY(args.finish());
  const std::string today = china_date(static_cast<std::uint64_t>(now_ms()));
  auto items =
      sync::find_overdue(*ctx.replica, today, county->empty() ? std::nullopt : std::optional<std::string>(*county));
  if (!items) return items.error();
  return sync::overdue_report(*items, today);
}

// Beside the nodes, what would soon stop all of them: a revocation list
// about to expire, or expired (the hub then refuses every node).
void warn_about_crl(const Context& ctx) {
  if (ctx.config.crl.empty()) return;
  const sync::net::TlsFiles files{ctx.config.ca, ctx.config.cert, ctx.config.key, ctx.config.crl};
  auto crl = sync::net::load_crl(files);
  if (!crl) {
    std::cerr << "liaison-hub: warning: " << crl.error().message << "\n";
    return;
  }
  if (auto warning = sync::net::crl_expiry_warning(crl->status, static_cast<std::uint64_t>(now_ms()), ctx.config.crl))
    std::cerr << "liaison-hub: " << *warning << "\n";
}

Outcome cmd_nodes(Context& ctx, cli::Args& args) {
  LIAISON_TRY(args.finish());
  warn_about_crl(ctx);
  auto peers = ctx.replica->peers();
  if (!peers) return peers.error();
  std::vector<std::string> items;
  cli::Table table{{"node", "last seen", "pending cells", "behind (feed positions)"}, {}};
  const std::uint64_t end = ctx.replica->feed_end();
  for (const auto& [name, state] : *peers) {
    auto node = NodeId::parse(name);
    if (!node) continue;
    // Cells in the node's scope it has not pulled yet, counted up to a cap.
    constexpr std::size_t kCap = 100'000;
    auto page = ctx.replica->read_feed(state.pulled, kCap,
                                       sync::FeedFilter{.scope = std::string(node->scope()), .skip_node = name});
    if (!page) return page.error();
    const std::size_t pending = page->cells.size();
    const std::uint64_t behind = end > state.pulled.pos ? end - state.pulled.pos : 0;
    const std::string pending_text = std::to_string(pending) + (page->more ? "+" : "");
    table.rows.push_back({name, cli::format_time(state.last_seen_ms), pending_text, std::to_string(behind)});
    items.push_back(cli::json_object({{"node", cli::json_quote(name)},
                                      {"last_seen_ms", std::to_string(state.last_seen_ms)},
                                      {"pending_cells", std::to_string(pending)},
                                      {"behind", std::to_string(behind)}}));
  }
  cli::Report report{cli::json_array(items), {}};
  return report.table(table);
}

Outcome cmd_conflicts_restore(Context& ctx, cli::Args& args) {
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  std::int64_t number = 0;
  if (words.size() != 1 || (number = std::atoll(words[0].c_str())) <= 0 || std::to_string(number) != words[0])
    return make_error(Errc::usage, "conflicts restore needs one conflict number N, as 'conflicts' lists them");
  LIAISON_TRY(ctx.replica->restore_conflict(number));
  cli::Report report{cli::json_object({{"restored", std::to_string(number)}}), {}};
  return report.line("restored conflict " + std::to_string(number) + "; clients get the value at their next sync");
}

Outcome cmd_conflicts(Context& ctx, cli::Args& args) {
  const bool all = args.flag("all");
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (!words.empty()) return make_error(Errc::usage, "unexpected argument '" + words[0] + "' — conflicts [--all]");
  auto logged = ctx.replica->conflicts(all);
  if (!logged) return logged.error();
  std::vector<std::string> items;
  cli::Table table{{"N", "county", "row", "field", "kept", "by", "lost", "by"}, {}};
  for (const auto& c : *logged) {
    const auto& def = Schema::get().table(c.table);
    const std::string field(def.columns.at(c.column).name);
    if (!all && field == "updated_at") continue;  // every edit stamps it: bookkeeping, not staff's data
    auto row = ctx.replica->get(c.table, c.row);
    const std::string county = row && *row ? (*row)->scope : "";
    table.rows.push_back({std::to_string(c.id), county, std::string(def.name) + " " + short_id(c.row), field,
                          sync::display_value(field, c.winner_value), c.winner.node,
                          sync::display_value(field, c.loser_value), c.loser.node});
    items.push_back(cli::json_object({{"id", std::to_string(c.id)},
                                      {"scope", cli::json_quote(county)},
                                      {"table", cli::json_quote(def.name)},
                                      {"row", cli::json_quote(c.row.to_string())},
                                      {"field", cli::json_quote(field)},
                                      {"winner_value", sync::json_cell(field, c.winner_value)},
                                      {"winner_node", cli::json_quote(c.winner.node)},
                                      {"loser_value", sync::json_cell(field, c.loser_value)},
                                      {"loser_node", cli::json_quote(c.loser.node)},
                                      {"restored", c.restored ? "true" : "false"}}));
  }
  cli::Report report{cli::json_array(items), {}};
  return report.table_or(table, "no conflicts to review");
}

// What each node tried that the hub refused: for the city to see a
// misconfigured office, or a device trying what it must not.
Outcome cmd_rejections(Context& ctx, cli::Args& args) {
  sync::RefusalFilter filter;
  if (auto node = args.option("node")) {
    auto parsed = NodeId::parse(*node);
    if (!parsed) return make_error(Errc::invalid_argument, "--node: " + parsed.error().message);
    filter.node = parsed->str();
  }
  if (auto since = args.option("since")) {
    auto ms = cli::parse_time(*since);
    if (!ms) return make_error(Errc::invalid_argument, "--since " + ms.error().message);
    filter.since_ms = *ms;
  }
  LIAISON_TRY(args.finish());
  auto refused = ctx.replica->refusals(filter);
  if (!refused) return refused.error();
  std::vector<std::string> items;
  cli::Table table{{"at", "staff", "node", "certificate", "row", "field", "tried", "why"}, {}};
  for (const auto& r : *refused) {
    const auto& def = Schema::get().table(r.table);
    const std::string field(def.columns.at(r.column).name);
    table.rows.push_back({cli::format_time(r.at_ms), sync::staff_label(r.staff), r.node, r.certificate,
                          std::string(def.name) + " " + short_id(r.row), field, sync::display_value(field, r.value),
                          std::string(errc_name(r.code)) + ": " + r.reason});
    items.push_back(cli::json_object({{"at_ms", std::to_string(r.at_ms)},
                                      {"node", cli::json_quote(r.node)},
                                      {"staff", r.staff.empty() ? "null" : cli::json_quote(r.staff)},
                                      {"certificate", cli::json_quote(r.certificate)},
                                      {"table", cli::json_quote(def.name)},
                                      {"row", cli::json_quote(r.row.to_string())},
                                      {"field", cli::json_quote(field)},
                                      {"value", sync::json_cell(field, r.value)},
                                      {"stamp_node", cli::json_quote(r.stamp.node)},
                                      {"code", cli::json_quote(errc_name(r.code))},
                                      {"reason", cli::json_quote(r.reason)}}));
  }
  cli::Report report{cli::json_array(items), {}};
  return report.table_or(table, "no refused writes");
}

// A restored copy carries the old id, and clients would trust cursors and
// pushes that the copy never saw; a new id makes every client start over.
Outcome cmd_renew_id(Context& ctx, cli::Args& args) {
  LIAISON_TRY(args.finish());
  const Uuid before = ctx.replica->replica_id();
  LIAISON_TRY(ctx.replica->renew_replica_id());
  cli::Report report{cli::json_object({{"before", cli::json_quote(before.to_string())},
                                       {"replica_id", cli::json_quote(ctx.replica->replica_id().to_string())}}),
                     {}};
  return report.line("hub replica id " + before.to_string() + " -> " + ctx.replica->replica_id().to_string() +
                     "; clients resync and push everything at their next sync");
}

}  // namespace liaison::hub
