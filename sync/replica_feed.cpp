// The change feed of a replica: "cells changed after a cursor", compacted by
// construction (a cell edited many times since the cursor is sent once), and
// an order-independent content hash for comparing replicas.
//
// Rows are visited in order of `_seq`, the feed position of their latest
// change. A page that stops at row position P has sent every row whose
// latest change is at or before P; a row changed again later moves past P
// and is visited again. Because a row carries cells of different ages, a
// pass sends each visited row's cells changed after `low`, the cursor at
// which the pass began, not after P: otherwise a cell changed at 3 in a row
// last changed at 8 would be skipped by a page that stopped at 6.
#include <algorithm>
#include <set>

#include "sync/replica_impl.hpp"

namespace liaison::sync {
namespace {

struct Candidate {
  TableId table;
  Uuid id;
  StoredRow row;
};

void emit_cells(const Replica::Impl& I, const Candidate& c, std::uint64_t low, bool own_only, std::uint32_t skip_ref,
                std::vector<Cell>& out) {
  for (std::size_t col = 0; col < c.row.meta.size(); ++col) {
    const CellMeta& m = c.row.meta[col];
    if (!m.present() || m.seq <= low || (own_only && m.node != I.self_ref) || (skip_ref && m.node == skip_ref))
      continue;
    out.push_back(I.cell_of(c.table, c.id, static_cast<std::uint16_t>(col), c.row.values[col], m));
  }
}

}  // namespace

namespace {

// One page of the feed, read in steps: a cursor per table, stepped lazily
// and merged by _seq, so a page reads the rows it sends plus one look-ahead
// row per table.
class FeedPageReader {
 public:
  FeedPageReader(Replica::Impl& impl, FeedCursor from, std::size_t max_cells, const FeedFilter& filter)
      : I(impl), from_(from), max_cells_(max_cells), filter_(filter) {
    page_.next = from;
    if (!filter.skip_node.empty()) {
      const auto it = I.node_refs.find(filter.skip_node);
      skip_ref_ = it == I.node_refs.end() ? 0 : it->second;
    }
  }

  Result<FeedPage> read() {
    Status status = open_cursors();
    while (status) {
      Head* next = earliest();
      if (!next) break;  // every table exhausted
      if (page_.cells.size() >= max_cells_) {
        page_.more = true;
        break;
      }
      status = send(*next);
    }
    for (auto& head : heads_) head.st->reset();
    if (!status) return status.error();
    if (!page_.more) page_.next.pos = std::max(page_.next.pos, I.seq);
    page_.next.low = page_.more ? from_.low : page_.next.pos;
    return std::move(page_);
  }

 private:
  struct Head {
    sql::Statement* st;
    TableId table;
    std::optional<Candidate> row;
  };

  Status open_cursors() {
    for (const auto& def : Schema::get().tables()) {
      if (filter_.only_table && def.id != *filter_.only_table) continue;
      // The city's desks are sent the city's accounts only (row_visible).
      const bool scoped = filter_.scope && (*filter_.scope != kCityScope || def.id == TableId::staff);
      auto& st = scoped ? I.stmts(def.id).feed_scoped : I.stmts(def.id).feed;
      st.bind(1, static_cast<std::int64_t>(from_.pos)).bind(2, std::int64_t{-1});
      if (scoped) st.bind(3, std::string_view(*filter_.scope));
      heads_.push_back({&st, def.id, std::nullopt});
      if (auto& shared = I.stmts(def.id).feed_shared; scoped && shared) {
        shared->bind(1, static_cast<std::int64_t>(from_.pos)).bind(2, std::int64_t{-1});
        shared->bind(3, std::string_view(*filter_.scope));
        heads_.push_back({&*shared, def.id, std::nullopt});
      }
    }
    for (auto& head : heads_) LIAISON_TRY(advance(head));
    return {};
  }

  Status advance(Head& head) {
    auto more = head.st->step();
    if (!more) return more.error();
    head.row.reset();
    if (!*more) return {};
    Candidate c{head.table, Uuid::from_bytes(head.st->column_blob(1).data()), {}};
    c.row.rowid = head.st->column_int(0);
    LIAISON_TRY(I.read_row(*head.st, 2, head.table, c.row));
    head.row = std::move(c);
    return {};
  }

