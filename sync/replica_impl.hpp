// Internals of Replica shared by its translation units (replica.cpp,
// replica_merge.cpp, replica_feed.cpp): the stored row with its per-cell
// clocks, the clock blob format, node-id interning, per-table prepared
// statements and the logs (replica_logs.hpp). Not part of the engine's
// interface.
#pragma once

#include <array>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "sync/authority.hpp"
#include "sync/case_register.hpp"
#include "sync/case_search.hpp"
#include "sync/replica.hpp"
#include "sync/replica_logs.hpp"
#include "sync/sqlite.hpp"

namespace liaison::sync {

// Clock of one stored cell. Node ids are interned (`_nodes`): 0 = none.
struct CellMeta {
  std::uint64_t hlc = 0;
  std::uint32_t node = 0;
  std::uint64_t seq = 0;  // local feed position of this cell's last change
  std::uint64_t base_hlc = 0;
  std::uint32_t base_node = 0;
  std::uint32_t staff = 0;  // the staff ref, interned like nodes; 0 = none
  bool present() const noexcept { return node != 0; }
};

struct StoredRow {
  bool exists = false;
  std::int64_t rowid = 0;
  std::vector<Value> values;
  std::vector<CellMeta> meta;
  std::string scope;
  std::uint64_t seq = 0;
};

// `_clock` blob: for each written column, ascending, six LEB128 varints:
// column, hlc, node ref, seq, base hlc, base node ref. A cell written by a
// signed-in person (schema 5) has its column plus kClockStaffFlag and a
// seventh varint, the staff ref: blobs written before read unchanged.
inline constexpr std::uint64_t kClockStaffFlag = 1u << 14;
std::vector<std::uint8_t> encode_clock(const std::vector<CellMeta>& meta);
// False when the blob is cut short, names a column the table lacks, or a
// node or person ref of `node_count` or more: a damaged file.
bool decode_clock(std::span<const std::uint8_t> blob, std::vector<CellMeta>& meta, std::size_t node_count);

struct TableStatements {
  sql::Statement select_by_id;
  sql::Statement insert;
  sql::Statement update;
  sql::Statement feed;         // all rows after a seq
  sql::Statement feed_scoped;  // rows after a seq of one county (hub)
  // Rows after a seq of cases shared by several counties, visible to a
  // county (hub; only for cases and their records, else empty).
  std::optional<sql::Statement> feed_shared;
};

struct Replica::Impl {
  ReplicaOptions options;
  std::unique_ptr<sql::Database> db;
  HybridClock clock;
  Uuid replica_id;
  std::mt19937_64 rng;
  std::uint64_t seq = 0;
  std::uint64_t persisted_hlc = 0;
  int depth = 0;                   // transaction nesting
  std::int64_t data_version = -1;  // PRAGMA data_version when last in step with the file
  // Another process grew the feed, seen by any of our reads of the file
  // (a transaction's start sees it too): kept until refresh() reports it.
  bool grown_elsewhere = false;
  std::uint32_t self_ref = 0;
  std::string staff;                    // who local writes are made by (Replica::set_staff); empty: the device
  std::uint32_t migrated_from = 0;      // the schema version this opening migrated from; 0: none
  bool chain_old_history = false;       // hub: this opening added the history's hash chain
  std::vector<std::string> node_names;  // index = ref; [0] = ""
  std::unordered_map<std::string, std::uint32_t> node_refs;
  std::uint32_t last_node_ref = 0;  // the ref node_ref() returned last
  std::array<TableStatements, kTableCount> tables;
  sql::Statement insert_node, get_meta, put_meta, data_version_stmt;
  ConflictLog conflict_log;
  RejectionLog rejection_log;  // clients
  RefusalLog refusal_log;      // the hub
  ChangeHistory history;       // the hub
  SeenChanges seen_changes;    // clients
  CaseRegister case_register;
  CaseSearchIndex search;

  explicit Impl(ReplicaOptions opts) : options(std::move(opts)), clock(options.wall) {}

  TableStatements& stmts(TableId t) { return tables[static_cast<std::size_t>(t)]; }
  Result<std::uint32_t> node_ref(const std::string& name);
  Stamp stamp(std::uint64_t hlc, std::uint32_t node) const { return {hlc, node_names.at(node)}; }
  Stamp stamp_of(const CellMeta& m) const { return stamp(m.hlc, m.node); }
  Stamp base_of(const CellMeta& m) const { return stamp(m.base_hlc, m.base_node); }
  const std::string& staff_of(const CellMeta& m) const { return node_names.at(m.staff); }
  // The cell as it travels: value, stamp, base and who wrote it.
  Cell cell_of(TableId table, const Uuid& id, std::uint16_t column, const Value& value, const CellMeta& m) const {
    return Cell{table, id, column, value, stamp_of(m), base_of(m), staff_of(m)};
  }
  Status reload_nodes();
  // Brings in-memory state (feed end, node refs, clock) in step with commits
  // made by other connections to the same file (admin commands beside a
  // running hub); sets grown_elsewhere when they grew the feed.
  Status refresh_from_disk();

  Result<StoredRow> load(TableId table, const Uuid& id);
  Status store(TableId table, const Uuid& id, StoredRow& row);
  // Row as the authority check sees it.
  CurrentRow current_of(const StoredRow& row) const;
  RowLookup lookup();
  // Row fields read by a feed or select statement starting at column `first`.
  // A row whose clock is damaged is an error that says so (after reading
  // the node table again: another program may have added to it).
  Status read_row(sql::Statement& st, int first, TableId table, StoredRow& row);

  // Last-writer-wins merge of one cell into a loaded row; true if it changed.
  Result<bool> merge_cell(TableId table, const Uuid& id, StoredRow& row, const Cell& cell, std::uint64_t seq,
                          MergeStats& stats);
  Status set_scope_if_unknown(TableId table, StoredRow& row);

  // Hub: gives a case about to be stored a ref if it has none or another
  // case holds it, and its official number if it has left draft without
  // one; hub-stamped cells at feed position `seq`, recorded in the history.
  // Returns them (for the pusher's corrections). case_register.cpp.
  // `entered_ms`: when the case left draft, where that was before now (a
  // migration numbers old cases in the year they entered the register).
  Result<std::vector<Cell>> register_case(const Uuid& id, StoredRow& row, std::uint64_t seq,
                                          std::optional<std::uint64_t> entered_ms = std::nullopt);
};

}  // namespace liaison::sync
