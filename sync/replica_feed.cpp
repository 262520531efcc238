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
    if (!m.present() || m.seq <= low || (own_only && m.node != I.self_ref) || (skip_ref && m.node == skip_ref)) continue;
    out.push_back(Cell{c.table, c.id, static_cast<std::uint16_t>(col), c.row.values[col], I.stamp_of(m), I.base_of(m)});
  }
}

}  // namespace

Result<FeedPage> Replica::read_feed(FeedCursor from, std::size_t max_cells, const FeedFilter& filter) {
  auto& I = *impl_;
  // Every table must be read from one snapshot: a commit by another process
  // between two tables' reads could put a row behind the cursor unsent.
  if (I.depth == 0) {
    LIAISON_TRY(I.db->exec("BEGIN"));
    ++I.depth;
    auto page = read_feed(from, max_cells, filter);
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
  FeedPage page;
  page.next = from;
  const bool scoped = filter.scope && *filter.scope != kCityScope;
  std::uint32_t skip_ref = 0;
  if (!filter.skip_node.empty()) {
    const auto it = I.node_refs.find(filter.skip_node);
    skip_ref = it == I.node_refs.end() ? 0 : it->second;
  }

  // One cursor per table, stepped lazily and merged by _seq: a page reads
  // the rows it sends plus one look-ahead row per table.
  struct Head {
    sql::Statement* st;
    std::optional<Candidate> row;
  };
  std::vector<Head> heads;
  const auto advance = [&](Head& head, TableId table) -> Status {
    auto more = head.st->step();
    if (!more) return more.error();
    head.row.reset();
    if (!*more) return {};
    Candidate c{table, Uuid::from_bytes(head.st->column_blob(1).data()), {}};
    c.row.rowid = head.st->column_int(0);
    I.read_row(*head.st, 2, table, c.row);
    head.row = std::move(c);
    return {};
  };
  Status status;
  for (const auto& def : Schema::get().tables()) {
    if (filter.only_table && def.id != *filter.only_table) continue;
    auto& st = scoped ? I.stmts(def.id).feed_scoped : I.stmts(def.id).feed;
    st.bind(1, static_cast<std::int64_t>(from.pos)).bind(2, std::int64_t{-1});
    if (scoped) st.bind(3, std::string_view(*filter.scope));
    heads.push_back({&st, std::nullopt});
    if (status) status = advance(heads.back(), def.id);
  }
  std::set<std::pair<std::uint8_t, Uuid>> sent_ahead;  // parents pulled forward in this page
  while (status) {
    Head* next = nullptr;
    for (auto& head : heads)
      if (head.row && (!next || head.row->row.seq < next->row->row.seq)) next = &head;
    if (!next) break;  // every table exhausted
    if (page.cells.size() >= max_cells) {
      page.more = true;
      break;
    }
    const Candidate c = std::move(*next->row);
    const auto& def = Schema::get().table(c.table);
    if (sent_ahead.count({static_cast<std::uint8_t>(c.table), c.id})) {
      // Already sent ahead of a child in this page.
      page.next.pos = c.row.seq;
      status = advance(*next, c.table);
      continue;
    }
    if (filter.parents_first && def.parent) {
      // The parent's pending cells must reach the hub before the child's.
      const auto* text = std::get_if<std::string>(&c.row.values[def.scope_column]);
      const auto parent_id = text ? Uuid::parse(*text) : std::nullopt;
      if (parent_id && !sent_ahead.count({static_cast<std::uint8_t>(*def.parent), *parent_id})) {
        auto parent = I.load(*def.parent, *parent_id);
        if (!parent) {
          status = parent.error();
          break;
        }
        if (parent->exists && parent->seq > c.row.seq) {
          emit_cells(I, Candidate{*def.parent, *parent_id, std::move(*parent)}, from.low, filter.own_cells_only,
                     skip_ref, page.cells);
          sent_ahead.insert({static_cast<std::uint8_t>(*def.parent), *parent_id});
        }
      }
    }
    emit_cells(I, c, from.low, filter.own_cells_only, skip_ref, page.cells);
    page.next.pos = c.row.seq;
    status = advance(*next, c.table);
  }
  for (auto& head : heads) head.st->reset();
  if (!status) return status.error();
  if (!page.more) page.next.pos = std::max(page.next.pos, I.seq);
  page.next.low = page.more ? from.low : page.next.pos;
  return page;
}

Result<std::uint64_t> Replica::content_hash(std::string_view scope) {
  std::uint64_t total = 0;
  for (const auto& def : Schema::get().tables()) {
    auto rows = list(def.id);
    if (!rows) return rows.error();
    for (const Row& row : *rows) {
      if (!scope_visible(row.scope, scope)) continue;
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
