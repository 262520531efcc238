// Staff accounts, roles and passwords; see staff.hpp.
#include "shared/staff.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdio>

#include "shared/labels.hpp"
#include "shared/node_id.hpp"
#include "shared/text.hpp"

namespace liaison {
namespace {

// The namespace of account ids: a fixed id, never used for anything else.
const Uuid& staff_namespace() {
  static const Uuid id = *Uuid::parse("5e7f0a3c-2b1d-4c8e-9a6f-1d2c3b4a5f60");
  return id;
}

constexpr std::size_t kMaxNameChars = 32;
constexpr std::size_t kMinPasswordChars = 6;
constexpr std::size_t kMaxPasswordBytes = 256;

}  // namespace

std::string role_label(std::string_view role) {
  for (const auto& choice : kStaffRoles)
    if (choice.value == role) return english() ? std::string(role) : std::string(choice.label);
  return std::string(role);
}

bool is_decision(std::string_view from, std::string_view to) noexcept {
  const bool awaiting = from.empty() || from == "submitted" || from == "forwarded";
  return awaiting && (to == "approved" || to == "rejected" || to == "returned" || to == "forwarded");
}

std::optional<std::string> role_refusal(std::string_view role, StaffAct act) {
  const auto refused = [&](std::string_view en, std::string_view zh) {
    return in_language("a person with the role " + std::string(role) + " " + std::string(en),
                       "角色为「" + role_label(role) + "」的人员" + std::string(zh));
  };
  if (act == StaffAct::device) return std::nullopt;
  if (role == "admin")
    return act == StaffAct::manage_accounts
               ? std::nullopt
               : std::optional(refused("keeps the accounts and writes no case — sign in as an officer",
                                       "只管理账号，不办理案件 — 请以经办人身份登录"));
  if (act == StaffAct::manage_accounts)
    return refused("may not change accounts — ask an administrator", "不能管理账号 — 请联系管理员");
  if (role == "viewer") return refused("only reads", "只能查阅，不能修改");
  if (role == "clerk" && act != StaffAct::write_record)
    return refused("enters records but moves no case — ask an officer", "可以录入，但不能办理流转 — 请由经办人办理");
  if (role == "officer" && act == StaffAct::decide)
    return refused("does not decide on a case — a director approves, rejects or returns it",
                   "不能作出审批决定 — 批准、不予批准或退回须由负责人办理");
  if (role == "director" || role == "officer" || role == "clerk") return std::nullopt;
  return in_language("unknown role '" + std::string(role) + "'", "未知角色「" + std::string(role) + "」");
}

std::optional<std::string> staff_name_problem(std::string_view name) {
  if (name.empty()) return in_language("the name is empty", "姓名为空");
  if (!is_valid_utf8(name)) return in_language("the name is not UTF-8 text", "姓名不是有效的 UTF-8 文字");
  if (count_chars(name) > kMaxNameChars)
    return in_language("the name is longer than 32 characters", "姓名超过 32 个字符");
  if (name.front() == ' ' || name.back() == ' ')
    return in_language("the name starts or ends with a space", "姓名首尾不能有空格");
  if (std::any_of(name.begin(), name.end(), [](char c) { return c == '/' || static_cast<unsigned char>(c) < 0x20; }))
    return in_language("the name holds '/' or a control character", "姓名不能包含「/」或控制字符");
  if (has_invisible_char(name) || text_problem(name, {}))
    return in_language("the name holds an invisible or control character — type it again",
                       "姓名含有不可见字符或控制字符 — 请重新输入");
  return std::nullopt;
}

Result<StaffRef> parse_staff_ref(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return make_error(Errc::invalid_argument, "staff ref '" + std::string(text) + "' is not county/name");
  const std::string_view county = text.substr(0, slash), name = text.substr(slash + 1);
  if (county != kCityScope && !is_county(county))
    return make_error(Errc::invalid_argument, "staff ref '" + std::string(text) + "' names no county or city");
  if (auto problem = staff_name_problem(name))
    return make_error(Errc::invalid_argument, "staff ref '" + std::string(text) + "': " + *problem);
  return StaffRef{std::string(county), std::string(name)};
}

Uuid staff_row_id(const StaffRef& who) { return derived_uuid(staff_namespace(), who.str()); }

std::optional<std::string> password_problem(std::string_view password) {
  if (count_chars(password) < kMinPasswordChars)
    return in_language("the password is shorter than 6 characters", "密码少于 6 个字符");
  if (password.size() > kMaxPasswordBytes)
    return in_language("the password is longer than 256 bytes", "密码超过 256 字节");
  return std::nullopt;
}

Result<std::string> hash_password(std::string_view password) {
  if (sodium_init() < 0) return make_error(Errc::storage_failed, "libsodium could not start");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return make_error(Errc::storage_failed, "out of memory hashing the password — close other programs and try again");
  return std::string(out);
}

std::optional<std::string> password_hash_problem(std::string_view hash) {
  const auto refused = [] {
    return in_language("is not a password hash of this program (Argon2id, 64-256 MiB, 2-4 passes)",
                       "不是本程序生成的密码摘要（Argon2id，64–256 MiB，2–4 轮）");
  };
  // "$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>": libsodium's format.
  if (hash.size() >= crypto_pwhash_STRBYTES || !hash.starts_with("$argon2id$v=19$m=")) return refused();
  unsigned long memory_kib = 0, passes = 0, lanes = 0;
  const std::string copy(hash);
  if (std::sscanf(copy.c_str(), "$argon2id$v=19$m=%lu,t=%lu,p=%lu$", &memory_kib, &passes, &lanes) != 3)
    return refused();
  if (memory_kib < crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024 || memory_kib > crypto_pwhash_MEMLIMIT_MODERATE / 1024 ||
      passes < crypto_pwhash_OPSLIMIT_INTERACTIVE || passes > crypto_pwhash_OPSLIMIT_SENSITIVE || lanes != 1)
    return refused();
  // libsodium parses the rest (salt and hash in base64).
  if (sodium_init() < 0 || crypto_pwhash_str_needs_rehash(copy.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) < 0)
    return refused();
  return std::nullopt;
}

bool password_matches(std::string_view hash, std::string_view password) {
  // A hash with other limits could ask for gigabytes: not this program's.
  if (sodium_init() < 0 || password_hash_problem(hash)) return false;
  char stored[crypto_pwhash_STRBYTES] = {};
  std::copy(hash.begin(), hash.end(), stored);
  return crypto_pwhash_str_verify(stored, password.data(), password.size()) == 0;
}

}  // namespace liaison
