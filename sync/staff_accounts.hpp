// Staff accounts kept in a replica's `staff` table (shared/staff.hpp), as
// the commands of both programs use them: find, list, add, disable, enable
// and reset a password; sign a person in on a device and keep who is
// signed in (the client's `_meta`). The hub writes accounts as itself; a
// county device writes them as its signed-in administrator, and the hub's
// authority check holds it to its own county.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/command.hpp"
#include "shared/staff.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

// An account as people read it.
struct StaffAccount {
  StaffRef who;
  std::string role;
  std::string full_name;
  bool disabled = false;
  std::string password_hash;
};

// The account of `who`, nothing when there is none (or it was removed).
Result<std::optional<StaffAccount>> find_account(Replica& replica, const StaffRef& who);
// Accounts of `scope` (a county or "city"; empty: all), by county then name.
Result<std::vector<StaffAccount>> list_accounts(Replica& replica, std::string_view scope = {});
// The account named `name` in `scope`, or, with no scope, the only account
// of that name anywhere: an error says what to give when there are several
// or none.
Result<StaffAccount> account_named(Replica& replica, std::string_view name, std::string_view scope);

// A new account: a known county or city, a login name, a role, a password.
struct NewAccount {
  StaffRef who;
  std::string role;
  std::string password;
  std::string full_name;
};
// Whom and what role it is for, checked before a password is asked for:
// errors say what was wrong.
Status check_account_holder(const StaffRef& who, std::string_view role);

// Writing accounts: `write` makes or changes the row `id` (Replica::insert
// with a chosen id): the hub's own write, or a county device's pre-checked
// one, so that one set of rules serves both programs.
struct AccountWriter {
  Replica& replica;
  std::function<Status(const Uuid& id, const Fields& fields)> write;
};
// Refuses an account that already exists (reset or enable it instead).
Status add_account(AccountWriter& writer, const NewAccount& account);
Status set_account_disabled(AccountWriter& writer, const StaffAccount& account, bool disabled);
Status reset_password(AccountWriter& writer, const StaffAccount& account, std::string_view password);

// Reads a password: the first line of `file` when given, else typed at the
// terminal without echo (asked twice with `confirm`), else a line of
// standard input. Errors say what to give.
Result<std::string> read_password(const std::optional<std::string>& file, std::string_view prompt, bool confirm);

// The table of accounts: login, county, role, name, state.
cli::Report accounts_report(const std::vector<StaffAccount>& accounts);
// "王伟（龙游县，经办人）"
std::string account_label(const StaffAccount& account);
// A staff ref as people read it: "王伟（龙游县）"; "" for none.
std::string staff_label(std::string_view staff_ref);

// ---- signing in (a client device) ----
// Who is signed in on this device: the account, when the person signed in
// still has one that is not disabled. An account disabled or removed since
// (a sync brought it) is signed out here, and `signed_out` says who was.
struct SignedIn {
  std::optional<StaffAccount> account;
  std::string signed_out;  // the staff ref signed out just now, if any
};
Result<SignedIn> load_signed_in(Replica& replica);
Status sign_in(Replica& replica, const StaffAccount& account);
Status sign_out(Replica& replica);

}  // namespace liaison::sync
