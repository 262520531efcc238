// A replica: one SQLite file (WAL) holding the domain tables of the schema,
// materialised, plus the bookkeeping that makes them sync:
//   - every domain row carries `_scope` (its county, "*" or ",a,b," for
//     directives), `_seq` (local feed position of its latest change) and
//     `_clock` (per-cell stamp, base and seq, packed);
//   - `_conflicts`: every losing value of a concurrent write, restorable;
//   - `_history` (hub): every change the hub accepted, with who made it and
//     the value it replaced;
//   - `_rejections`: cells the hub refused (client side); `_refusals`: the
//     same at the hub, with who sent them (hub side);
//   - `_peers`: durable feed cursors per peer; `_nodes`, `_meta`.
// Local writes go through insert/update/remove, which update the row and its
// cell clocks in one transaction. Remote cells arrive through apply_remote
// (last writer wins per cell on (hlc, node); idempotent, commutative,
// associative on rows and clocks) or, on the hub, apply_push (authority
// checked first). The merge cases are documented in docs/PROTOCOL.md.
//
// Not thread-safe: one owner thread. The Replica must outlive nothing else;
// closing it (destructor) leaves the file consistent at the last commit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "shared/case_ref.hpp"
#include "shared/error.hpp"
#include "shared/ids.hpp"
#include "shared/node_id.hpp"
#include "shared/schema.hpp"
#include "sync/cell.hpp"
#include "sync/hlc.hpp"
#include "sync/protocol.hpp"

namespace liaison::sync {

struct ReplicaOptions {
  std::string path;  // SQLite file; created if missing
  NodeId self;       // who local writes are stamped as
  bool hub = false;  // hub replicas index the feed by scope
  WallClock wall = system_wall_clock();
  std::uint64_t seed = 0;          // id generator seed; 0 = from the OS
  bool durable = true;             // synchronous=NORMAL (WAL) vs OFF for scratch copies
  CaseNumberPattern case_numbers;  // hub: how official case numbers are written
  // Called after a cell is re-stamped (same value, new stamp), for logs.
  std::function<void(const Cell& before, const Cell& after)> on_restamp;
};

using Fields = std::vector<std::pair<std::string, Value>>;

// A current row as the user sees it: values by schema column index.
struct Row {
  TableId table = TableId::cases;
  Uuid id;
  std::vector<Value> values;
  std::string scope;
  std::uint64_t seq = 0;

