// Staff accounts: who, of the people at a county's or the city's desks, made
// a change. An account is a row of the synced `staff` table (schema 5),
// named by its county (or `city`) and login name; its id is derived from
// both, so two desks adding the same person converge on one row. A cell
// written by a signed-in person carries a staff ref, "longyou/王伟", next to
// its device's stamp; the hub's authority check holds the account and its
// role to what the cell does (sync/authority.cpp). Value types and pure
// functions; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "shared/error.hpp"
#include "shared/field_format.hpp"
#include "shared/ids.hpp"

namespace liaison {

// What a role lets a person do. An administrator keeps the accounts of its
// county (the city's: every account) and writes no case; a director also
// decides (approves, rejects, returns, forwards); an officer moves cases
// through the rest of their workflow; a clerk enters and edits records but
// moves no case; a viewer only reads.
inline constexpr std::array<Choice, 5> kStaffRoles = {
    {{"admin", "管理员"}, {"director", "负责人"}, {"officer", "经办人"}, {"clerk", "录入员"}, {"viewer", "查阅人"}}};

// The roles as the programs' help gives them.
inline constexpr std::string_view kStaffRolesHelp =
    "admin (管理员: accounts only), director (负责人: also decides), officer (经办人: moves cases), "
    "clerk (录入员: enters records), viewer (查阅人: reads)";

// What a cell does, for the role check.
enum class StaffAct {
  device,           // written by the device itself (a directive marked received): no one's act
  write_record,     // a field or record entered or edited
  change_status,    // a case moved on in its workflow
  decide,           // a case approved, rejected, returned or forwarded
  manage_accounts,  // a staff account added, changed or disabled
};

// 负责人 / "director": a role as people read it (an unknown one as it is).
std::string role_label(std::string_view role);

// The refusal of `act` to someone of `role` ("a clerk does not move
// cases"), in the reader's language; nothing when the role allows it.
std::optional<std::string> role_refusal(std::string_view role, StaffAct act);

// Whether moving a case from `from` to `to` is a decision on it: a case
// awaiting one (submitted, or forwarded to the province; `from` empty: a
// case made straight into `to`) approved, rejected, returned or forwarded.
// A passport's "returned" (handed back) is not.
bool is_decision(std::string_view from, std::string_view to) noexcept;

// The person behind a cell: county (or "city") and login name.
struct StaffRef {
  std::string county;
  std::string name;

  std::string str() const { return county + "/" + name; }
  friend bool operator==(const StaffRef&, const StaffRef&) = default;
};

// Accepts "county/name": a county or "city", and a name of 1-32 characters
// on one line, without '/' and without spaces at either end.
Result<StaffRef> parse_staff_ref(std::string_view text);
// What is wrong with `name` as a login name, or nothing.
std::optional<std::string> staff_name_problem(std::string_view name);
// The id of the account's row in `staff`.
Uuid staff_row_id(const StaffRef& who);

// Argon2id (libsodium's crypto_pwhash_str, interactive limits): the only
// form in which a password or PIN is kept.
Result<std::string> hash_password(std::string_view password);
bool password_matches(std::string_view hash, std::string_view password);
// What is wrong with `hash` as a stored password: not Argon2id in
// libsodium's form, or limits outside what this program uses (64-256 MiB
// of memory, 2-4 passes, one lane: a device would not sign anyone in with
// a hash asking for gigabytes, nor keep one weaker than its own), or
// nothing. Never names the hash.
std::optional<std::string> password_hash_problem(std::string_view hash);
// What is wrong with a new password (too short, too long), or nothing.
std::optional<std::string> password_problem(std::string_view password);

}  // namespace liaison
