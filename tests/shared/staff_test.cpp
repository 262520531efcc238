// Tests for staff accounts' rules (shared/staff.hpp): which login names
// identify someone unambiguously, and which stored passwords a device or
// the hub accepts.
#include "shared/staff.hpp"

#include <doctest/doctest.h>

#include <string>

#include "password_hash_fixture.hpp"
#include "shared/schema.hpp"

namespace liaison {

TEST_CASE("a login name that looks like another is refused: invisible characters, controls, '/'") {
  CHECK_FALSE(staff_name_problem("王伟"));
  CHECK_FALSE(staff_name_problem("Wang Wei"));
  for (const char* look_alike : {"王\u200b伟", "\ufeff王伟", "王伟\u200d", "王\u2060伟", "王\u00ad伟", "王伟\u202e",
                                 "王\u200e伟", "王\x7f伟", "王\u0085伟", "龙游/王伟", " 王伟"}) {
    CAPTURE(look_alike);
    CHECK(staff_name_problem(look_alike));
    CHECK_FALSE(parse_staff_ref(std::string("longyou/") + look_alike));
  }
}

TEST_CASE("a stored password is an Argon2id hash within this program's limits, and a refusal never shows it") {
  const auto hash = hash_password("secret1").value();
  CHECK_FALSE(password_hash_problem(hash));
  CHECK(password_matches(hash, "secret1"));
  CHECK_FALSE(password_matches(hash, "secret2"));
  CHECK_FALSE(password_hash_problem(kTestPasswordHash));
  CHECK(password_matches(kTestPasswordHash, "liaison-test"));

  const std::string salt_and_hash = "$MRn2SCPgJeGtum06loxFfQ$EnGb5rgSo2SAG1F3MV+mVTx7zXipHX65p9QIlEAdf24";
  for (const std::string bad : {
           std::string("$argon2id$test"),
           std::string("secret1"),                                  // a password stored in the clear
           "$argon2id$v=19$m=4194304,t=2,p=1" + salt_and_hash,      // 4 GiB to sign in
           "$argon2id$v=19$m=65536,t=1000000,p=1" + salt_and_hash,  // a million passes
           "$argon2id$v=19$m=8,t=1,p=1" + salt_and_hash,            // weaker than the program's own
           "$argon2id$v=19$m=65536,t=2,p=4" + salt_and_hash,        // lanes
           "$argon2i$v=19$m=65536,t=2,p=1" + salt_and_hash,         // another variant
           std::string("$argon2id$v=19$m=65536,t=2,p=1$!!$!!"),     // not base64
       }) {
    CAPTURE(bad);
    const auto problem = password_hash_problem(bad);
    REQUIRE(problem);
    CHECK(problem->find(salt_and_hash) == std::string::npos);
    CHECK_FALSE(password_matches(bad, "liaison-test"));
  }
  // The account's field holds nothing else, for the hub and every device.
  const auto& def = Schema::get().table(TableId::staff);
  const auto& password = def.columns[*def.column_index("password")];
  CHECK(value_problem(password, Value{std::string("$argon2id$test")}));
  CHECK_FALSE(value_problem(password, Value{std::string(kTestPasswordHash)}));
}

}  // namespace liaison