  const Value& operator[](std::string_view column) const;
  bool deleted() const;
};

struct RowFilter {
  std::vector<std::pair<std::string, Value>> equals;  // column = value, all must hold
  bool include_deleted = false;
  std::size_t limit = 0;  // 0 = no limit
};

// Cases to find (Replica::search_cases): every word somewhere in the case
// (its title, summary, names, numbers, its people's names and passports),
// any case in the days given (YYYY-MM-DD, either end open) when it was
// opened in them or its dates (a trip's, a visit's, an incident's ...) meet them.
struct CaseSearch {
  std::vector<std::string> words;
  std::string from_day, to_day;
  std::size_t limit = 0;  // 0 = all
};

struct FeedFilter {
  std::optional<std::string> scope;   // hub: only rows visible to this county ("city": all)
  bool own_cells_only = false;        // client push: only cells stamped by self
  bool parents_first = false;         // emit a child's pending parent before it
  std::string skip_node;              // hub: leave out cells stamped by this node
  std::optional<TableId> only_table;  // hub: one table's rows (directives sent ahead)
};

struct FeedPage {
  std::vector<Cell> cells;
  FeedCursor next;
  bool more = false;
};

struct MergeStats {
  std::size_t applied = 0;     // cells that changed this replica
  std::size_t duplicates = 0;  // already had exactly this cell
  std::size_t older = 0;       // lost to a newer cell already here
  std::size_t conflicts = 0;   // losers written to the conflict log
};

struct PushResult {
  MergeStats stats;
  std::vector<Rejection> rejections;
  std::vector<Cell> corrections;
};

struct Conflict {
  std::int64_t id = 0;
  TableId table = TableId::cases;
  Uuid row;
  std::uint16_t column = 0;
  Value loser_value;
  Stamp loser;
  Value winner_value;
  Stamp winner;
  std::uint64_t logged_at_ms = 0;
  bool restored = false;
};

struct RecordedRejection {
  std::int64_t id = 0;
  TableId table = TableId::cases;
  Uuid row;
  std::uint16_t column = 0;
  Value value;  // the refused value as this replica had it
  Stamp stamp;
  std::string staff;  // who was signed in when it was written (a StaffRef), or ""
  Errc code = Errc::not_permitted;
  std::string reason;
  std::uint64_t at_ms = 0;
};

// A cell the hub refused, as it recorded it.
struct Refusal {
  std::int64_t id = 0;
  std::uint64_t at_ms = 0;
  std::string node;         // the authenticated writer (certificate CN)
  std::string certificate;  // that certificate's serial number (hex)
  TableId table = TableId::cases;
  Uuid row;
  std::uint16_t column = 0;
  Value value;        // what it tried to write
  Stamp stamp;        // as sent
  std::string staff;  // the person the cell named (a StaffRef), or ""
  Errc code = Errc::not_permitted;
  std::string reason;
};

struct RefusalFilter {
  std::string node;            // only this node's ("": every node's)
  std::uint64_t since_ms = 0;  // only from this time on
};

// A change the hub accepted: who made it (the authenticated node and its
// certificate, or the hub itself for its own writes), when, and the value
// and stamp it replaced (an empty stamp: the cell had none).
struct Change {
  std::int64_t id = 0;  // rises in the order the hub accepted changes
  std::uint64_t at_ms = 0;
  std::string node;
  std::string certificate;
  std::string staff;  // who was signed in on the node ("longyou/王伟"); empty: nobody named
  TableId table = TableId::cases;
  Uuid row;
  std::uint16_t column = 0;
  // The change made the row: one entry for all its first values (column 0,
  // no values); they are what later changes replaced, or what it still holds.
  bool created_row = false;
  Value old_value;
  Stamp old_stamp;
  Value new_value;
  Stamp new_stamp;
};

// What `audit verify` found: every entry of the history chained to the one
// before it, or the first that is not.
struct AuditCheck {
  std::int64_t entries = 0;    // verified, from the first
  std::string head;            // the last verified entry's hash (hex)
  std::int64_t broken_at = 0;  // the first entry that does not match (0: none)
  std::string problem;         // what is wrong there
  bool head_found = true;      // --head: an exported head is one of the entries
};

// The history's latest entry, to export and keep apart from the hub.
struct AuditHead {
  std::int64_t entries = 0;
  std::int64_t last_id = 0;
  std::uint64_t at_ms = 0;
  std::string hash;  // hex; empty when the history is empty
};

struct ChangeFilter {
  std::string node;            // only this node's ("": everyone's)
  std::uint64_t since_ms = 0;  // only from this time on
  std::int64_t from_id = 0;    // only changes with this id or later
};

struct CityReport;
struct ReportQuery;

struct PeerState {
  FeedCursor pushed;  // our feed, as far as the peer acknowledged
  FeedCursor pulled;  // the peer's feed, as far as we applied
  Uuid remote_id;     // the peer replica those cursors belong to
  std::uint64_t last_seen_ms = 0;
};

class Replica {
 public:
  static Result<std::unique_ptr<Replica>> open(ReplicaOptions options);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  const NodeId& self() const noexcept;
  bool is_hub() const noexcept;
  const Uuid& replica_id() const noexcept;  // random, made when the file was created
  // Gives the replica a new id. For a hub restored from a backup copy: its
  // clients' cursors (and what they believe it has) then no longer match, so
  // they pull from the start and push everything again.
  Status renew_replica_id();
  HybridClock& clock() noexcept;
  std::uint64_t feed_end() const noexcept;  // highest _seq assigned so far
  // Pulls the clock back (after it ran ahead of the hub) and persists that,
  // so a restart continues from the rewound value, not the old future one.
  // REQUIRES: no peer holds a stamp of ours above `hlc`; the caller then
  // re-stamps unsent cells above it (restamp_own_after).
  Status rewind_clock(std::uint64_t hlc);

  // Picks up commits another process made to the same file (feed end,
  // clock); true if they grew the feed since the last refresh() call, also
  // when a transaction of ours noticed them first. Cheap: one pragma.
  Result<bool> refresh();