  // The table cursor whose next row changed first.
  Head* earliest() {
    Head* next = nullptr;
    for (auto& head : heads_)
      if (head.row && (!next || head.row->row.seq < next->row->row.seq)) next = &head;
    return next;
  }

  // Sends the row under `head` (its parent first, when asked) and steps on.
  Status send(Head& head) {
    const Candidate c = std::move(*head.row);
    if (!sent_ahead_.count({static_cast<std::uint8_t>(c.table), c.id})) {
      if (filter_.parents_first) LIAISON_TRY(send_parent_ahead(c));
      emit_cells(I, c, from_.low, filter_.own_cells_only, skip_ref_, page_.cells);
    }  // else: already sent ahead of a child in this page
    page_.next.pos = c.row.seq;
    return advance(head);
  }

  // The parent's pending cells must reach the hub before the child's.
  Status send_parent_ahead(const Candidate& child) {
    const auto& def = Schema::get().table(child.table);
    if (!def.parent) return {};
    const auto* text = std::get_if<std::string>(&child.row.values[def.scope_column]);
    const auto parent_id = text ? Uuid::parse(*text) : std::nullopt;
    if (!parent_id || sent_ahead_.count({static_cast<std::uint8_t>(*def.parent), *parent_id})) return {};
    auto parent = I.load(*def.parent, *parent_id);
    if (!parent) return parent.error();
    if (!parent->exists || parent->seq <= child.row.seq) return {};
    emit_cells(I, Candidate{*def.parent, *parent_id, std::move(*parent)}, from_.low, filter_.own_cells_only, skip_ref_,
               page_.cells);
    sent_ahead_.insert({static_cast<std::uint8_t>(*def.parent), *parent_id});
    return {};
  }

  Replica::Impl& I;
  const FeedCursor from_;
  const std::size_t max_cells_;
  const FeedFilter& filter_;
  std::uint32_t skip_ref_ = 0;
  std::vector<Head> heads_;
  std::set<std::pair<std::uint8_t, Uuid>> sent_ahead_;  // parents pulled forward in this page
  FeedPage page_;
};

}  // namespace

Result<FeedPage> Replica::read_feed(FeedCursor from, std::size_t max_cells, const FeedFilter& filter) {
  auto& I = *impl_;
  if (I.depth > 0) return FeedPageReader(I, from, max_cells, filter).read();
  // Every table must be read from one snapshot: a commit by another process
  // between two tables' reads could put a row behind the cursor unsent.
  LIAISON_TRY(I.db->exec("BEGIN"));
  ++I.depth;
  auto page = FeedPageReader(I, from, max_cells, filter).read();
  --I.depth;
  if (page && page->next.pos > I.seq) {
    // The snapshot held another process's commit we had not counted: a
    // cursor past feed_end() would be refused as ahead of the feed on the
    // next pull. Count it (same snapshot) before handing the cursor out.
    if (Status fresh = I.refresh_from_disk(); !fresh) {
      (void)I.db->exec("ROLLBACK");
      return fresh.error();
    }
    if (!page->more) page->next.low = page->next.pos = std::max(page->next.pos, I.seq);
  }
  (void)I.db->exec(page ? "COMMIT" : "ROLLBACK");
  return page;
}

Result<std::uint64_t> Replica::content_hash(std::string_view scope) {
  std::uint64_t total = 0;
  for (const auto& def : Schema::get().tables()) {
    auto rows = list(def.id);
    if (!rows) return rows.error();
    for (const Row& row : *rows) {
      if (scope != kEveryRow && !row_visible(def.id, row.scope, scope)) continue;
      std::uint64_t h = kFnvOffset;
      const auto table = static_cast<std::uint8_t>(def.id);
      h = fnv1a64(h, &table, 1);
      h = fnv1a64(h, row.id.bytes.data(), 16);
      for (const Value& v : row.values) {
        const auto tag = static_cast<std::uint8_t>(v.index());
        h = fnv1a64(h, &tag, 1);
        const std::string text = to_display(v);
        h = fnv1a64(h, text.data(), text.size());
      }
      total += h * 0x9e3779b97f4a7c15ULL + (h >> 29);
    }
  }
  return total;
}

}  // namespace liaison::sync
