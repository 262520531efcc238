// The names people use for cases, kept unique at the hub: the short
// reference (given at creation, offline, and checked against the whole
// register when the case reaches the hub) and the official
// number a case gets when it leaves draft (per kind, county and year, with
// no gaps: the counter moves in the transaction that stores the number, so
// a group commit that fails takes its numbers back with it). Owned by a
// Replica::Impl; not thread-safe, like the replica.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "shared/error.hpp"
#include "shared/ids.hpp"
#include "sync/sqlite.hpp"

namespace liaison::sync {

// The hub's: a client draws a case's ref without it (new_case_ref).
class CaseRegister {
 public:
  // REQUIRES: the cases table has its `ref` column (schema 2 or a migrated
  // file). Prepares nothing on a client.
  Status prepare(sql::Database& db, bool hub);

  Result<bool> ref_taken(std::string_view ref, const Uuid& by_other_than);
  // A ref no other case in the register has, drawn again on a collision, as
  // often as it takes.
  Result<std::string> free_ref(std::mt19937_64& rng, const Uuid& for_case);
  // Hub: the next number of (kind, county, year), counted from 1.
  Result<std::int64_t> next_number(std::string_view kind, std::string_view county, int year);

 private:
  sql::Statement ref_taken_, next_number_;
};

// The civil year in China (UTC+8) at `unix_ms`: official numbers count by it.
int china_year(std::uint64_t unix_ms);

}  // namespace liaison::sync
