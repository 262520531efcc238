// Staff accounts in a replica; see staff_accounts.hpp.
#include "sync/staff_accounts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>

#include "shared/labels.hpp"
#include "shared/node_id.hpp"
#include "shared/text.hpp"

namespace liaison::sync {
namespace {

std::string text(const Row& row, std::string_view column) { return to_display(row[column]); }

StaffAccount account_of(const Row& row) {
  StaffAccount a;
  a.who = {text(row, "county"), text(row, "name")};
  a.role = text(row, "role");
  a.full_name = text(row, "full_name");
  a.disabled = row["disabled"] == Value{std::int64_t{1}};
  a.password_hash = text(row, "password");
  return a;
}

std::string roles_list() {
  std::string out;
  for (const auto& choice : kStaffRoles)
    out += (out.empty() ? "" : ", ") + std::string(choice.value) + " (" + std::string(choice.label) + ")";
  return out;
}

// One line of `in`, without its line end.
std::string first_line(std::istream& in) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Typed at the terminal with echo off; nothing when there is no terminal.
// The terminal is read key by key, with Ctrl-C and Ctrl-\ as keys rather
// than signals, so that its echo is always put back: they cancel. The
// erase key takes back a character, the kill key (Ctrl-U) the whole line.
Result<std::optional<std::string>> typed_at_terminal(std::string_view prompt) {
  const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty < 0) return std::optional<std::string>();
  termios saved{};
  if (::tcgetattr(tty, &saved) != 0) {
    ::close(tty);
    return std::optional<std::string>();
  }
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON | ISIG);
  quiet.c_cc[VMIN] = 1;
  quiet.c_cc[VTIME] = 0;
  ::tcsetattr(tty, TCSAFLUSH, &quiet);
  (void)!::write(tty, prompt.data(), prompt.size());
  std::string typed;
  bool cancelled = false;
  for (;;) {
    unsigned char c = 0;
    const ssize_t got = ::read(tty, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got != 1 || c == '\n' || c == '\r' || (saved.c_cc[VEOF] != _POSIX_VDISABLE && c == saved.c_cc[VEOF])) break;
    const auto is_key = [&](int which) { return saved.c_cc[which] != _POSIX_VDISABLE && c == saved.c_cc[which]; };
    if (is_key(VINTR) || is_key(VQUIT)) {
      cancelled = true;
      break;
    }
    if (is_key(VERASE) || c == '\b' || c == 0x7f) {
      while (!typed.empty() && (static_cast<unsigned char>(typed.back()) & 0xc0) == 0x80) typed.pop_back();
      if (!typed.empty()) typed.pop_back();
    } else if (is_key(VKILL)) {
      typed.clear();
    } else if (c >= 0x20) {  // other control keys (Ctrl-Z, Esc) are no part of a password
      typed += static_cast<char>(c);
    }
  }
  ::tcsetattr(tty, TCSAFLUSH, &saved);
  (void)!::write(tty, "\n", 1);
  ::close(tty);
  if (cancelled)
    return make_error(Errc::usage, in_language("cancelled — nothing was changed", "已取消 — 未作任何修改"));
  return std::optional<std::string>(std::move(typed));
}

}  // namespace

Result<std::optional<StaffAccount>> find_account(Replica& replica, const StaffRef& who) {
  auto row = replica.get(TableId::staff, staff_row_id(who));
  if (!row) return row.error();
  if (!*row || (*row)->deleted()) return std::optional<StaffAccount>();
  return std::optional<StaffAccount>(account_of(**row));
}

Result<std::vector<StaffAccount>> list_accounts(Replica& replica, std::string_view scope) {
  RowFilter filter;
  if (!scope.empty()) filter.equals.emplace_back("county", Value{std::string(scope)});
  auto rows = replica.list(TableId::staff, filter);
  if (!rows) return rows.error();
  std::vector<StaffAccount> out;
  for (const Row& row : *rows) out.push_back(account_of(row));
  std::sort(out.begin(), out.end(), [](const StaffAccount& a, const StaffAccount& b) {
    return std::tie(a.who.county, a.who.name) < std::tie(b.who.county, b.who.name);
  });
  return out;
}

