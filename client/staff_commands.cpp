// `staff ...` on a county or city device: signing in and out (a shared PC
// switches between the people at its desk), who is signed in, the accounts
// this device holds, and, for a signed-in administrator, adding, disabling,
// enabling accounts of its county and resetting their passwords. Accounts
// reach a device with its sync; so do the changes made here.
#include <chrono>
#include <thread>

#include "client/commands.hpp"
#include "shared/labels.hpp"
#include "sync/staff_accounts.hpp"

namespace liaison::client {
namespace {

sync::AccountWriter writer_of(Context& ctx) {
  return {*ctx.replica, [&ctx](const Uuid& id, const sync::Fields& fields) -> Status {
            auto written = checked_insert(ctx, TableId::staff, fields, id);
            return written ? Status{} : Status{written.error()};
          }};
}

std::string scope_of(const Context& ctx) { return std::string(ctx.node.scope()); }

// NAME of this device's county (or the city, on a city desk).
Result<sync::StaffAccount> account_here(Context& ctx, const std::string& name) {
  return sync::account_named(*ctx.replica, name, scope_of(ctx));
}

}  // namespace

Outcome cmd_staff_signin(Invocation& in) {
  const auto file = in.args.option("password-file");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "staff signin NAME [--password-file FILE]"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto account = account_here(*context, words[0]);
  if (!account)
    return make_error(
        account.error().code,
        account.error().message + in_language(" (accounts come with the sync: sync once the hub has added it)",
                                              "（账号随同步下发：市级添加后请先同步）"));
  if (account->disabled)
    return make_error(Errc::not_permitted,
                      in_language("the account " + account->who.str() + " is disabled — an administrator enables it",
                                  "账号 " + account->who.str() + " 已停用 — 请联系管理员启用"));
  // A hash from an older release, or damaged: asking for the password
  // would only end in "wrong password".
  if (password_hash_problem(account->password_hash))
    return make_error(Errc::not_permitted,
                      in_language("the stored password of " + account->who.str() +
                                      " is not one this program can check — an administrator resets it ('staff reset')",
                                  "账号 " + account->who.str() + " 保存的密码无法校验 — 请管理员重置（staff reset）"));
  auto password = sync::read_password(file, in_language("Password: ", "密码："), false);
  if (!password) return password.error();
  if (!password_matches(account->password_hash, *password)) {
    // Slows down guessing at the keyboard; the hash itself is slow too.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    return make_error(Errc::not_permitted, in_language("wrong password for " + account->who.name +
                                                           " — nobody was "
                                                           "signed in",
                                                       account->who.name + " 的密码不正确 — 未登录"));
  }
  LIAISON_TRY(sync::sign_in(*context->replica, *account));
  return cli::message_report(in_language(sync::account_label(*account) + " is signed in on " + context->node.str(),
                                         sync::account_label(*account) + " 已在 " + context->node.str() + " 登录"));
}

Outcome cmd_staff_signout(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "staff signout"));
  auto context = open_context(in);
  if (!context) return context.error();
  if (!context->signed_in) return cli::message_report(in_language("nobody was signed in", "本设备没有人员登录"));
  LIAISON_TRY(sync::sign_out(*context->replica));
  return cli::message_report(in_language(sync::account_label(*context->signed_in) + " is signed out",
                                         sync::account_label(*context->signed_in) + " 已退出登录"));
}

Outcome cmd_staff_whoami(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "staff whoami"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto since = context->replica->staff_since(context->node.scope());
  if (!since) return since.error();
  std::string line;
  if (context->signed_in)
    line = in_language(sync::account_label(*context->signed_in) + " on " + context->node.str(),
                       sync::account_label(*context->signed_in) + "，设备 " + context->node.str());
  else if (!context->signed_out.empty())
    line = in_language(context->signed_out + " was signed out: the account was disabled",
                       context->signed_out + " 已退出登录：账号已停用");
  else
    line = *since ? in_language("nobody is signed in: sign in to make changes ('staff signin NAME')",
                                "没有人员登录：修改前请先登录（staff signin 姓名）")
                  : in_language("nobody is signed in; " + std::string(context->node.scope()) +
                                    " has no staff accounts yet, so changes are the device's",
                                "没有人员登录；本单位尚无人员账号，修改记在设备名下");
  const auto& a = context->signed_in;
  return cli::Report{cli::json_object({{"node", cli::json_quote(context->node.str())},
                                       {"staff", a ? cli::json_quote(a->who.str()) : "null"},
                                       {"role", a ? cli::json_quote(a->role) : "null"},
                                       {"sign_in_required", *since ? "true" : "false"}}),
                     {}}
      .line(line);
}

Outcome cmd_staff_list(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "staff list"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto accounts = sync::list_accounts(*context->replica);
  if (!accounts) return accounts.error();
  return sync::accounts_report(*accounts);
}

Outcome cmd_staff_add(Invocation& in) {
  auto name = in.args.required("name");
  auto role = in.args.required("role");
  const auto full_name = in.args.option("full-name");
  const auto file = in.args.option("password-file");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "staff add --name NAME --role ROLE [--password-file FILE]"));
  if (!name) return make_error(Errc::usage, name.error().message);
  if (!role) return make_error(Errc::usage, role.error().message);
  auto context = open_context(in);
  if (!context) return context.error();
  sync::NewAccount account{{scope_of(*context), *name}, *role, "", full_name.value_or("")};
  LIAISON_TRY(sync::check_account_holder(account.who, account.role));
  auto password = sync::read_password(file, in_language("New password: ", "新密码："), true);
  if (!password) return password.error();
  account.password = *password;
  auto writer = writer_of(*context);
  LIAISON_TRY(sync::add_account(writer, account));
  return cli::message_report(
      in_language("added " + account.who.str() + "; the hub and the county's devices get it at the next sync",
                  "已添加 " + account.who.str() + "；下次同步后市级和本单位各设备可用"));
}

namespace {

Outcome set_disabled(Invocation& in, bool disabled, std::string_view synopsis) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, synopsis));
  auto context = open_context(in);
  if (!context) return context.error();
  auto account = account_here(*context, words[0]);
  if (!account) return account.error();
  auto writer = writer_of(*context);
  LIAISON_TRY(sync::set_account_disabled(writer, *account, disabled));
  return cli::message_report(
      disabled ? in_language(account->who.str() + " is disabled: it signs in nowhere after the next sync",
                             account->who.str() + " 已停用：同步后在任何设备都不能登录")
               : in_language(account->who.str() + " is enabled again", account->who.str() + " 已重新启用"));
}

}  // namespace

Outcome cmd_staff_disable(Invocation& in) { return set_disabled(in, true, "staff disable NAME"); }
Outcome cmd_staff_enable(Invocation& in) { return set_disabled(in, false, "staff enable NAME"); }

Outcome cmd_staff_reset(Invocation& in) {
  const auto file = in.args.option("password-file");
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 1, 1, "staff reset NAME [--password-file FILE]"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto account = account_here(*context, words[0]);
  if (!account) return account.error();
  auto password = sync::read_password(file, in_language("New password: ", "新密码："), true);
  if (!password) return password.error();
  auto writer = writer_of(*context);
  LIAISON_TRY(sync::reset_password(writer, *account, *password));
  return cli::message_report(
      in_language(account->who.str() + " has a new password", account->who.str() + " 的密码已重设"));
}

}  // namespace liaison::client
