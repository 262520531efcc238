// Replica: opening and creating the file, transactions, local writes, reads,
// peers and metadata. Merge lives in replica_merge.cpp, the feed in
// replica_feed.cpp.
#include "sync/replica.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "shared/labels.hpp"
#include "sync/replica_impl.hpp"

namespace liaison::sync {
namespace {

std::string column_list(const TableDef& def) {
  std::string out;
  for (const auto& c : def.columns) {
    if (!out.empty()) out += ", ";
    out += '"';
    out += c.name;
    out += '"';
  }
  return out;
}

const char* sql_type(ValueType t) {
  switch (t) {
    case ValueType::integer: return "INTEGER";
    case ValueType::real: return "REAL";
    default: return "TEXT";
  }
}

void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

bool get_varint(std::span<const std::uint8_t>& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const std::uint8_t b = in.front();
    in = in.subspan(1);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

Status create_schema(sql::Database& db, bool hub) {
  std::string ddl =
      "CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS _nodes (ref INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
      "CREATE TABLE IF NOT EXISTS _peers (peer TEXT PRIMARY KEY, push_low INTEGER NOT NULL DEFAULT 0,"
      " push_pos INTEGER NOT NULL DEFAULT 0, pull_low INTEGER NOT NULL DEFAULT 0, pull_pos INTEGER NOT NULL DEFAULT 0,"
      " remote_id BLOB, last_seen_ms INTEGER NOT NULL DEFAULT 0);"
      "CREATE TABLE IF NOT EXISTS _conflicts (id INTEGER PRIMARY KEY, tbl INTEGER NOT NULL, row BLOB NOT NULL,"
      " col INTEGER NOT NULL, loser_value, loser_hlc INTEGER NOT NULL, loser_node TEXT NOT NULL, winner_value,"
      " winner_hlc INTEGER NOT NULL, winner_node TEXT NOT NULL, logged_at_ms INTEGER NOT NULL,"
      " restored INTEGER NOT NULL DEFAULT 0, UNIQUE (tbl, row, col, loser_hlc, loser_node));"
      "CREATE TABLE IF NOT EXISTS _rejections (id INTEGER PRIMARY KEY, tbl INTEGER NOT NULL, row BLOB NOT NULL,"
      " col INTEGER NOT NULL, value, hlc INTEGER NOT NULL, node TEXT NOT NULL, code TEXT NOT NULL,"
      " reason TEXT NOT NULL, at_ms INTEGER NOT NULL, staff TEXT NOT NULL DEFAULT '',"
      " UNIQUE (tbl, row, col, hlc, node));";
  // A client's record of the values it saw replaced (SeenChanges).
  if (!hub)
    ddl +=
        "CREATE TABLE IF NOT EXISTS _seen_changes (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
        " tbl INTEGER NOT NULL, row BLOB NOT NULL, col INTEGER NOT NULL, old_value, old_hlc INTEGER NOT NULL,"
        " old_node TEXT NOT NULL, new_value, new_hlc INTEGER NOT NULL, new_node TEXT NOT NULL,"
        " staff TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX IF NOT EXISTS _seen_changes__row ON _seen_changes (row);";
  // The hub's record of every cell it refused: who (the authenticated node
  // and its certificate), what was attempted, why.
  if (hub)
    ddl +=
        "CREATE TABLE IF NOT EXISTS _refusals (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, node TEXT NOT NULL,"
        " certificate TEXT NOT NULL, tbl INTEGER NOT NULL, row BLOB NOT NULL, col INTEGER NOT NULL, value,"
        " hlc INTEGER NOT NULL, stamp_node TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,"
        " staff TEXT NOT NULL DEFAULT '', UNIQUE (tbl, row, col, hlc, stamp_node, code));"
        "CREATE INDEX IF NOT EXISTS _refusals__node ON _refusals (node, at_ms);"
        // A case's history reads its rows' refusals.
        "CREATE INDEX IF NOT EXISTS _refusals__row ON _refusals (row);"
        // ...and those of records refused whole, by the case they named.
        "CREATE INDEX IF NOT EXISTS _refusals__case ON _refusals (value) WHERE col = " +
        std::to_string(kCaseIdColumn) +
        ";"
        // Every change the hub accepted, and the value it replaced: what a
        // revert after a stolen laptop restores. A row's creation is one
        // entry (created_row = 1, col 0, no values): its first values are
        // what later entries replaced, or what the row still holds.
        "CREATE TABLE IF NOT EXISTS _history (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, node TEXT NOT NULL,"
        " certificate TEXT NOT NULL, tbl INTEGER NOT NULL, row BLOB NOT NULL, col INTEGER NOT NULL,"
        " created_row INTEGER NOT NULL, old_value, old_hlc INTEGER NOT NULL, old_node TEXT NOT NULL, new_value,"
        " new_hlc INTEGER NOT NULL, new_node TEXT NOT NULL, chain BLOB, staff TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX IF NOT EXISTS _history__node ON _history (node, at_ms);"
        // A case's history reads its rows' entries.
        "CREATE INDEX IF NOT EXISTS _history__row ON _history (row);"
        // The last official number given per kind, county and year.
        "CREATE TABLE IF NOT EXISTS _case_numbers (kind TEXT NOT NULL, county TEXT NOT NULL, year INTEGER NOT NULL,"
        " last INTEGER NOT NULL, PRIMARY KEY (kind, county, year));";
  for (const auto& def : Schema::get().tables()) {
    const std::string name(def.name);
    ddl += "CREATE TABLE IF NOT EXISTS " + name + " (id BLOB NOT NULL UNIQUE";
    for (const auto& c : def.columns) ddl += std::string(", \"") + std::string(c.name) + "\" " + sql_type(c.type);
    ddl += ", _scope TEXT NOT NULL DEFAULT '', _seq INTEGER NOT NULL, _clock BLOB NOT NULL);";
  }
  return db.exec(ddl);
}

// Adds `column` (SQL `declaration`) to `table` when a file made by an older
// release lacks it: true when it did.
Result<bool> add_column_if_missing(sql::Database& db, std::string_view table, std::string_view column,
                                   std::string_view declaration) {
  auto columns = db.prepare("SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2");
  if (!columns) return columns.error();
  columns->bind(1, table).bind(2, column);
  auto found = columns->step();
  if (!found) return found.error();
  if (*found && columns->column_int(0) > 0) return false;
  columns->reset();
  LIAISON_TRY(db.exec("ALTER TABLE " + std::string(table) + " ADD COLUMN " + std::string(column) + " " +
                      std::string(declaration)));
  return true;
}

// A hub's history from before the hash chain (the release of schema 3)
// gains its column, once: true when it did, and its entries are to be
// chained now. Never again afterwards: an entry found unchained later was
// tampered with, and chaining it would hide that. The logs of an older
// release gain the person's column, empty: the history before staff
// accounts (schema 5), the refusals and rejections before they kept it.
Result<bool> add_log_columns(sql::Database& db, bool hub) {
  for (std::string_view log : {"_history", "_refusals", "_rejections"}) {
    if (!hub && log != "_rejections") continue;
    auto staff = add_column_if_missing(db, log, "staff", "TEXT NOT NULL DEFAULT ''");
    if (!staff) return staff.error();
  }
  if (!hub) return false;
  return add_column_if_missing(db, "_history", "chain", "BLOB");
}

// A case shared by several counties, and its records, have a list for a
// scope (",longyou,kaihua,"); a county's feed reads them apart, through an
// index of those rows alone, so its own rows keep the plain (_scope, _seq)
// index.
constexpr std::string_view kSharedScope = "instr(_scope, ',') = 1";
bool may_be_shared(const TableDef& def) { return def.id == TableId::cases || belongs_to_case(def); }

// Indexes, made once every column exists (after a migration).
Status create_indexes(sql::Database& db, bool hub) {
  std::string ddl;
  for (const auto& def : Schema::get().tables()) {
    const std::string name(def.name);
    ddl += "CREATE INDEX IF NOT EXISTS " + name + "__seq ON " + name + " (_seq);";
    if (hub) ddl += "CREATE INDEX IF NOT EXISTS " + name + "__scope ON " + name + " (_scope, _seq);";
    if (hub && may_be_shared(def))
      ddl += "CREATE INDEX IF NOT EXISTS " + name + "__shared ON " + name + " (_seq) WHERE " +
             std::string(kSharedScope) + ";";
  }
  // Only the hub keeps refs unique, so only it indexes them: refs are random,
  // and an index of random keys costs every commit a page per row written
  // (a client finds a case by its ref in a scan of its county's cases).
  if (hub) ddl += "CREATE INDEX IF NOT EXISTS cases__ref ON cases (ref);";
  ddl += "CREATE INDEX IF NOT EXISTS cases__number ON cases (number) WHERE number IS NOT NULL;";
  // The search index reads a case's people and guests whenever it or they change.
  ddl +=
      "CREATE INDEX IF NOT EXISTS people__case ON people (case_id);"
      "CREATE INDEX IF NOT EXISTS guests__case ON guests (case_id);";
  return db.exec(ddl);
}

// A file made by an older release, brought to this schema in place: the
// columns and tables added since (existing rows hold null in them). A client
// pulls its whole scope again at its next sync, for the values the hub kept
// from it in columns its old release did not know.
Status migrate_schema(sql::Database& db, bool hub, std::uint32_t from) {
  std::string ddl;
  for (const auto& def : Schema::get().tables()) {
    if (def.since > from) continue;  // made whole by create_schema
    for (const auto& c : def.columns)
      if (c.since > from)
        ddl += "ALTER TABLE " + std::string(def.name) + " ADD COLUMN \"" + std::string(c.name) + "\" " +
               sql_type(c.type) + ";";
  }
  if (!hub) ddl += "UPDATE _peers SET pull_low = 0, pull_pos = 0;";
  return db.exec(ddl);
}

Status prepare_table(sql::Database& db, const TableDef& def, TableStatements& st) {
  const std::string name(def.name);
  const std::string cols = column_list(def);
  std::string placeholders, assignments;
  for (std::size_t i = 0; i < def.columns.size(); ++i) {
    placeholders += ", ?";
    assignments += std::string(i ? ", " : "") + "\"" + std::string(def.columns[i].name) + "\" = ?";
  }
  const std::string row_fields = "id, " + cols + ", _scope, _seq, _clock";
  auto select = db.prepare("SELECT rowid, " + row_fields + " FROM " + name + " WHERE id = ?");
  auto insert = db.prepare("INSERT INTO " + name + " (" + row_fields + ") VALUES (?" + placeholders + ", ?, ?, ?)");
  auto update =
      db.prepare("UPDATE " + name + " SET " + assignments + ", _scope = ?, _seq = ?, _clock = ? WHERE rowid = ?");
  auto feed = db.prepare("SELECT rowid, " + row_fields + " FROM " + name + " WHERE _seq > ?1 ORDER BY _seq LIMIT ?2");
  const std::string scope_test = def.scope_rule == ScopeRule::target_list
                                     ? "(_scope = '*' OR instr(_scope, ',' || ?3 || ',') > 0)"
                                     : "_scope = ?3";
  auto scoped = db.prepare("SELECT rowid, " + row_fields + " FROM " + name + " WHERE " + scope_test +
                           " AND _seq > ?1 ORDER BY _seq LIMIT ?2");
  for (auto* r : {&select, &insert, &update, &feed, &scoped})
    if (!*r) return r->error();
  st = {std::move(*select), std::move(*insert), std::move(*update), std::move(*feed), std::move(*scoped), {}};
  if (may_be_shared(def)) {
    auto shared = db.prepare("SELECT rowid, " + row_fields + " FROM " + name + " WHERE " + std::string(kSharedScope) +
                             " AND instr(_scope, ',' || ?3 || ',') > 0 AND _seq > ?1 ORDER BY _seq LIMIT ?2");
    if (!shared) return shared.error();
    st.feed_shared = std::move(*shared);
  }
  return {};
}

Error invalid_field(const TableDef& def, std::string_view field) {
  std::string known;
  for (const auto& c : def.columns)
    if (c.name != "deleted") known += (known.empty() ? "" : ", ") + std::string(c.name);
  return make_error(Errc::invalid_argument,
                    "no field '" + std::string(field) + "' in " + std::string(def.name) + " — known fields: " + known);
}

}  // namespace

std::optional<std::int64_t> parse_meta_number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::int64_t> meta_number(Replica& replica, std::string_view key) {
  auto value = replica.meta(key);
  if (!value) return value.error();
  if (!*value || (*value)->empty()) return std::int64_t{0};
  const auto number = parse_meta_number(**value);
  if (!number)
    return make_error(Errc::storage_failed,
                      std::string(key) + " '" + **value + "' is not a number — the replica is damaged; resync it");
  return *number;
}

// ---- clock blob ----

std::vector<std::uint8_t> encode_clock(const std::vector<CellMeta>& meta) {
  std::vector<std::uint8_t> out;
  out.reserve(meta.size() * 8);
  for (std::size_t col = 0; col < meta.size(); ++col) {
    const auto& m = meta[col];
    if (!m.present()) continue;
    put_varint(out, m.staff ? col | kClockStaffFlag : col);
    put_varint(out, m.hlc);
    put_varint(out, m.node);
    put_varint(out, m.seq);
    put_varint(out, m.base_hlc);
    put_varint(out, m.base_node);
    if (m.staff) put_varint(out, m.staff);
  }
  return out;
}

bool decode_clock(std::span<const std::uint8_t> blob, std::vector<CellMeta>& meta, std::size_t node_count) {
  while (!blob.empty()) {
    std::uint64_t col, hlc, node, seq, base_hlc, base_node, staff = 0;
    if (!get_varint(blob, col) || !get_varint(blob, hlc) || !get_varint(blob, node) || !get_varint(blob, seq) ||
        !get_varint(blob, base_hlc) || !get_varint(blob, base_node))
      return false;
    if (col & kClockStaffFlag) {
      col &= ~kClockStaffFlag;
      if (!get_varint(blob, staff)) return false;
    }
    if (col >= meta.size() || node >= node_count || base_node >= node_count || staff >= node_count) return false;
    meta[col] = {hlc,      static_cast<std::uint32_t>(node),      seq,
                 base_hlc, static_cast<std::uint32_t>(base_node), static_cast<std::uint32_t>(staff)};
  }
  return true;
}

// ---- Impl ----

Result<std::uint32_t> Replica::Impl::node_ref(const std::string& name) {
  if (name.empty()) return 0u;
  // Batches name the same node cell after cell.
  if (last_node_ref != 0 && node_names[last_node_ref] == name) return last_node_ref;
  if (auto it = node_refs.find(name); it != node_refs.end()) return last_node_ref = it->second;
  const auto ref = static_cast<std::uint32_t>(node_names.size());
  insert_node.bind(1, static_cast<std::int64_t>(ref)).bind(2, std::string_view(name));
  LIAISON_TRY(insert_node.run());
  node_names.push_back(name);
  node_refs.emplace(name, ref);
  return ref;
}

Status Replica::Impl::reload_nodes() {
  last_node_ref = 0;
  node_names.assign(1, std::string());
  node_refs.clear();
  auto st = db->prepare("SELECT ref, name FROM _nodes ORDER BY ref");
  if (!st) return st.error();
  return st->for_each_row([&]() -> Status {
    const auto ref = static_cast<std::size_t>(st->column_int(0));
    if (ref != node_names.size())
      return make_error(Errc::storage_failed, "replica " + options.path + ": node table has a gap at " +
                                                  std::to_string(ref) + " — the file is damaged; resync it");
    node_names.push_back(st->column_text(1));
    node_refs.emplace(node_names.back(), static_cast<std::uint32_t>(ref));
    return {};
  });
}

Status Replica::Impl::read_row(sql::Statement& st, int first, TableId table, StoredRow& row) {
  const auto& def = Schema::get().table(table);
  const int n = static_cast<int>(def.columns.size());
  row.exists = true;
  row.values.resize(def.columns.size());
  for (int i = 0; i < n; ++i) row.values[static_cast<std::size_t>(i)] = st.column_value(first + i);
  row.scope = st.column_text(first + n);
  row.seq = static_cast<std::uint64_t>(st.column_int(first + n + 1));
  row.meta.assign(def.columns.size(), CellMeta{});
  const auto clock = st.column_blob(first + n + 2);
  if (decode_clock(clock, row.meta, node_names.size())) return {};
  LIAISON_TRY(reload_nodes());
  row.meta.assign(def.columns.size(), CellMeta{});
  if (!decode_clock(clock, row.meta, node_names.size()))
    return make_error(
        Errc::storage_failed,
        in_language("replica " + options.path + ": the record of who wrote a row of " + std::string(def.name) +
                        " is damaged — restore the file from a backup, or set this node up again",
                    "副本 " + options.path + "：" + table_label(def.name) +
                        "中一条记录的修改信息已损坏 — 请从备份恢复该文件，或重新设置本节点"));
  return {};
}

Result<StoredRow> Replica::Impl::load(TableId table, const Uuid& id) {
  auto& st = stmts(table).select_by_id;
  st.bind_blob(1, id.bytes);
  StoredRow row;
  auto found = st.step();
  if (!found) return found.error();
  if (*found) {
    row.rowid = st.column_int(0);
    if (Status read = read_row(st, 2, table, row); !read) {
      st.reset();
      return read.error();
    }
  } else {
    const auto n = Schema::get().table(table).columns.size();
    row.values.resize(n);
    row.meta.resize(n);
  }
  st.reset();
  return row;
}

Status Replica::Impl::store(TableId table, const Uuid& id, StoredRow& row) {
  const auto clock_blob = encode_clock(row.meta);
  const int n = static_cast<int>(row.values.size());
  auto& st = row.exists ? stmts(table).update : stmts(table).insert;
  int i = 1;
  if (!row.exists) st.bind_blob(i++, id.bytes);
  for (int c = 0; c < n; ++c) st.bind_value_in_place(i++, row.values[static_cast<std::size_t>(c)]);  // run() below
  st.bind(i++, std::string_view(row.scope));
  st.bind(i++, static_cast<std::int64_t>(row.seq));
  st.bind_blob(i++, clock_blob);
  if (row.exists) st.bind(i++, row.rowid);
  LIAISON_TRY(st.run());
  if (!row.exists) {
    row.exists = true;
    row.rowid = sqlite3_last_insert_rowid(db->handle());
  }
  if (table == TableId::cases) return search.stored_case(row.rowid, id);
  if (table == TableId::people || table == TableId::guests) return search.stored_record(row.values[kCaseIdColumn]);
  return {};
}

CurrentRow Replica::Impl::current_of(const StoredRow& row) const {
  CurrentRow current;
  current.exists = row.exists;
  if (!row.exists) return current;  // the check reads values and stamps only of existing rows
  current.values = row.values;
  current.scope = row.scope;
  current.stamps.reserve(row.meta.size());
  for (const auto& m : row.meta) current.stamps.push_back(m.present() ? stamp_of(m) : Stamp{});
  return current;
}

RowLookup Replica::Impl::lookup() {
  return [this](TableId table, const Uuid& id) -> std::optional<CurrentRow> {
    auto row = load(table, id);
    if (!row || !row->exists) return std::nullopt;
    return current_of(*row);
  };
}

Status Replica::Impl::set_scope_if_unknown(TableId table, StoredRow& row) {
  if (!row.scope.empty()) return {};
  auto scope = derive_scope(table, row.values, lookup());
  if (scope) row.scope = std::move(*scope);
  return {};  // a child seen before its parent keeps an empty scope until written again
}

Status Replica::Impl::refresh_from_disk() {
  if (!data_version_stmt.prepared()) {
    auto prepared = db->prepare("PRAGMA data_version");
    if (!prepared) return prepared.error();
    data_version_stmt = std::move(*prepared);
  }
  auto row = data_version_stmt.step();
  if (!row) return row.error();
  const std::int64_t now = data_version_stmt.column_int(0);
  data_version_stmt.reset();
  if (now == data_version) return {};
  data_version = now;
  std::string sql = "SELECT MAX(m) FROM (";
  for (const auto& def : Schema::get().tables())
    sql += std::string(def.id == TableId::cases ? "" : " UNION ALL ") + "SELECT COALESCE(MAX(_seq), 0) AS m FROM " +
           std::string(def.name);
  auto max_seq = db->prepare(sql + ")");
  if (!max_seq) return max_seq.error();
  auto got = max_seq->step();
  if (!got) return got.error();
  const auto old_seq = seq;
  seq = std::max(seq, static_cast<std::uint64_t>(max_seq->column_int(0)));
  get_meta.bind(1, meta_key::kHlcLast);
  auto hlc = get_meta.step();
  if (!hlc) return hlc.error();
  const auto last = *hlc ? parse_meta_number(get_meta.column_text(0)) : std::optional<std::int64_t>(0);
  get_meta.reset();
  if (!last)
    return make_error(Errc::storage_failed,
                      "replica " + options.path + ": hlc_last is not a number — the file is damaged; resync it");
  clock.restore(static_cast<std::uint64_t>(*last));
  LIAISON_TRY(reload_nodes());
  LIAISON_TRY(search.reload());
  if (seq != old_seq) grown_elsewhere = true;
  return {};
}

// ---- Replica ----

Replica::Replica(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Replica::~Replica() = default;

const NodeId& Replica::self() const noexcept { return impl_->options.self; }
bool Replica::is_hub() const noexcept { return impl_->options.hub; }
const Uuid& Replica::replica_id() const noexcept { return impl_->replica_id; }
HybridClock& Replica::clock() noexcept { return impl_->clock; }
std::uint64_t Replica::feed_end() const noexcept { return impl_->seq; }

Result<bool> Replica::refresh() {
  LIAISON_TRY(impl_->refresh_from_disk());
  return std::exchange(impl_->grown_elsewhere, false);
}

Status Replica::renew_replica_id() {
  const Uuid fresh = new_uuid_v7(impl_->clock.wall_ms(), impl_->rng);
  LIAISON_TRY(set_meta(meta_key::kReplicaId, fresh.to_string()));
  impl_->replica_id = fresh;
  return {};
}

Status Replica::rewind_clock(std::uint64_t hlc) {
  auto& I = *impl_;
  I.clock.rewind_to(hlc);
  return transact([&]() -> Status {
    I.put_meta.bind(1, meta_key::kHlcLast).bind(2, std::to_string(hlc));
    LIAISON_TRY(I.put_meta.run());
    I.persisted_hlc = hlc;
    return {};
  });
}

namespace {

// The steps of opening a replica, each inside the transaction open() holds.

Result<std::optional<std::string>> read_meta(Replica::Impl& I, std::string_view key) {
  I.get_meta.bind(1, key);
  auto row = I.get_meta.step();
  if (!row) return row.error();
  std::optional<std::string> out;
  if (*row) out = I.get_meta.column_text(0);
  I.get_meta.reset();
  return out;
}

Status write_meta(Replica::Impl& I, std::string_view key, std::string_view value) {
  I.put_meta.bind(1, key).bind(2, value);
  return I.put_meta.run();
}

Status prepare_meta(Replica::Impl& I) {
  auto get = I.db->prepare("SELECT value FROM _meta WHERE key = ?");
  if (!get) return get.error();
  auto put = I.db->prepare(
      "INSERT INTO _meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!put) return put.error();
  I.get_meta = std::move(*get);
  I.put_meta = std::move(*put);
  return {};
}

// A new file: a replica id of its own, and whose it is.
Status create_identity(Replica::Impl& I) {
  I.replica_id = new_uuid_v7(I.clock.wall_ms(), I.rng);
  LIAISON_TRY(write_meta(I, meta_key::kSchemaVersion, std::to_string(kSchemaVersion)));
  LIAISON_TRY(write_meta(I, meta_key::kReplicaId, I.replica_id.to_string()));
  LIAISON_TRY(write_meta(I, meta_key::kNode, I.options.self.str()));
  return write_meta(I, meta_key::kRole, I.options.hub ? "hub" : "client");
}

// The schema version of an existing file, migrated to this program's when
// older; a file from a newer release is refused, untouched.
Status bring_schema_up_to_date(Replica::Impl& I, const std::string& schema) {
  const std::string& path = I.options.path;
  const auto version = parse_meta_number(schema);
  if (!version || *version < 1)
    return make_error(Errc::storage_failed, "replica " + path + " has schema version '" + schema +
                                                "' — the file is damaged; restore or resync it");
  if (*version > static_cast<std::int64_t>(kSchemaVersion))
    return make_error(Errc::schema_mismatch, "replica " + path + " was made by a newer release (schema version " +
                                                 schema + "; this program knows " + std::to_string(kSchemaVersion) +
                                                 ") — update this program");
  if (*version < static_cast<std::int64_t>(kOldestSchemaVersion))
    return make_error(Errc::schema_mismatch,
                      "replica " + path + " has schema version " + schema + ", older than this release can migrate (" +
                          std::to_string(kOldestSchemaVersion) + ") — start a new replica and resync");
  if (*version == static_cast<std::int64_t>(kSchemaVersion)) return {};
  I.migrated_from = static_cast<std::uint32_t>(*version);
  LIAISON_TRY(migrate_schema(*I.db, I.options.hub, I.migrated_from));
  return write_meta(I, meta_key::kSchemaVersion, std::to_string(kSchemaVersion));
}

// An existing file: this node's, and its id and clock as they were left.
Status load_identity(Replica::Impl& I) {
  const std::string& path = I.options.path;
  auto node = read_meta(I, meta_key::kNode);
  if (!node) return node.error();
  auto id = read_meta(I, meta_key::kReplicaId);
  if (!id) return id.error();
  if (*node && **node != I.options.self.str())
    return make_error(Errc::invalid_argument, "replica " + path + " belongs to " + **node + ", not " +
                                                  I.options.self.str() +
                                                  " — use that node's certificate or another data folder");
  auto parsed = *id ? Uuid::parse(**id) : std::nullopt;
  if (!parsed)
    return make_error(Errc::storage_failed, "replica " + path + " has no valid replica_id — the file is damaged");
  I.replica_id = *parsed;
  for (const std::string_view key : {meta_key::kHlcLast, meta_key::kClockOffset}) {
    auto text = read_meta(I, key);
    if (!text) return text.error();
    if (!*text) continue;
    const auto number = parse_meta_number(**text);
    if (!number)
      return make_error(Errc::storage_failed, "replica " + path + ": " + std::string(key) + " '" + **text +
                                                  "' is not a number — the file is damaged; restore or resync it");
    if (key == meta_key::kHlcLast)
      I.persisted_hlc = static_cast<std::uint64_t>(*number);
    else
      I.clock.set_offset_ms(*number);
  }
  I.clock.restore(I.persisted_hlc);
  return {};
}

Status prepare_statements(Replica::Impl& I) {
  auto ins = I.db->prepare("INSERT INTO _nodes (ref, name) VALUES (?, ?)");
  if (!ins) return ins.error();
  I.insert_node = std::move(*ins);
  LIAISON_TRY(I.conflict_log.prepare(*I.db));
  LIAISON_TRY(I.rejection_log.prepare(*I.db));
  LIAISON_TRY(I.case_register.prepare(*I.db, I.options.hub));
  if (I.options.hub) {
    LIAISON_TRY(I.refusal_log.prepare(*I.db));
    LIAISON_TRY(I.history.prepare(*I.db, I.chain_old_history));
  } else {
    LIAISON_TRY(I.seen_changes.prepare(*I.db));
  }
  for (const auto& def : Schema::get().tables()) LIAISON_TRY(prepare_table(*I.db, def, I.stmts(def.id)));
  return I.search.prepare(*I.db);
}

// Hub, after a migration to schema 2: the cases it already held get their
// refs, and those past draft their official numbers, in the order they were
// made, counted in the year of their status.
Status register_existing_cases(Replica::Impl& I) {
  auto unnamed = I.db->prepare("SELECT id FROM cases WHERE kind IS NOT NULL ORDER BY id");
  if (!unnamed) return unnamed.error();
  std::vector<Uuid> ids;
  LIAISON_TRY(unnamed->for_each_row([&]() -> Status {
    if (const auto id = unnamed->column_uuid(0)) ids.push_back(*id);
    return {};
  }));
  for (const Uuid& id : ids) {
    auto row = I.load(TableId::cases, id);
    if (!row) return row.error();
    const std::uint64_t seq = I.seq + 1;
    // Numbered in the year its status last moved (out of draft, as far as
    // the file tells), not the year of the upgrade.
    const CellMeta& status = row->meta[*Schema::get().table(TableId::cases).column_index("status")];
    auto written = I.register_case(id, *row, seq, status.present() ? std::optional(hlc_ms(status.hlc)) : std::nullopt);
    if (!written) return written.error();
    if (written->empty()) continue;
    I.seq = row->seq = seq;
    LIAISON_TRY(I.store(TableId::cases, id, *row));
  }
  I.persisted_hlc = std::max(I.persisted_hlc, I.clock.last());
  return write_meta(I, meta_key::kHlcLast, std::to_string(I.persisted_hlc));
}

Status set_up(Replica::Impl& I) {
  LIAISON_TRY(create_schema(*I.db, I.options.hub));
  auto chain_added = add_log_columns(*I.db, I.options.hub);
  if (!chain_added) return chain_added.error();
  I.chain_old_history = *chain_added;
  // A city desk of an older release was sent the counties' accounts; it
  // is sent only the city's now, and keeps no other password's hash.
  if (!I.options.hub && I.options.self.is_city())
    LIAISON_TRY(I.db->exec("DELETE FROM staff WHERE _scope != '" + std::string(kCityScope) + "'"));
  LIAISON_TRY(prepare_meta(I));
  auto schema = read_meta(I, meta_key::kSchemaVersion);
  if (!schema) return schema.error();
  std::random_device entropy;
  I.rng.seed(I.options.seed ? I.options.seed : (static_cast<std::uint64_t>(entropy()) << 32 | entropy()));
  if (*schema) LIAISON_TRY(bring_schema_up_to_date(I, **schema));
  LIAISON_TRY(create_indexes(*I.db, I.options.hub));
  LIAISON_TRY(*schema ? load_identity(I) : create_identity(I));
  LIAISON_TRY(prepare_statements(I));
  LIAISON_TRY(I.refresh_from_disk());
  I.grown_elsewhere = false;  // what the file held at opening is not news
  auto self = I.node_ref(I.options.self.str());
  if (!self) return self.error();
  I.self_ref = *self;
  if (I.options.hub && I.migrated_from != 0 && I.migrated_from < 2) LIAISON_TRY(register_existing_cases(I));
  return {};
}

}  // namespace

Result<std::unique_ptr<Replica>> Replica::open(ReplicaOptions options) {
  if (options.self.empty()) return make_error(Errc::invalid_argument, "open replica " + options.path + ": no node id");
  auto impl = std::make_unique<Impl>(std::move(options));
  auto& I = *impl;
  auto db = sql::Database::open(I.options.path);
  if (!db) return db.error();
  I.db = std::move(*db);
  LIAISON_TRY(I.db->exec("PRAGMA journal_mode=WAL"));
  LIAISON_TRY(I.db->exec(I.options.durable ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=OFF"));
  LIAISON_TRY(I.db->exec("PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32000"));
  LIAISON_TRY(I.db->exec("BEGIN IMMEDIATE"));
  if (Status st = set_up(I); !st) {
    (void)I.db->exec("ROLLBACK");
    return st.error();
  }
  LIAISON_TRY(I.db->exec("COMMIT"));
  return std::unique_ptr<Replica>(new Replica(std::move(impl)));
}

Status Replica::transact(const std::function<Status()>& body) {
  auto& I = *impl_;
  if (I.depth > 0) {
    ++I.depth;
    Status st = body();
    --I.depth;
    return st;
  }
  LIAISON_TRY(I.db->exec("BEGIN IMMEDIATE"));
  if (Status fresh = I.refresh_from_disk(); !fresh) {
    (void)I.db->exec("ROLLBACK");
    return fresh.error();
  }
  // Feed positions taken by a transaction that rolls back are given back:
  // a cursor handed out past them would skip the next write that reuses them.
  const std::uint64_t seq_before = I.seq;
  ++I.depth;
  Status st = body();
  --I.depth;
  if (st && I.clock.last() > I.persisted_hlc) {
    I.put_meta.bind(1, meta_key::kHlcLast).bind(2, std::to_string(I.clock.last()));
    st = I.put_meta.run();
  }
  if (st) {
    st = I.db->exec("COMMIT");
    if (st) {
      I.persisted_hlc = std::max(I.persisted_hlc, I.clock.last());
      return st;
    }
  }
  (void)I.db->exec("ROLLBACK");
  I.seq = seq_before;
  (void)I.reload_nodes();   // refs interned in the rolled-back transaction are gone
  (void)I.search.reload();  // and so is what it indexed
  return st;
}

namespace {

// A case this replica makes gets a ref of its own, with the stamp of its
// creation; at the hub, the register's names (case_register.hpp). A client
// names only cases it creates (one made by an older release gets its ref
// from the hub), and leaves the check against every other case to the hub,
// which alone holds them all.
Status name_case(Replica::Impl& I, const Uuid& id, StoredRow& row, const Stamp& stamp, std::uint64_t seq) {
  if (I.options.hub) {
    auto named = I.register_case(id, row, seq);
    return named ? Status{} : Status{named.error()};
  }
  const auto col = *Schema::get().table(TableId::cases).column_index("ref");
  if (row.exists || row.meta[col].present()) return {};
  row.values[col] = Value{new_case_ref(I.rng)};
  auto staff = I.node_ref(I.staff);
  if (!staff) return staff.error();
  row.meta[col] = CellMeta{stamp.hlc, I.self_ref, seq, 0, 0, *staff};
  return {};
}

}  // namespace

void Replica::set_staff(std::string staff) { impl_->staff = std::move(staff); }
const std::string& Replica::staff() const noexcept { return impl_->staff; }

Result<std::uint64_t> Replica::staff_since(std::string_view scope) {
  auto& I = *impl_;
  std::vector<Uuid> accounts;
  auto st = I.db->prepare("SELECT id FROM staff WHERE county = ?1");
  if (!st) return st.error();
  st->bind(1, scope);
  LIAISON_TRY(st->for_each_row([&]() -> Status {
    if (auto id = st->column_uuid(0)) accounts.push_back(*id);
    return {};
  }));
  const auto name = *Schema::get().table(TableId::staff).column_index("name");
  std::uint64_t since = 0;
  for (const Uuid& id : accounts) {
    auto row = I.load(TableId::staff, id);
    if (!row) return row.error();
    const std::uint64_t made = row->meta[name].hlc;
    if (made != 0 && (since == 0 || made < since)) since = made;
  }
  return since;
}

Result<Uuid> Replica::insert(TableId table, const Fields& fields, std::optional<Uuid> id) {
  // A caller-chosen id may name an existing row (a receipt another device of
  // the county wrote): then this is an update of that row.
  const Uuid row_id = id ? *id : new_uuid_v7(impl_->clock.wall_ms(), impl_->rng);
  LIAISON_TRY(write_local(table, row_id, fields, false));
  return row_id;
}

Status Replica::update(TableId table, const Uuid& id, const Fields& fields) {
  return write_local(table, id, fields, true);
}

Status Replica::write_local(TableId table, const Uuid& id, const Fields& fields, bool must_exist) {
  auto& I = *impl_;
  const auto& def = Schema::get().table(table);
  std::vector<std::pair<std::uint16_t, const Value*>> changes;
  for (const auto& [name, value] : fields) {
    const auto col = def.column_index(name);
    if (!col) return invalid_field(def, name);
    if (auto problem = value_problem(def.columns[*col], value))
      return make_error(Errc::invalid_argument, std::string(def.name) + ": " + *problem);
    changes.emplace_back(*col, &value);
  }
  return transact([&]() -> Status {
    auto row = I.load(table, id);
    if (!row) return row.error();
    if (must_exist && !row->exists)
      return make_error(Errc::not_found, std::string(def.name) + " " + id.to_string() + " not found on this replica");
    const std::uint64_t hlc = I.clock.now();
    const std::uint64_t seq = ++I.seq;
    const Stamp stamp{hlc, I.options.self.str()};
    const std::uint64_t now = I.clock.wall_ms();
    auto staff = I.node_ref(I.staff);
    if (!staff) return staff.error();
    if (I.options.hub && !row->exists)
      LIAISON_TRY(I.history.record_creation(now, stamp.node, "", I.staff, table, id, stamp));
    for (const auto& [col, value] : changes) {
      CellMeta& m = row->meta[col];
      if (I.options.hub && row->exists)
        LIAISON_TRY(I.history.record_change(now, stamp.node, "", I.staff, table, id, col, row->values[col],
                                            m.present() ? I.stamp_of(m) : Stamp{}, *value, stamp));
      if (!I.options.hub && row->exists)
        LIAISON_TRY(I.seen_changes.record(table, id, col, row->values[col], m.present() ? I.stamp_of(m) : Stamp{},
                                          Cell{table, id, col, *value, stamp, {}, I.staff}, now));
      m = CellMeta{hlc, I.self_ref, seq, m.hlc, m.node, *staff};
      row->values[col] = *value;
    }
    if (table == TableId::cases) LIAISON_TRY(name_case(I, id, *row, stamp, seq));
    row->seq = seq;
    if (row->scope.empty()) {
      auto scope = derive_scope(table, row->values, I.lookup());
      if (!scope)
        return make_error(scope.error().code, "write " + std::string(def.name) + ": " + scope.error().message);
      row->scope = std::move(*scope);
    }
    return I.store(table, id, *row);
  });
}

Status Replica::remove(TableId table, const Uuid& row) {
  return update(table, row, {{"deleted", Value{std::int64_t{1}}}});
}

Status Replica::restamp(TableId table, const Uuid& id, std::uint16_t column) {
  auto& I = *impl_;
  return transact([&]() -> Status {
    auto row = I.load(table, id);
    if (!row) return row.error();
    if (!row->exists || column >= row->meta.size() || !row->meta[column].present()) return {};
    CellMeta& m = row->meta[column];
    const Cell before = I.cell_of(table, id, column, row->values[column], m);
    m.hlc = I.clock.now();
    m.node = I.self_ref;
    m.seq = row->seq = ++I.seq;  // the base stays: the hub never accepted the stamp being replaced
    // A time written while the clock ran ahead (what the re-stamp corrects)
    // is as wrong as its stamp, and the hub refuses times ahead of its own.
    const auto& def = Schema::get().table(table);
    if (const auto* ms = std::get_if<std::int64_t>(&row->values[column]);
        ms && attribution(def.columns[column]) == Attribution::time && static_cast<std::uint64_t>(*ms) > hlc_ms(m.hlc))
      row->values[column] = static_cast<std::int64_t>(hlc_ms(m.hlc));
    LIAISON_TRY(I.store(table, id, *row));
    if (I.options.on_restamp) I.options.on_restamp(before, I.cell_of(table, id, column, row->values[column], m));
    return {};
  });
}

Result<std::size_t> Replica::restamp_own_after(FeedCursor pushed, std::uint64_t hlc_limit) {
  std::vector<Cell> ahead;
  FeedCursor cursor = pushed;
  for (;;) {
    auto page = read_feed(cursor, 1000, FeedFilter{.own_cells_only = true});
    if (!page) return page.error();
    for (auto& cell : page->cells)
      if (cell.stamp.hlc > hlc_limit) ahead.push_back(std::move(cell));
    if (!page->more) break;
    cursor = page->next;
  }
  Status st = transact([&]() -> Status {
    for (const Cell& c : ahead) LIAISON_TRY(restamp(c.table, c.row, c.column));
    return {};
  });
  if (!st) return st.error();
  return ahead.size();
}

Result<std::optional<Row>> Replica::get(TableId table, const Uuid& id) {
  auto row = impl_->load(table, id);
  if (!row) return row.error();
  if (!row->exists) return std::optional<Row>{};
  return std::optional<Row>(Row{table, id, std::move(row->values), std::move(row->scope), row->seq});
}

namespace {
constexpr std::size_t kSearchIndexStep = 2'000;  // some 0.4 s of indexing
}  // namespace

Result<std::size_t> Replica::index_for_search(std::size_t max_cases) {
  // Most calls find nothing to do: they look without taking the write lock.
  auto behind = impl_->search.behind();
  if (!behind) return behind.error();
  if (!*behind) return std::size_t{0};
  std::size_t indexed = 0;
  LIAISON_TRY(transact([&]() -> Status {
    auto done = impl_->search.catch_up(max_cases);
    if (!done) return done.error();
    indexed = *done;
    return {};
  }));
  return indexed;
}

Result<std::vector<Row>> Replica::search_cases(const CaseSearch& query) {
  // In steps of their own transactions: a hub's server writing beside this
  // admin command waits for one step, not for all of them.
  for (;;) {
    auto indexed = index_for_search(kSearchIndexStep);
    if (!indexed) return indexed.error();
    if (*indexed < kSearchIndexStep) break;
  }
  auto ids = impl_->search.find(query);
  if (!ids) return ids.error();
  std::vector<Row> rows;
  for (const Uuid& id : *ids) {
    auto row = get(TableId::cases, id);
    if (!row) return row.error();
    if (*row) rows.push_back(std::move(**row));
  }
  return rows;
}

Result<std::vector<Row>> Replica::list(TableId table, const RowFilter& filter) {
  const auto& def = Schema::get().table(table);
  std::string sql = "SELECT id, " + column_list(def) + ", _scope, _seq FROM " + std::string(def.name) + " WHERE 1";
  if (!filter.include_deleted) sql += " AND COALESCE(deleted, 0) = 0";
  for (const auto& [name, value] : filter.equals) {
    if (!def.column_index(name)) return invalid_field(def, name);
    sql += " AND \"" + name + "\" IS ?";
  }
  sql += " ORDER BY id";
  if (filter.limit) sql += " LIMIT " + std::to_string(filter.limit);
  auto st = impl_->db->prepare(sql);
  if (!st) return st.error();
  int i = 1;
  for (const auto& [name, value] : filter.equals) st->bind_value(i++, value);
  std::vector<Row> rows;
  const int n = static_cast<int>(def.columns.size());
  LIAISON_TRY(st->for_each_row([&]() -> Status {
    Row row{table, Uuid::from_bytes(st->column_blob(0).data()), {}, {}, 0};
    row.values.reserve(def.columns.size());
    for (int c = 0; c < n; ++c) row.values.push_back(st->column_value(1 + c));
    row.scope = st->column_text(1 + n);
    row.seq = static_cast<std::uint64_t>(st->column_int(2 + n));
    rows.push_back(std::move(row));
    return {};
  }));
  return rows;
}

Result<std::optional<Cell>> Replica::cell_of(TableId table, const Uuid& id, std::uint16_t column) {
  auto row = impl_->load(table, id);
  if (!row) return row.error();
  if (!row->exists || column >= row->meta.size() || !row->meta[column].present()) return std::optional<Cell>{};
  const CellMeta& m = row->meta[column];
  return std::optional<Cell>(impl_->cell_of(table, id, column, row->values[column], m));
}

const Value& Row::operator[](std::string_view column) const {
  static const Value kNull;
  const auto col = Schema::get().table(table).column_index(column);
  return col && *col < values.size() ? values[*col] : kNull;
}

bool Row::deleted() const {
  const auto* v = std::get_if<std::int64_t>(&values.at(kDeletedColumn));
  return v && *v != 0;
}

// ---- peers and metadata ----

Result<PeerState> Replica::peer(std::string_view name) {
  auto st = impl_->db->prepare(
      "SELECT push_low, push_pos, pull_low, pull_pos, remote_id, last_seen_ms FROM _peers WHERE peer = ?");
  if (!st) return st.error();
  st->bind(1, name);
  PeerState state;
  auto row = st->step();
  if (!row) return row.error();
  if (*row) {
    state.pushed = {static_cast<std::uint64_t>(st->column_int(0)), static_cast<std::uint64_t>(st->column_int(1))};
    state.pulled = {static_cast<std::uint64_t>(st->column_int(2)), static_cast<std::uint64_t>(st->column_int(3))};
    if (const auto id = st->column_uuid(4)) state.remote_id = *id;
    state.last_seen_ms = static_cast<std::uint64_t>(st->column_int(5));
  }
  return state;
}

Status Replica::set_peer(std::string_view name, const PeerState& s) {
  return transact([&]() -> Status {
    auto st = impl_->db->prepare(
        "INSERT INTO _peers (peer, push_low, push_pos, pull_low, pull_pos, remote_id, last_seen_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (peer) DO UPDATE SET push_low = excluded.push_low,"
        " push_pos = excluded.push_pos, pull_low = excluded.pull_low, pull_pos = excluded.pull_pos,"
        " remote_id = excluded.remote_id, last_seen_ms = excluded.last_seen_ms");
    if (!st) return st.error();
    st->bind(1, name)
        .bind(2, static_cast<std::int64_t>(s.pushed.low))
        .bind(3, static_cast<std::int64_t>(s.pushed.pos))
        .bind(4, static_cast<std::int64_t>(s.pulled.low))
        .bind(5, static_cast<std::int64_t>(s.pulled.pos))
        .bind_blob(6, s.remote_id.bytes)
        .bind(7, static_cast<std::int64_t>(s.last_seen_ms));
    return st->run();
  });
}

Result<std::vector<std::pair<std::string, PeerState>>> Replica::peers() {
  auto st = impl_->db->prepare("SELECT peer FROM _peers ORDER BY peer");
  if (!st) return st.error();
  std::vector<std::pair<std::string, PeerState>> out;
  LIAISON_TRY(st->for_each_row([&]() -> Status {
    auto state = peer(st->column_text(0));
    if (!state) return state.error();
    out.emplace_back(st->column_text(0), *state);
    return {};
  }));
  return out;
}

Result<std::optional<std::string>> Replica::meta(std::string_view key) {
  auto& st = impl_->get_meta;
  st.bind(1, key);
  auto row = st.step();
  if (!row) return row.error();
  std::optional<std::string> out;
  if (*row) out = st.column_text(0);
  st.reset();
  return out;
}

Status Replica::set_meta(std::string_view key, std::string_view value) {
  return transact([&]() -> Status {
    impl_->put_meta.bind(1, key).bind(2, value);
    return impl_->put_meta.run();
  });
}

Result<bool> Replica::integrity_ok() {
  auto st = impl_->db->prepare("PRAGMA integrity_check");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return *row && st->column_text(0) == "ok";
}

bool row_visible(TableId table, std::string_view scope, std::string_view county) {
  if (table == TableId::staff && county == kCityScope) return scope == kCityScope;
  return scope_visible(scope, county);
}

bool scope_visible(std::string_view scope, std::string_view county) {
  if (county == kCityScope) return true;
  if (scope == "*") return true;
  if (scope == county) return true;
  if (scope.size() > 2 && scope.front() == ',') {
    const std::string needle = "," + std::string(county) + ",";
    return scope.find(needle) != std::string_view::npos;
  }
  return false;
}

std::string directive_scope(std::string_view targets) {
  if (targets == kAllCounties) return "*";
  return "," + std::string(targets) + ",";
}

}  // namespace liaison::sync
