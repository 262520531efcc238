// `liaison-hub staff ...`: the city's administration of staff accounts, for
// the city office and every county: add, disable, enable, reset, list. The
// hub writes them as itself; each county's devices get their county's
// accounts (with the password's Argon2id hash, so that people sign in
// offline) at their next sync, the city's desks the city's.
#include "hub/commands.hpp"
#include "shared/labels.hpp"
#include "shared/node_id.hpp"
#include "sync/staff_accounts.hpp"

namespace liaison::hub {
namespace {

sync::AccountWriter writer_of(Context& ctx) {
  return {*ctx.replica, [&ctx](const Uuid& id, const sync::Fields& fields) -> Status {
            auto written = ctx.replica->insert(TableId::staff, fields, id);
            return written ? Status{} : Status{written.error()};
          }};
}

Result<std::string> scope_option(cli::Args& args) {
  const auto county = args.option("county");
  if (county && *county != kCityScope && !is_county(*county))
    return make_error(Errc::usage, in_language("--county '" + *county +
                                                   "' is not a county: kecheng, qujiang, jiangshan, longyou, "
                                                   "changshan, kaihua, or city",
                                               "--county「" + *county +
                                                   "」不是县（市、区）：kecheng, qujiang, jiangshan, longyou, "
                                                   "changshan, kaihua，市外办填 city"));
  return county.value_or("");
}

// The account NAME [--county C] names.
Result<sync::StaffAccount> named_account(Context& ctx, cli::Args& args, std::string_view synopsis) {
  auto scope = scope_option(args);
  if (!scope) return scope.error();
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 1)
    return make_error(
        Errc::usage, in_language("give one login name — usage: liaison-hub ", "请给出一个登录名 — 用法：liaison-hub ") +
                         std::string(synopsis));
  return sync::account_named(*ctx.replica, words[0], *scope);
}

}  // namespace

Outcome cmd_staff_add(Context& ctx, cli::Args& args) {
  auto name = args.required("name");
  auto county = args.required("county");
  auto role = args.required("role");
  const auto full_name = args.option("full-name");
  const auto file = args.option("password-file");
  LIAISON_TRY(args.finish());
  for (const auto* given : {&name, &county, &role})
    if (!*given) return make_error(Errc::usage, given->error().message);
  sync::NewAccount account{{*county, *name}, *role, "", full_name.value_or("")};
  LIAISON_TRY(sync::check_account_holder(account.who, account.role));
  auto password = sync::read_password(file, in_language("New password: ", "新密码："), true);
  if (!password) return password.error();
  account.password = *password;
  auto writer = writer_of(ctx);
  LIAISON_TRY(sync::add_account(writer, account));
  return cli::message_report(in_language(
      "added " + account.who.str() + " (" + account.role + "); " +
          (account.who.county == kCityScope ? std::string("the city's desks")
                                            : "the devices of " + account.who.county) +
          " get it at their next sync",
      "已添加 " + account.who.str() + "；" + county_label(account.who.county) + "的设备下次同步后即可登录"));
}

Outcome cmd_staff_disable(Context& ctx, cli::Args& args) {
  auto account = named_account(ctx, args, "staff disable NAME [--county C]");
  if (!account) return account.error();
  auto writer = writer_of(ctx);
  LIAISON_TRY(sync::set_account_disabled(writer, *account, true));
  return cli::message_report(in_language(
      account->who.str() + " is disabled: each device signs it out at its next sync, and the hub refuses its "
                           "changes made after now",
      account->who.str() + " 已停用：各设备下次同步后退出登录，此后以其名义的修改一律拒收"));
}

Outcome cmd_staff_enable(Context& ctx, cli::Args& args) {
  auto account = named_account(ctx, args, "staff enable NAME [--county C]");
  if (!account) return account.error();
  auto writer = writer_of(ctx);
  LIAISON_TRY(sync::set_account_disabled(writer, *account, false));
  return cli::message_report(in_language(account->who.str() + " is enabled again", account->who.str() + " 已重新启用"));
}

Outcome cmd_staff_reset(Context& ctx, cli::Args& args) {
  const auto file = args.option("password-file");
  auto account = named_account(ctx, args, "staff reset NAME [--county C] [--password-file FILE]");
  if (!account) return account.error();
  auto password = sync::read_password(file, in_language("New password: ", "新密码："), true);
  if (!password) return password.error();
  auto writer = writer_of(ctx);
  LIAISON_TRY(sync::reset_password(writer, *account, *password));
  return cli::message_report(in_language(account->who.str() + " has a new password; devices get it at their next sync",
                                         account->who.str() + " 的密码已重设；各设备下次同步后生效"));
}

Outcome cmd_staff_list(Context& ctx, cli::Args& args) {
  auto scope = scope_option(args);
  if (!scope) return scope.error();
  LIAISON_TRY(args.finish());
  auto accounts = sync::list_accounts(*ctx.replica, *scope);
  if (!accounts) return accounts.error();
  return sync::accounts_report(*accounts);
}

}  // namespace liaison::hub