Result<StaffAccount> account_named(Replica& replica, std::string_view name, std::string_view scope) {
  if (!scope.empty()) {
    auto found = find_account(replica, StaffRef{std::string(scope), std::string(name)});
    if (!found) return found.error();
    if (!*found)
      return make_error(Errc::not_found,
                        in_language("no account '" + std::string(name) + "' of " + std::string(scope) +
                                        " here — 'staff list' shows the accounts; a new one is added with 'staff add'",
                                    county_label(scope) + "没有账号「" + std::string(name) +
                                        "」— 用 staff list 查看账号，用 staff add 添加"));
    return **found;
  }
  auto all = list_accounts(replica);
  if (!all) return all.error();
  std::vector<StaffAccount> named;
  for (auto& a : *all)
    if (a.who.name == name) named.push_back(std::move(a));
  if (named.size() == 1) return named.front();
  if (named.empty())
    return make_error(Errc::not_found,
                      in_language("no account '" + std::string(name) + "' here — 'staff list' shows the accounts",
                                  "没有账号「" + std::string(name) + "」— 用 staff list 查看账号"));
  std::string where;
  for (const auto& a : named) where += (where.empty() ? "" : ", ") + a.who.county;
  return make_error(
      Errc::usage,
      in_language("several accounts are named '" + std::string(name) + "' (" + where + ") — say which with --county",
                  "有多个账号名为「" + std::string(name) + "」（" + where + "）— 请用 --county 指明单位"));
}

Status check_account_holder(const StaffRef& who, std::string_view role) {
  if (who.county != kCityScope && !is_county(who.county))
    return make_error(Errc::usage,
                      in_language("'" + who.county +
                                      "' is no county — give one of the six "
                                      "counties, or city for the city office",
                                  "「" + who.county + "」不是县（市、区）— 请填写六个县（市、区）之一，市外办填 city"));
  if (auto problem = staff_name_problem(who.name))
    return make_error(Errc::usage, in_language("the login name is not valid: ", "登录名无效：") + *problem);
  if (std::none_of(kStaffRoles.begin(), kStaffRoles.end(), [&](const Choice& c) { return c.value == role; }))
    return make_error(Errc::usage, in_language("unknown role '" + std::string(role) + "' — give one of: ",
                                               "未知角色「" + std::string(role) + "」— 可选：") +
                                       roles_list());
  return {};
}

Status add_account(AccountWriter& writer, const NewAccount& account) {
  LIAISON_TRY(check_account_holder(account.who, account.role));
  if (auto problem = password_problem(account.password)) return make_error(Errc::usage, *problem);
  auto existing = find_account(writer.replica, account.who);
  if (!existing) return existing.error();
  if (*existing)
    return make_error(Errc::invalid_argument,
                      in_language(account.who.str() + " has an account already — 'staff reset' gives it a new "
                                                      "password, 'staff enable' opens it again",
                                  account.who.str() + " 已有账号 — 用 staff reset 重设密码，用 staff enable 重新启用"));
  auto hash = hash_password(account.password);
  if (!hash) return hash.error();
  Fields fields = {
      {"name", account.who.name}, {"county", account.who.county},       {"role", account.role},
      {"password", *hash},        {"disabled", Value{std::int64_t{0}}}, {"deleted", Value{std::int64_t{0}}}};
  if (!account.full_name.empty()) fields.emplace_back("full_name", account.full_name);
  return writer.write(staff_row_id(account.who), fields);
}

Status set_account_disabled(AccountWriter& writer, const StaffAccount& account, bool disabled) {
  return writer.write(staff_row_id(account.who), {{"disabled", Value{std::int64_t{disabled ? 1 : 0}}}});
}

Status reset_password(AccountWriter& writer, const StaffAccount& account, std::string_view password) {
  if (auto problem = password_problem(password)) return make_error(Errc::usage, *problem);
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  return writer.write(staff_row_id(account.who), {{"password", *hash}});
}

