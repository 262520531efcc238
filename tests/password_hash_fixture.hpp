// A stored password as the programs keep it, for tests and the simulation
// that write accounts without paying for Argon2id (a tenth of a second and
// 64 MiB each): libsodium's hash of "liaison-test" at interactive limits.
#pragma once

namespace liaison {

inline constexpr const char* kTestPasswordHash =
    "$argon2id$v=19$m=65536,t=2,p=1$MRn2SCPgJeGtum06loxFfQ$EnGb5rgSo2SAG1F3MV+mVTx7zXipHX65p9QIlEAdf24";

}  // namespace liaison