  // Runs `body` in one transaction (nested calls join the outer one). Commits
  // if it returns ok, rolls back otherwise; in-memory state follows the file.
  Status transact(const std::function<Status()>& body);

  // The person local writes are made by from now on, a staff ref
  // ("longyou/王伟", shared/staff.hpp), carried with every cell written;
  // empty: the device alone. Not kept in the file: the client keeps who is
  // signed in (client/staff_commands.cpp).
  void set_staff(std::string staff);
  const std::string& staff() const noexcept;
  // When `scope` (a county, or "city") got its first staff account here:
  // that account's stamp (hlc); 0 while it has none. From then on, every
  // change of its devices names a person (AuthorityRequest::staff_since_hlc).
  Result<std::uint64_t> staff_since(std::string_view scope);

  // ---- local writes (stamped now, by self, and the staff set) ----
  // Creates a row; `id` lets a caller choose a derived id (receipts).
  Result<Uuid> insert(TableId table, const Fields& fields, std::optional<Uuid> id = std::nullopt);
  // Fails with not_found when the row doesn't exist here.
  Status update(TableId table, const Uuid& row, const Fields& fields);
  Status remove(TableId table, const Uuid& row);  // tombstone: deleted = 1
  // Writes a cell's current value again with a fresh stamp so it is sent
  // again (after a retryable rejection, or a clock correction).
  Status restamp(TableId table, const Uuid& row, std::uint16_t column);
  // Re-stamps every own cell not yet covered by `pushed` whose stamp is above
  // `hlc_limit`: after the clock is pulled back, no unsent stamp may lie
  // above it (a later write of the same cell would lose to it). Returns how many.
  Result<std::size_t> restamp_own_after(FeedCursor pushed, std::uint64_t hlc_limit);

  // What the hub's authority check would say about this local write, as
  // this node, against this replica's view of the row: an error naming
  // every reason it would be refused, or ok. Writes nothing.
  Status precheck(TableId table, const Uuid& row, const Fields& fields);

  // ---- reads ----
  Result<std::optional<Row>> get(TableId table, const Uuid& row);
  Result<std::vector<Row>> list(TableId table, const RowFilter& filter = {});
  // Cases matching `query`, the latest stored first; deleted ones never.
  // Indexes first what changed since the last search.
  Result<std::vector<Row>> search_cases(const CaseSearch& query);
  // Indexes for search at most `max_cases` cases changed since they were
  // last indexed (0: all); returns how many. One transaction.
  Result<std::size_t> index_for_search(std::size_t max_cases);
  // One cell with its stamp and base; nullopt when it was never written.
  Result<std::optional<Cell>> cell_of(TableId table, const Uuid& row, std::uint16_t column);

  // ---- change feed ----
  Result<FeedPage> read_feed(FeedCursor from, std::size_t max_cells, const FeedFilter& filter = {});

  // ---- merge ----
  Result<MergeStats> apply_remote(std::span<const Cell> cells);
  // Hub only: authority-check `from`'s cells, merge the accepted ones,
  // re-assert refused ones with newer stamps. One transaction.
  // Every refused cell is recorded (refusals()) with `from` and the serial
  // of the certificate it presented.
  Result<PushResult> apply_push(const NodeId& from, std::span<const Cell> cells, std::uint64_t max_clock_ahead_ms,
                                std::string_view certificate = {});

  // ---- conflict log ----
  Result<std::vector<Conflict>> conflicts(bool include_restored = false);
  // Writes the losing value back as a new local write; marks it restored.
  Status restore_conflict(std::int64_t conflict_id);

  // ---- rejections (client) ----
  // Records refusals, applies the hub's corrections and re-stamps retryable
  // cells; the caller wraps this with the cursor update in one transaction.
  Status record_push_outcome(std::span<const Rejection> rejections, std::span<const Cell> corrections);
  Result<std::vector<RecordedRejection>> rejections();

  // ---- refusals (hub) ----
  // Cells the hub refused, oldest first: the record of what each node tried.
  Result<std::vector<Refusal>> refusals(const RefusalFilter& filter = {});
  // The refusals of a case, oldest first: of `rows` (the case and its
  // records), and of records refused whole that named the case.
  Result<std::vector<Refusal>> refusals_of_case(const Uuid& case_id, std::span<const Uuid> rows);

