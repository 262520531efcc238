// The replica's logs, each a small class that owns its SQL over the
// replica's connection:
//   - ConflictLog (`_conflicts`): every losing value of a concurrent write;
//   - RejectionLog (`_rejections`, clients): the cells the hub refused;
//   - RefusalLog (`_refusals`, the hub): the same at the hub, with who sent them;
//   - ChangeHistory (`_history`, the hub): every change it accepted, with
//     who made it and the value it replaced;
//   - SeenChanges (`_seen_changes`, clients): the values it saw replaced.
// They are written inside the replica's transactions (a merge, a push) and
// read through Replica's accessors. Internal to sync/.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sync/authority.hpp"
#include "sync/replica.hpp"
#include "sync/sqlite.hpp"

namespace liaison::sync {

class ConflictLog {
 public:
  Status prepare(sql::Database& db);
  // The same loser against the same winner is logged once.
  Status record(TableId table, const Uuid& row, std::uint16_t column, const Value& loser_value, const Stamp& loser,
                const Value& winner_value, const Stamp& winner, std::uint64_t at_ms);
  Result<std::vector<Conflict>> list(bool include_restored);
  Status mark_restored(std::int64_t id);

 private:
  sql::Database* db_ = nullptr;
  sql::Statement insert_;
};

class RejectionLog {
 public:
  Status prepare(sql::Database& db);
  // `value` is the refused value as this replica holds it, `staff` the
  // person its cell names.
  Status record(const Rejection& rejection, const Value& value, std::string_view staff, std::uint64_t at_ms);
  Result<std::vector<RecordedRejection>> list();

 private:
  sql::Database* db_ = nullptr;
  sql::Statement insert_;
};

// A client's record of the values it saw replaced: by its own writes, and
// by cells merged from the hub (a value's first arrival is not recorded: a
// bootstrap writes nothing here). With the cells' own stamps and people,
// it is the case history a device can tell offline (sync/case_history.hpp).
class SeenChanges {
 public:
  Status prepare(sql::Database& db);
  Status record(TableId table, const Uuid& row, std::uint16_t column, const Value& old_value, const Stamp& old_stamp,
                const Cell& now, std::uint64_t at_ms);
  // Oldest first; `Change::at_ms` is when the new value was written.
  Result<std::vector<Change>> of_rows(std::span<const Uuid> rows);

 private:
  sql::Database* db_ = nullptr;
  sql::Statement insert_;
};

class RefusalLog {
 public:
  Status prepare(sql::Database& db);
  // A copy of a push refused again (its ack was lost) is one attempt.
  Status record(std::uint64_t at_ms, std::string_view node, std::string_view certificate, const Cell& cell,
                const Verdict& verdict);
  Result<std::vector<Refusal>> list(const RefusalFilter& filter);
  // Of `rows`, and of the records refused whole that named `case_id`.
  Result<std::vector<Refusal>> of_case(const Uuid& case_id, std::span<const Uuid> rows);

 private:
  sql::Database* db_ = nullptr;
  sql::Statement insert_;
};

class ChangeHistory {
 public:
  // `chain_old`: the history was kept before the chain (the column was just
  // added); its entries are chained now, in the order they were written.
  Status prepare(sql::Database& db, bool chain_old);
  // `node` (certificate `certificate`), with `staff` signed in there (or
  // none), changed a cell of an existing row.
  Status record_change(std::uint64_t at_ms, std::string_view node, std::string_view certificate, std::string_view staff,
                       TableId table, const Uuid& row, std::uint16_t column, const Value& old_value,
                       const Stamp& old_stamp, const Value& new_value, const Stamp& new_stamp);
  // ...or created the row: one entry for all its first values.
  Status record_creation(std::uint64_t at_ms, std::string_view node, std::string_view certificate,
                         std::string_view staff, TableId table, const Uuid& row, const Stamp& stamp);
  Result<std::vector<Change>> list(const ChangeFilter& filter);
  Result<std::vector<Change>> of_rows(std::span<const Uuid> rows);
  Result<AuditCheck> verify(std::string_view exported_head);
  Result<AuditHead> head();

 private:
  // Chains the entries written before the chain existed (a hub's history
  // from an older release), oldest first.
  Status chain_old_entries();
  Status insert(std::uint64_t at_ms, std::string_view node, std::string_view certificate, std::string_view staff,
                TableId table, const Uuid& row, std::uint16_t column, bool created_row, const Value& old_value,
                const Stamp& old_stamp, const Value& new_value, const Stamp& new_stamp);
  sql::Database* db_ = nullptr;
  sql::Statement insert_;
  sql::Statement last_;  // the latest entry's id and hash
};

}  // namespace liaison::sync