Result<std::string> read_password(const std::optional<std::string>& file, std::string_view prompt, bool confirm) {
  if (file) {
    // Said, not refused: scripts pass a file they made, and a person should
    // know who else can read it.
    if (struct stat st{}; ::stat(file->c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
      std::cerr << in_language("warning: other users of this computer can read the password file " +
                                   escape_for_terminal(*file) + " — chmod 600 it",
                               "注意：本机其他用户可以读取密码文件 " + escape_for_terminal(*file) +
                                   " — 请执行 chmod 600 " + escape_for_terminal(*file))
                << '\n';
    std::ifstream in(*file);
    if (!in)
      return make_error(Errc::usage, in_language("can't read the password file " + *file +
                                                     " — give a file whose first line is the password",
                                                 "无法读取密码文件 " + *file + " — 文件第一行应为密码"));
    return first_line(in);
  }
  auto typed = typed_at_terminal(prompt);
  if (!typed) return typed.error();
  if (*typed) {
    if (!confirm) return **typed;
    auto again = typed_at_terminal(in_language("Again: ", "再输入一次："));
    if (!again) return again.error();
    if (!*again || **again != **typed)
      return make_error(Errc::usage, in_language("the two passwords differ — nothing was changed",
                                                 "两次输入的密码不一致 — 未作任何修改"));
    return **typed;
  }
  if (std::cin.good()) return first_line(std::cin);
  return make_error(Errc::usage, in_language("no password: type it at a terminal, or give --password-file FILE",
                                             "没有密码：请在终端输入，或用 --password-file 文件"));
}

std::string account_label(const StaffAccount& account) {
  const std::string name = account.full_name.empty() ? account.who.name : account.full_name;
  if (english()) return name + " (" + account.who.county + ", " + account.role + ")";
  return name + "（" + county_label(account.who.county) + "，" + role_label(account.role) + "）";
}

std::string staff_label(std::string_view staff_ref) {
  if (staff_ref.empty()) return "";
  auto who = parse_staff_ref(staff_ref);
  if (!who) return std::string(staff_ref);
  if (english()) return who->name + " (" + who->county + ")";
  return who->name + "（" + county_label(who->county) + "）";
}

cli::Report accounts_report(const std::vector<StaffAccount>& accounts) {
  cli::Table table{{"login", "county", "staff role", "full name", "account"}, {}};
  std::vector<std::string> items;
  for (const auto& a : accounts) {
    const std::string state = a.disabled ? in_language("disabled", "已停用") : in_language("active", "在用");
    table.rows.push_back({a.who.name, county_label(a.who.county), role_label(a.role), a.full_name, state});
    items.push_back(cli::json_object({{"name", cli::json_quote(a.who.name)},
                                      {"county", cli::json_quote(a.who.county)},
                                      {"role", cli::json_quote(a.role)},
                                      {"full_name", cli::json_quote(a.full_name)},
                                      {"disabled", a.disabled ? "true" : "false"}}));
  }
  return cli::Report{cli::json_array(items), {}}.table_or(table, in_language("no staff accounts", "没有人员账号"));
}

Result<SignedIn> load_signed_in(Replica& replica) {
  SignedIn out;
  auto stored = replica.meta(meta_key::kSignedIn);
  if (!stored) return stored.error();
  if (!*stored || (*stored)->empty()) return out;
  auto who = parse_staff_ref(**stored);
  std::optional<StaffAccount> account;
  if (who) {
    auto found = find_account(replica, *who);
    if (!found) return found.error();
    account = std::move(*found);
  }
  if (!account || account->disabled) {
    out.signed_out = **stored;
    LIAISON_TRY(sign_out(replica));
    return out;
  }
  replica.set_staff(account->who.str());
  out.account = std::move(account);
  return out;
}

Status sign_in(Replica& replica, const StaffAccount& account) {
  LIAISON_TRY(replica.set_meta(meta_key::kSignedIn, account.who.str()));
  replica.set_staff(account.who.str());
  return {};
}

Status sign_out(Replica& replica) {
  LIAISON_TRY(replica.set_meta(meta_key::kSignedIn, ""));
  replica.set_staff("");
  return {};
}

}  // namespace liaison::sync