  // ---- history (hub) ----
  // Changes the hub accepted, oldest first.
  Result<std::vector<Change>> history(const ChangeFilter& filter = {});
  // The changes to these rows (a case and its records), oldest first: at
  // the hub, those it accepted; on a client, the values it saw replaced
  // (no certificate; `at_ms` is when the new value was written).
  Result<std::vector<Change>> history_of(std::span<const Uuid> rows);
  // Each history entry commits to the one before it (a hash chain): a row
  // altered, removed or inserted in the file breaks the chain there. With
  // `exported_head` (hex), that earlier head must still be an entry: a
  // rewrite of the whole chain since is found too.
  Result<AuditCheck> verify_history(std::string_view exported_head = {});
  Result<AuditHead> history_head();

  // ---- peers and metadata ----
  Result<PeerState> peer(std::string_view peer);
  Status set_peer(std::string_view peer, const PeerState& state);
  Result<std::vector<std::pair<std::string, PeerState>>> peers();
  Result<std::optional<std::string>> meta(std::string_view key);
  Status set_meta(std::string_view key, std::string_view value);

  // Order-independent hash of the rows a node of `scope` is sent
  // (row_visible; "city": all but the counties' accounts), or of every row
  // (kEveryRow), over ids and values only: equal on two replicas iff they
  // show the same data.
  Result<std::uint64_t> content_hash(std::string_view scope);
  // PRAGMA integrity_check == ok.
  Result<bool> integrity_ok();

  struct Impl;

 private:
  // Counts in SQL over the whole replica (sync/city_report.cpp).
  friend Result<CityReport> city_report(Replica& replica, ReportQuery query);
  explicit Replica(std::unique_ptr<Impl> impl);
  Status write_local(TableId table, const Uuid& row, const Fields& fields, bool must_exist);
  std::unique_ptr<Impl> impl_;
};

// The keys of the replica's metadata (Replica::meta), all in one place.
namespace meta_key {
inline constexpr std::string_view kSchemaVersion = "schema_version";
inline constexpr std::string_view kReplicaId = "replica_id";
inline constexpr std::string_view kNode = "node";
inline constexpr std::string_view kRole = "role";                    // "hub" or "client"
inline constexpr std::string_view kHlcLast = "hlc_last";             // the clock's last stamp, kept across restarts
inline constexpr std::string_view kClockOffset = "clock_offset_ms";  // correction to the hub's time
// Client: everything the hub may hold from us is stamped at or below the
// larger of these two: the highest stamp it confirmed (accepted or sent
// us), and the highest of the push still unacknowledged (it may have been
// accepted with its ack lost). The clock is never pulled back below them.
inline constexpr std::string_view kConfirmedHlc = "confirmed_hlc";
inline constexpr std::string_view kInflightHlc = "inflight_hlc";
inline constexpr std::string_view kLastSync = "last_sync_ms";  // client: the last complete sync
// The highest cases rowid in the search index (sync/case_search.hpp).
inline constexpr std::string_view kSearchIndexedThrough = "search_indexed_through";
// Client: the staff ref of the person signed in on this device ("": nobody).
inline constexpr std::string_view kSignedIn = "signed_in";
}  // namespace meta_key

// A number kept as text in the metadata (Replica::meta); nullopt when it is
// not one, i.e. the file is damaged.
std::optional<std::int64_t> parse_meta_number(std::string_view text);
// The number under `key` (0 when there is none); storage_failed, naming the
// key, when the file holds something else there.
Result<std::int64_t> meta_number(Replica& replica, std::string_view key);

// True when a row with `scope` is visible to a node of county `county`.
bool scope_visible(std::string_view scope, std::string_view county);
// ...and a row of `table` is sent to it: as scope_visible, except that the
// city's desks get only the city's accounts. A password's hash goes only to
// the devices where its person signs in.
bool row_visible(TableId table, std::string_view scope, std::string_view county);
// content_hash over every row a replica holds, whatever its scope.
inline constexpr std::string_view kEveryRow = "*";
// The _scope stored for a directive addressed to `targets` ("all" or "a,b").
std::string directive_scope(std::string_view targets);

}  // namespace liaison::sync
