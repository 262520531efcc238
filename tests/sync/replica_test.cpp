// Tests for the SQLite replica: local writes and reads, tombstones, reopening
// a file, the compacted change feed and its paging cursor, last-writer-wins
// merge with the conflict log, and (seeded property tests) that merging is
// idempotent, commutative and order-independent.
#include "sync/replica.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "shared/staff.hpp"
#include "sync/scratch_replica.hpp"
#include "password_hash_fixture.hpp"

namespace liaison::sync {
namespace {

constexpr std::uint64_t kT0 = 1'760'000'000'000;

std::uint16_t col(const char* name) { return *Schema::get().table(TableId::cases).column_index(name); }
std::string text(const Value& v) { return to_display(v); }

Fields new_case(const std::string& title, const char* county = "longyou") {
  return {{"kind", std::string("outbound_trip")},
          {"county", std::string(county)},
          {"title", title},
          {"status", std::string("draft")}};
}

Uuid row_id(int n) { return derived_uuid(Uuid{}, "row-" + std::to_string(n)); }

Cell remote(const Uuid& row, const char* column, Value value, std::uint64_t ms, const char* node, Stamp base = {}) {
  return Cell{TableId::cases, row, col(column), std::move(value), {hlc_pack(kT0 + ms, 0), node}, std::move(base)};
}

// Cells that create case `row` (kind and county), as written by longyou:office-1.
std::vector<Cell> creation(const Uuid& row) {
  return {remote(row, "kind", std::string("outbound_trip"), 0, "longyou:office-1"),
          remote(row, "county", std::string("longyou"), 0, "longyou:office-1")};
}

void merge_into(Replica& r, const std::vector<Cell>& cells) { REQUIRE(r.apply_remote(cells).ok()); }

std::vector<Cell> read_all(Replica& r, FeedCursor from, FeedCursor* next = nullptr) {
  auto page = r.read_feed(from, 1'000'000);
  REQUIRE(page.ok());
  CHECK_FALSE(page->more);
  if (next) *next = page->next;
  return page->cells;
}

}  // namespace

TEST_CASE("a local insert can be read back, listed and updated") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  auto id = r->insert(TableId::cases, new_case("Trip to Hamburg"));
  REQUIRE(id.ok());
  auto row = r->get(TableId::cases, *id);
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK(text((**row)["title"]) == "Trip to Hamburg");
  CHECK((**row).scope == "longyou");
  CHECK_FALSE((**row).deleted());

  REQUIRE(
      r->update(TableId::cases, *id, {{"title", std::string("Trip to Bremen")}, {"summary", std::string("3 staff")}})
          .ok());
  row = r->get(TableId::cases, *id);
  CHECK(text((**row)["title"]) == "Trip to Bremen");
  CHECK(text((**row)["summary"]) == "3 staff");
  CHECK(text((**row)["kind"]) == "outbound_trip");  // untouched fields stay

  REQUIRE(r->insert(TableId::cases, new_case("Invite", "longyou")).ok());
  auto all = r->list(TableId::cases);
  REQUIRE(all.ok());
  CHECK(all->size() == 2);
  auto filtered = r->list(TableId::cases, RowFilter{{{"title", std::string("Invite")}}});
  REQUIRE(filtered.ok());
  CHECK(filtered->size() == 1);
  CHECK(r->get(TableId::cases, row_id(999)).value() == std::nullopt);
}

TEST_CASE("updating a row this replica doesn't have is not_found") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  const Status st = r->update(TableId::cases, row_id(1), {{"title", std::string("x")}});
  CHECK(st.error().code == Errc::not_found);
  CHECK(st.error().message.find(row_id(1).to_string()) != std::string::npos);
  CHECK(r->list(TableId::cases, RowFilter{{}, true}).value().empty());  // nothing was created
}

TEST_CASE("an unknown field is refused and the message names the known fields") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  auto bad = r->insert(TableId::cases, {{"kind", std::string("outbound_trip")}, {"titel", std::string("x")}});
  REQUIRE_FALSE(bad.ok());
  CAPTURE(bad.error().message);
  CHECK(bad.error().code == Errc::invalid_argument);
  CHECK(bad.error().message.find("'titel'") != std::string::npos);
  CHECK(bad.error().message.find("known fields") != std::string::npos);
  CHECK(bad.error().message.find("title") != std::string::npos);
  CHECK(bad.error().message.find("destination") != std::string::npos);
  CHECK(r->list(TableId::cases, RowFilter{{{"colour", std::string("red")}}}).error().code == Errc::invalid_argument);
}

TEST_CASE("a value of the wrong type for its field is refused") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  const auto id = r->insert(TableId::cases, new_case("Trip")).value();
  const Status text_in_int = r->update(TableId::cases, id, {{"updated_at", std::string("yesterday")}});
  CHECK(text_in_int.error().code == Errc::invalid_argument);
  CHECK(text_in_int.error().message.find("updated_at") != std::string::npos);
  CHECK(r->update(TableId::cases, id, {{"title", std::int64_t{5}}}).error().code == Errc::invalid_argument);
  CHECK(r->update(TableId::cases, id, {{"amount", std::string("many")}}).error().code == Errc::invalid_argument);
  CHECK(r->update(TableId::cases, id, {{"amount", 12.5}, {"updated_at", std::int64_t{7}}}).ok());
  CHECK(r->update(TableId::cases, id, {{"summary", Value{}}}).ok());  // null fits any field
  CHECK(text(r->get(TableId::cases, id).value().value()["title"]) == "Trip");
}

TEST_CASE("a case without a county can't be created locally: it would have no scope") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  auto id = r->insert(TableId::cases, {{"kind", std::string("outbound_trip")}, {"title", std::string("x")}});
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == Errc::out_of_scope);
  CHECK(id.error().message.find("county") != std::string::npos);
}

TEST_CASE("remove() tombstones a row: hidden from list, still there with include_deleted") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  const auto keep = r->insert(TableId::cases, new_case("keep")).value();
  const auto gone = r->insert(TableId::cases, new_case("gone")).value();
  REQUIRE(r->remove(TableId::cases, gone).ok());
  const auto visible = r->list(TableId::cases).value();
  REQUIRE(visible.size() == 1);
  CHECK(visible[0].id == keep);
  CHECK(r->list(TableId::cases, RowFilter{{}, true}).value().size() == 2);
  const auto row = r->get(TableId::cases, gone).value();
  REQUIRE(row.has_value());
  CHECK(row->deleted());
  CHECK(text((*row)["title"]) == "gone");
  auto tomb = r->cell_of(TableId::cases, gone, kDeletedColumn).value();
  REQUIRE(tomb.has_value());
  CHECK(tomb->value == Value{std::int64_t{1}});
  CHECK(r->remove(TableId::cases, row_id(5)).error().code == Errc::not_found);
}

TEST_CASE("data and the clock survive closing and reopening the file") {
  TempDir dir;
  std::uint64_t wall = kT0 + 60'000;
  Uuid id, replica;
  std::uint64_t before = 0;
  {
    auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
    replica = r->replica_id();
    id = r->insert(TableId::cases, new_case("Trip")).value();
    for (int i = 0; i < 20; ++i) REQUIRE(r->update(TableId::cases, id, {{"summary", std::to_string(i)}}).ok());
    before = r->cell_of(TableId::cases, id, col("summary")).value()->stamp.hlc;
  }
  wall = kT0;  // the device clock went back a minute while it was off
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  CHECK(r->replica_id() == replica);
  CHECK(text(r->get(TableId::cases, id).value().value()["summary"]) == "19");
  CHECK(r->clock().last() >= before);
  REQUIRE(r->update(TableId::cases, id, {{"title", std::string("after")}}).ok());
  CHECK(r->cell_of(TableId::cases, id, col("title")).value()->stamp.hlc > before);
  const auto fresh = r->insert(TableId::cases, new_case("new")).value();
  CHECK(r->cell_of(TableId::cases, fresh, col("title")).value()->stamp.hlc > before);
}

TEST_CASE("reopening a replica as another node is refused") {
  TempDir dir;
  std::uint64_t wall = kT0;
  { open_replica(dir.path("c.db"), "longyou:office-1", &wall); }
  auto other = Replica::open(options_for(dir.path("c.db"), "kaihua:office-1", &wall));
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == Errc::invalid_argument);
  CHECK(other.error().message.find("belongs to longyou:office-1") != std::string::npos);
  ReplicaOptions nobody;
  nobody.path = dir.path("d.db");
  CHECK(Replica::open(nobody).error().code == Errc::invalid_argument);
}

// Regression: a write that failed after taking a feed position (its scope
// could not be derived) rolled back but kept the position in memory; a
// cursor handed out past it skipped the next write that reused it after a
// restart, so that write was never pushed.
TEST_CASE("a write after a refused write and a restart is still in the feed") {
  TempDir dir;
  std::uint64_t wall = kT0;
  FeedCursor cursor;
  {
    auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
    REQUIRE(r->insert(TableId::cases, new_case("first")).ok());
    const auto bad =
        r->insert(TableId::case_notes, {{"case_id", std::string("not-a-case")}, {"body", std::string("x")}});
    REQUIRE_FALSE(bad.ok());                                      // refused: no such case
    read_all(*r, {}, &cursor);                                    // e.g. a push pass that completed
    CHECK(cursor.pos == r->list(TableId::cases).value()[0].seq);  // the cursor names a committed position
  }
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  const Uuid later = r->insert(TableId::cases, new_case("written after the restart")).value();
  const auto cells = read_all(*r, cursor);
  CHECK(cells.size() == 5);  // kind, county, title, status and the ref it was given
  CHECK(std::all_of(cells.begin(), cells.end(), [&](const Cell& c) { return c.row == later; }));
}

// Regression: the hub announces what admin commands (another process) write
// when refresh() says the feed grew. A transaction of its own (a session's
// bookkeeping) that began between that commit and the next refresh() saw the
// commit first, and refresh() then said nothing: a directive issued from the
// command line reached connected offices only with the next push, or never.
TEST_CASE("refresh() reports another process's writes even when a transaction of ours saw them first") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto hub = open_replica(dir.path("h.db"), "city:hub", &wall, true);
  auto admin = open_replica(dir.path("h.db"), "city:hub", &wall, true);
  CHECK_FALSE(hub->refresh().value());  // the file as opened is not news

  REQUIRE(admin->insert(TableId::cases, new_case("written by an admin command")).ok());
  REQUIRE(hub->set_peer("longyou:office-1", PeerState{}).ok());  // begins with the admin's commit visible
  CHECK(hub->refresh().value());
  CHECK_FALSE(hub->refresh().value());  // reported once

  REQUIRE(hub->insert(TableId::cases, new_case("written by the hub itself")).ok());
  CHECK_FALSE(hub->refresh().value());  // its own writes are not another process's
  REQUIRE(admin->insert(TableId::cases, new_case("and another")).ok());
  CHECK(hub->refresh().value());
}

// Regression: a page read just after another process committed ended at
// that commit's position while feed_end() still lagged behind it, so the
// hub refused the client's next pull as "beyond the hub's feed" and the
// client started its whole pull over.
TEST_CASE("a feed page never ends beyond feed_end(), also just after another process wrote") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto hub = open_replica(dir.path("h.db"), "city:hub", &wall, true);
  auto admin = open_replica(dir.path("h.db"), "city:hub", &wall, true);
  REQUIRE(hub->insert(TableId::cases, new_case("first")).ok());
  FeedCursor cursor;
  read_all(*hub, {}, &cursor);
  REQUIRE(admin->insert(TableId::cases, new_case("written by an admin command")).ok());
  REQUIRE(admin->insert(TableId::cases, new_case("and another")).ok());
  auto page = hub->read_feed(cursor, 5);  // exactly the first admin row (with its ref)
  REQUIRE(page.ok());
  CHECK(page->more);
  CHECK(page->next.pos <= hub->feed_end());
  page = hub->read_feed(page->next, 100);
  REQUIRE(page.ok());
  CHECK(page->cells.size() == 5);
  CHECK(page->next.pos == hub->feed_end());
}

// Guards the feed cursor's (low, pos) contract across processes: a row
// another process moved past what this one had counted still delivers its
// older, unsent cells. (Stopping a page at feed_end() instead of counting
// the snapshot lost a new case's creation cells this way when `case set`
// moved the row: the crash loop caught it.)
TEST_CASE("a row another process moved on still delivers its unsent cells") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto reader = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  auto writer = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  REQUIRE(reader->insert(TableId::cases, new_case("already sent")).ok());
  FeedCursor cursor;
  read_all(*reader, {}, &cursor);
  const Uuid id = writer->insert(TableId::cases, new_case("created by another command")).value();
  REQUIRE(reader->refresh().value());  // counted: feed_end() now covers the creation
  REQUIRE(writer->update(TableId::cases, id, {{"summary", std::string("edited by a third")}}).ok());
  std::set<std::uint16_t> columns;
  for (int pass = 0; pass < 2; ++pass) {  // whatever a page leaves for later comes after a refresh
    for (const Cell& c : read_all(*reader, cursor, &cursor)) columns.insert(c.column);
    (void)reader->refresh();
  }
  for (const char* column : {"kind", "county", "title", "status", "summary"})
    CHECK_MESSAGE(columns.count(col(column)) == 1, column);
}

TEST_CASE("read_feed after a full read returns exactly the cells changed since, each once") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  std::vector<Uuid> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(r->insert(TableId::cases, new_case("t" + std::to_string(i))).value());
  FeedCursor c1;
  CHECK(read_all(*r, {}, &c1).size() == 500);  // four fields and a ref per case
  CHECK(read_all(*r, c1).empty());

  for (int i = 0; i < 100; ++i)
    REQUIRE(r->update(TableId::cases, ids[i], {{"title", "edited " + std::to_string(i)}}).ok());
  FeedCursor c2;
  const auto cells = read_all(*r, c1, &c2);
  CHECK(cells.size() == 100);
  std::set<Uuid> rows;
  for (const Cell& c : cells) {
    CHECK(c.column == col("title"));
    CHECK(text(c.value).rfind("edited ", 0) == 0);
    CHECK(c.stamp.node == "longyou:office-1");
    rows.insert(c.row);
  }
  CHECK(rows.size() == 100);

  for (int i = 1; i <= 5; ++i) REQUIRE(r->update(TableId::cases, ids[7], {{"summary", "v" + std::to_string(i)}}).ok());
  const auto compacted = read_all(*r, c2);
  REQUIRE(compacted.size() == 1);
  CHECK(compacted[0].column == col("summary"));
  CHECK(text(compacted[0].value) == "v5");
}

TEST_CASE("paging with a small page size returns every cell exactly once") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
  std::vector<Uuid> ids;
  for (int i = 0; i < 60; ++i) ids.push_back(r->insert(TableId::cases, new_case("t" + std::to_string(i))).value());
  for (int i = 0; i < 60; i += 3) REQUIRE(r->update(TableId::cases, ids[i], {{"summary", std::string("s")}}).ok());
  REQUIRE(r->insert(TableId::case_notes, {{"case_id", ids[0].to_string()}, {"body", std::string("note")}}).ok());
  const std::size_t total = read_all(*r, {}).size();
  for (std::size_t page_size : {1u, 2u, 3u, 7u, 50u}) {
    CAPTURE(page_size);
    std::map<std::pair<Uuid, int>, int> seen;
    FeedCursor cursor;
    int pages = 0;
    for (bool more = true; more; ++pages) {
      auto page = r->read_feed(cursor, page_size);
      REQUIRE(page.ok());
      for (const Cell& c : page->cells) ++seen[{c.row, static_cast<int>(c.table) * 100 + c.column}];
      cursor = page->next;
      more = page->more;
      REQUIRE(pages < 1000);
    }
    CHECK(pages > 1);
    CHECK(seen.size() == total);
    for (const auto& [key, n] : seen) CHECK(n == 1);
    CHECK(read_all(*r, cursor).empty());
  }
}

TEST_CASE("a hub's feed for a county pages through that county's cells only, each once") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  std::vector<Cell> cells;
  for (int i = 0; i < 30; ++i) {
    const char* county = i % 3 ? "longyou" : "kaihua";
    const char* node = i % 3 ? "longyou:office-1" : "kaihua:office-1";
    cells.push_back(remote(row_id(i), "kind", std::string("donation"), i, node));
    cells.push_back(remote(row_id(i), "county", std::string(county), i, node));
    cells.push_back(remote(row_id(i), "title", "gift " + std::to_string(i), i, node));
  }
  merge_into(*hub, cells);
  for (std::size_t page_size : {1u, 4u, 100u}) {
    CAPTURE(page_size);
    std::map<std::pair<Uuid, int>, int> seen;
    FeedCursor cursor;
    for (bool more = true; more;) {
      auto page = hub->read_feed(cursor, page_size, FeedFilter{.scope = std::string("longyou")});
      REQUIRE(page.ok());
      for (const Cell& c : page->cells) ++seen[{c.row, c.column}];
      cursor = page->next;
      more = page->more;
    }
    CHECK(seen.size() == 20 * 3);
    for (const auto& [key, n] : seen) {
      CHECK(n == 1);
      CHECK(to_display(hub->get(TableId::cases, key.first).value()->operator[]("county")) == "longyou");
    }
  }
}

TEST_CASE("paging while rows are edited between pages delivers every change at least once") {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    TempDir dir;
    std::uint64_t wall = kT0;
    auto r = open_replica(dir.path("c.db"), "longyou:office-1", &wall);
    std::vector<Uuid> ids;
    for (int i = 0; i < 40; ++i) ids.push_back(r->insert(TableId::cases, new_case("t" + std::to_string(i))).value());
    FeedCursor cursor;
    read_all(*r, {}, &cursor);
    const char* const columns[] = {"title", "summary", "applicant"};
    std::set<std::pair<Uuid, std::uint16_t>> changed;
    const auto edit = [&] {
      if (rng() % 5 == 0) {
        const Uuid id = r->insert(TableId::cases, new_case("late")).value();
        ids.push_back(id);
        for (const char* c : {"kind", "county", "title", "status", "ref"}) changed.insert({id, col(c)});
        return;
      }
      const Uuid id = ids[rng() % ids.size()];
      const char* column = columns[rng() % 3];
      ++wall;
      REQUIRE(r->update(TableId::cases, id, {{column, "e" + std::to_string(rng() % 1000)}}).ok());
      changed.insert({id, col(column)});
    };
    for (int i = 0; i < 30; ++i) edit();
    std::map<std::pair<Uuid, std::uint16_t>, Cell> received;  // newest received per cell
    for (bool more = true; more;) {
      auto page = r->read_feed(cursor, 1 + rng() % 6);
      REQUIRE(page.ok());
      for (const Cell& c : page->cells) {
        auto& slot = received[{c.row, c.column}];
        if (slot.stamp < c.stamp) slot = c;
      }
      cursor = page->next;
      more = page->more;
      for (int i = rng() % 3; i > 0; --i) edit();  // the user keeps typing between pages
    }
    // Everything changed up to the end of the pass arrived with its newest value;
    // what changed during the last page is left for the next pass.
    const auto rest = read_all(*r, cursor);
    for (const Cell& c : rest) received[{c.row, c.column}] = c;
    for (const auto& key : changed) {
      CAPTURE(key.first.to_string());
      CAPTURE(key.second);
      REQUIRE(received.count(key) == 1);
      const auto now = r->cell_of(TableId::cases, key.first, key.second).value();
      CHECK(received[key].stamp == now->stamp);
      CHECK(received[key].value == now->value);
    }
    for (const auto& [key, c] : received) CHECK(changed.count(key) == 1);  // nothing unchanged is resent
  }
}

// ------------------------------------------------------------------ merge

TEST_CASE("apply_remote: the last writer wins by (hlc, node)") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "city:desk-9", &wall);
  const Uuid id = row_id(1);
  merge_into(*r, creation(id));
  merge_into(*r, {remote(id, "title", std::string("a"), 10, "longyou:office-1")});
  merge_into(*r, {remote(id, "title", std::string("b"), 20, "longyou:field-2")});
  CHECK(text(r->get(TableId::cases, id).value()->operator[]("title")) == "b");
  merge_into(*r, {remote(id, "title", std::string("c"), 20, "longyou:field-1")});  // same hlc, smaller node: loses
  CHECK(text(r->get(TableId::cases, id).value()->operator[]("title")) == "b");
  merge_into(*r, {remote(id, "title", std::string("d"), 20, "longyou:office-1")});  // same hlc, larger node: wins
  CHECK(text(r->get(TableId::cases, id).value()->operator[]("title")) == "d");
  CHECK(r->get(TableId::cases, id).value()->scope == "longyou");
  CHECK(r->clock().now() > hlc_pack(kT0 + 20, 0));  // the clock folded in what it saw
}

TEST_CASE("applying the same cells twice is a no-op") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "city:desk-9", &wall);
  auto batch = creation(row_id(1));
  batch.push_back(remote(row_id(1), "title", std::string("a"), 10, "longyou:office-1"));
  const auto first = r->apply_remote(batch).value();
  CHECK(first.applied == 3);
  const auto hash = r->content_hash("city").value();
  const auto second = r->apply_remote(batch).value();
  CHECK(second.applied == 0);
  CHECK(second.duplicates == 3);
  CHECK(second.conflicts == 0);
  CHECK(r->content_hash("city").value() == hash);
  CHECK(r->conflicts().value().empty());
  CHECK(read_all(*r, {}).empty());  // a client's feed holds only what it has to push: its own writes
}

TEST_CASE("an older cell loses to the newer one already here") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "city:desk-9", &wall);
  const Uuid id = row_id(1);
  merge_into(*r, creation(id));
  merge_into(*r, {remote(id, "title", std::string("new"), 50, "longyou:office-1")});
  const auto stats =
      r->apply_remote(std::vector{remote(id, "title", std::string("old"), 30, "longyou:office-1")}).value();
  CHECK(stats.older == 1);
  CHECK(stats.applied == 0);
  CHECK(stats.conflicts == 0);  // the same writer later overwrote its own value
  CHECK(text(r->get(TableId::cases, id).value()->operator[]("title")) == "new");
  CHECK(r->cell_of(TableId::cases, id, col("title")).value()->stamp ==
        Stamp{hlc_pack(kT0 + 50, 0), "longyou:office-1"});
}

TEST_CASE("concurrent different values: the hub logs the loser, in either order") {
  TempDir dir;
  std::uint64_t wall = kT0;
  const Uuid id = row_id(1);
  const Stamp origin{hlc_pack(kT0 + 1, 0), "longyou:office-1"};
  const Cell a = remote(id, "title", std::string("Trip to Hamburg"), 10, "longyou:field-2", origin);
  const Cell b = remote(id, "title", std::string("Trip to Hanover"), 11, "city:desk-3", origin);
  for (bool a_first : {true, false}) {
    CAPTURE(a_first);
    auto r = open_replica(dir.path(a_first ? "ab.db" : "ba.db"), "city:hub", &wall, true);
    merge_into(*r, creation(id));
    merge_into(*r, {remote(id, "title", std::string("Trip"), 1, "longyou:office-1")});
    const auto s1 = r->apply_remote(std::vector{a_first ? a : b}).value();
    const auto s2 = r->apply_remote(std::vector{a_first ? b : a}).value();
    CHECK(s1.conflicts + s2.conflicts == 1);
    CHECK(text(r->get(TableId::cases, id).value()->operator[]("title")) == "Trip to Hanover");
    const auto log = r->conflicts().value();
    REQUIRE(log.size() == 1);
    CHECK(log[0].row == id);
    CHECK(log[0].column == col("title"));
    CHECK(log[0].loser_value == a.value);
    CHECK(log[0].loser == a.stamp);
    CHECK(log[0].winner_value == b.value);
    CHECK(log[0].winner == b.stamp);
    CHECK_FALSE(log[0].restored);
  }
}

TEST_CASE("a causal successor (its base is the stamp it replaces) is not a conflict, in either order") {
  TempDir dir;
  std::uint64_t wall = kT0;
  const Uuid id = row_id(1);
  const Cell a = remote(id, "title", std::string("draft title"), 10, "longyou:field-2");
  const Cell b = remote(id, "title", std::string("final title"), 12, "city:desk-3", a.stamp);
  for (bool a_first : {true, false}) {
    CAPTURE(a_first);
    auto r = open_replica(dir.path(a_first ? "ab.db" : "ba.db"), "city:desk-9", &wall);
    merge_into(*r, creation(id));
    const auto s1 = r->apply_remote(std::vector{a_first ? a : b}).value();
    const auto s2 = r->apply_remote(std::vector{a_first ? b : a}).value();
    CHECK(s1.conflicts + s2.conflicts == 0);
    CHECK(r->conflicts().value().empty());
    CHECK(text(r->get(TableId::cases, id).value()->operator[]("title")) == "final title");
  }
}

// Regression: a field laptop that had only ever seen "draft" received
// "approved" (the hub's feed never showed it "submitted" in between) and
// logged a conflict nobody had. Away from the hub only own losses count.
TEST_CASE("a client logs the loss of its own writes, not history it only saw compacted") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "longyou:field-2", &wall);
  const Uuid id = row_id(1);
  merge_into(*r, creation(id));
  const Cell draft = remote(id, "status", std::string("draft"), 1, "longyou:office-1");
  const Cell submitted = remote(id, "status", std::string("submitted"), 5, "longyou:office-1", draft.stamp);
  merge_into(*r, {draft});
  merge_into(*r, {remote(id, "status", std::string("approved"), 9, "city:hub", submitted.stamp)});
  CHECK(r->conflicts().value().empty());
  REQUIRE(r->update(TableId::cases, id, {{"summary", std::string("mine")}}).ok());
  merge_into(*r, {remote(id, "summary", std::string("theirs"), 1'000'000, "city:desk-3")});
  const auto log = r->conflicts().value();
  REQUIRE(log.size() == 1);
  CHECK(log[0].loser_value == Value(std::string("mine")));
}

TEST_CASE("restore_conflict writes the losing value back as a new local write") {
  TempDir dir;
  std::uint64_t wall = kT0;
  auto r = open_replica(dir.path("c.db"), "city:desk-9", &wall);
  const Uuid id = row_id(1);
  merge_into(*r, creation(id));
  REQUIRE(r->update(TableId::cases, id, {{"summary", std::string("mine")}}).ok());
  merge_into(*r, {remote(id, "summary", std::string("theirs"), 1'000'000, "city:desk-3")});
  FeedCursor before;
  read_all(*r, {}, &before);
  const auto log = r->conflicts().value();
  REQUIRE(log.size() == 1);
  REQUIRE(r->restore_conflict(log[0].id).ok());
  CHECK(text(r->get(TableId::cases, id).value()->operator[]("summary")) == "mine");
  const auto restored = r->cell_of(TableId::cases, id, col("summary")).value();
  CHECK(restored->stamp.node == "city:desk-9");
  CHECK(restored->stamp > log[0].winner);  // wins everywhere once synced
  CHECK(r->conflicts().value().empty());
  const auto all = r->conflicts(true).value();
  REQUIRE(all.size() == 1);
  CHECK(all[0].restored);
  const auto sent = read_all(*r, before);  // the restored value will be pushed
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].value == Value{std::string("mine")});
  CHECK(r->restore_conflict(log[0].id).error().code == Errc::invalid_argument);
  CHECK(r->restore_conflict(12345).error().code == Errc::not_found);
}

TEST_CASE("a tombstone and a concurrent update converge the same in either order") {
  TempDir dir;
  std::uint64_t wall = kT0;
  const Uuid id = row_id(1);
  const Cell tomb{TableId::cases, id, kDeletedColumn, std::int64_t{1}, {hlc_pack(kT0 + 5, 0), "city:desk-3"}, {}};
  const Cell edit = remote(id, "title", std::string("changed offline"), 6, "longyou:field-2");
  auto r1 = open_replica(dir.path("1.db"), "city:desk-9", &wall);
  auto r2 = open_replica(dir.path("2.db"), "city:desk-9", &wall);
  for (auto* r : {r1.get(), r2.get()}) merge_into(*r, creation(id));
  merge_into(*r1, {tomb});
  merge_into(*r1, {edit});
  merge_into(*r2, {edit});
  merge_into(*r2, {tomb});
  CHECK(r1->content_hash("city").value() == r2->content_hash("city").value());
  for (auto* r : {r1.get(), r2.get()}) {
    CHECK(r->list(TableId::cases).value().empty());
    const auto row = r->get(TableId::cases, id).value();
    REQUIRE(row.has_value());
    CHECK(row->deleted());
    CHECK(text((*row)["title"]) == "changed offline");
  }
}

// ------------------------------------------------------------------ properties

namespace {

const char* const kWriters[] = {"longyou:office-1", "longyou:field-2", "city:desk-3"};
const char* const kTextColumns[] = {"title", "summary", "applicant", "destination", "status"};

// Random cells over 4 rows, 5 text columns plus the tombstone, 3 writers and
// stamps in a 12 ms window, so ties on hlc, equal values (and cleared
// fields) and duplicates are common. A writer never issues one stamp for two values: value and base are
// a function of (row, column, stamp).
struct Generator {
  std::mt19937_64 rng;
  std::vector<Uuid> rows;
  explicit Generator(std::uint64_t seed) : rng(seed) {
    for (int i = 0; i < 4; ++i) rows.push_back(row_id(static_cast<int>(seed * 10 + i)));
  }
  Cell cell() {
    const Uuid& row = rows[rng() % rows.size()];
    const bool tombstone = rng() % 8 == 0;
    const std::uint16_t column = tombstone ? kDeletedColumn : col(kTextColumns[rng() % 5]);
    const std::uint64_t hlc = hlc_pack(kT0 + 1 + rng() % 12, static_cast<std::uint16_t>(rng() % 2));
    const char* node = kWriters[rng() % 3];
    const std::uint64_t h = UuidHash{}(row) ^ (hlc * 31 + column) ^ std::hash<std::string>{}(node);
    Value value = tombstone ? Value{std::int64_t(h % 2)} : h % 4 == 0 ? Value{} : Value{"v" + std::to_string(h % 3)};
    Stamp base = h % 3 == 0 ? Stamp{} : Stamp{hlc - 1 - h % 3, kWriters[h % 3]};
    return Cell{TableId::cases, row, column, std::move(value), {hlc, node}, std::move(base)};
  }
  std::vector<Cell> batch() {
    std::vector<Cell> out;
    for (const Uuid& row : rows)
      for (const Cell& c : creation(row)) out.push_back(c);
    for (int i = 5 + static_cast<int>(rng() % 30); i > 0; --i) out.push_back(cell());
    std::shuffle(out.begin(), out.end(), rng);
    return out;
  }
};

// Same visible data, and the same winning cell (value, stamp, base) everywhere.
void check_same(Replica& a, Replica& b, const std::vector<Uuid>& rows) {
  CHECK(a.content_hash("city").value() == b.content_hash("city").value());
  CHECK(a.content_hash("longyou").value() == b.content_hash("longyou").value());
  const auto ncols = static_cast<std::uint16_t>(Schema::get().table(TableId::cases).columns.size());
  for (const Uuid& row : rows)
    for (std::uint16_t c = 0; c < ncols; ++c) {
      const auto ca = a.cell_of(TableId::cases, row, c).value();
      const auto cb = b.cell_of(TableId::cases, row, c).value();
      CAPTURE(c);
      REQUIRE(ca.has_value() == cb.has_value());
      if (ca) CHECK(*ca == *cb);
    }
}

}  // namespace

// Runs `body(gen, fresh)` for seeds 1..15, on client and on hub replicas;
// `fresh()` opens a new empty replica of that kind.
template <class Body>
void for_each_seed(Body body) {
  for (bool hub : {false, true})
    for (std::uint64_t seed = 1; seed <= 15; ++seed) {
      INFO("seed " << seed << (hub ? " (hub replica)" : " (client replica)"));
      TempDir dir;
      std::uint64_t wall = kT0;
      int opened = 0;
      const auto fresh = [&] {
        return open_replica(dir.path(std::to_string(opened++) + ".db"), hub ? "city:hub" : "city:desk-9", &wall, hub);
      };
      Generator gen(seed);
      body(gen, fresh);
    }
}

TEST_CASE("property: applying a batch twice equals applying it once") {
  for_each_seed([](Generator& gen, const auto& fresh) {
    const auto a = gen.batch();
    auto once = fresh(), twice = fresh();
    merge_into(*once, a);
    merge_into(*twice, a);
    const auto again = twice->apply_remote(a).value();
    CHECK(again.applied == 0);
    CHECK(again.duplicates + again.older == a.size());
    check_same(*once, *twice, gen.rows);
  });
}

TEST_CASE("property: applying A then B equals B then A") {
  for_each_seed([](Generator& gen, const auto& fresh) {
    const auto a = gen.batch(), b = gen.batch();
    auto ab = fresh(), ba = fresh();
    merge_into(*ab, a);
    merge_into(*ab, b);
    merge_into(*ba, b);
    merge_into(*ba, a);
    check_same(*ab, *ba, gen.rows);
  });
}

TEST_CASE("property: any permutation and split of several batches gives the same state") {
  for_each_seed([](Generator& gen, const auto& fresh) {
    std::vector<std::vector<Cell>> batches;
    std::vector<Cell> all;
    for (int i = 0; i < 4; ++i) {
      batches.push_back(gen.batch());
      all.insert(all.end(), batches.back().begin(), batches.back().end());
    }
    auto ordered = fresh();
    for (const auto& batch : batches) merge_into(*ordered, batch);
    for (int trial = 0; trial < 3; ++trial) {
      CAPTURE(trial);
      std::shuffle(all.begin(), all.end(), gen.rng);
      auto mixed = fresh();
      for (std::size_t at = 0; at < all.size();) {
        const std::size_t n = trial == 0 ? all.size() : 1 + gen.rng() % 20;  // trial 0: all in one batch
        const std::vector<Cell> piece(all.begin() + at, all.begin() + std::min(all.size(), at + n));
        merge_into(*mixed, piece);
        at += piece.size();
      }
      check_same(*ordered, *mixed, gen.rows);
    }
  });
}

}  // namespace liaison::sync

namespace liaison::sync {

namespace {

// An officer's account of `county`, written at the hub as 'staff add' does.
void add_officer(Replica& hub, const std::string& county, const std::string& name) {
  REQUIRE(hub.insert(TableId::staff,
                     {{"name", name},
                      {"county", county},
                      {"role", std::string("officer")},
                      {"password", std::string(kTestPasswordHash)}},
                     staff_row_id(StaffRef{county, name}))
              .ok());
}

}  // namespace

TEST_CASE("a cell keeps the person who wrote it: across a reopen, in the push, at the hub and in its history") {
  TempDir dir;
  std::uint64_t wall = 1'760'000'000'000;
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  for (const char* name : {"王伟", "李娜"}) add_officer(*hub, "longyou", name);
  auto pc = open_replica(dir.path("pc.db"), "longyou:office-1", &wall);
  pc->set_staff("longyou/王伟");
  wall += 1000;
  const Uuid trip = pc->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                                {"county", std::string("longyou")},
                                                {"title", std::string("赴德国汉堡")}})
                        .value();
  pc->set_staff("longyou/李娜");
  REQUIRE(pc->update(TableId::cases, trip, {{"summary", std::string("考察港口")}}).ok());
  const auto title = *Schema::get().table(TableId::cases).column_index("title");
  const auto summary = *Schema::get().table(TableId::cases).column_index("summary");
  pc.reset();
  pc = open_replica(dir.path("pc.db"), "longyou:office-1", &wall);
  CHECK(pc->cell_of(TableId::cases, trip, title).value()->staff == "longyou/王伟");
  CHECK(pc->cell_of(TableId::cases, trip, summary).value()->staff == "longyou/李娜");
  CHECK(pc->staff().empty());  // who is signed in is the client's to keep, not the replica's

  auto page = pc->read_feed({}, 100, FeedFilter{.own_cells_only = true});
  REQUIRE(page.ok());
  auto pushed = hub->apply_push(NodeId::parse("longyou:office-1").value(), page->cells, 60'000, "1001");
  REQUIRE(pushed.ok());
  CHECK(pushed->rejections.empty());
  CHECK(hub->cell_of(TableId::cases, trip, summary).value()->staff == "longyou/李娜");
  const auto history = hub->history_of(std::vector<Uuid>{trip}).value();
  bool made_by_wang = false, summary_by_li = false;
  for (const Change& c : history) {
    made_by_wang |= c.created_row && c.staff == "longyou/王伟";
    summary_by_li |= !c.created_row && c.column == summary && c.staff == "longyou/李娜";
  }
  CHECK(made_by_wang);
  CHECK(summary_by_li);
  CHECK(hub->verify_history().value().broken_at == 0);

  // Another device of the county gets the cells with their people.
  auto laptop = open_replica(dir.path("laptop.db"), "longyou:field-2", &wall);
  auto feed = hub->read_feed({}, 1000, FeedFilter{.scope = std::string("longyou")});
  REQUIRE(feed.ok());
  REQUIRE(laptop->apply_remote(feed->cells).ok());
  CHECK(laptop->cell_of(TableId::cases, trip, title).value()->staff == "longyou/王伟");
}

}  // namespace liaison::sync

namespace liaison::sync {

TEST_CASE("a device that has not yet received its county's accounts writes as itself; once it has, it names someone") {
  TempDir dir;
  std::uint64_t wall = 1'760'000'000'000;
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  auto pc = open_replica(dir.path("pc.db"), "longyou:office-1", &wall);
  const NodeId longyou = NodeId::parse("longyou:office-1").value();
  wall += 1000;
  add_officer(*hub, "longyou", "王伟");
  // Offline since before the city enrolled the county: it knows of no
  // account, and what it writes now is kept.
  wall += 1000;
  const auto push_a_case = [&](const char* title) {
    const Uuid id = pc->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                                {"county", std::string("longyou")},
                                                {"title", std::string(title)}})
                        .value();
    auto page = pc->read_feed({}, 1000, FeedFilter{.own_cells_only = true});
    REQUIRE(page.ok());
    std::vector<Cell> mine;
    for (const Cell& c : page->cells)
      if (c.row == id) mine.push_back(c);
    return hub->apply_push(longyou, mine, 60'000, "1001").value();
  };
  CHECK(push_a_case("离线时写的申请").rejections.empty());
  // Once it has pulled past the account, a change naming nobody is refused.
  PeerState state;
  state.pulled = {0, hub->feed_end()};
  REQUIRE(hub->set_peer(longyou.str(), state).ok());
  wall += 1000;
  const auto refused = push_a_case("无人登录时写的申请");
  REQUIRE_FALSE(refused.rejections.empty());
  CHECK(refused.rejections.front().reason.find("nobody was signed in") != std::string::npos);
}

}  // namespace liaison::sync

namespace liaison::sync {

TEST_CASE("an account disabled and enabled again: what its person wrote in between stays refused, named") {
  TempDir dir;
  std::uint64_t wall = 1'760'000'000'000;
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  const Uuid li = staff_row_id(StaffRef{"longyou", "李娜"});
  add_officer(*hub, "longyou", "李娜");
  auto pc = open_replica(dir.path("pc.db"), "longyou:office-1", &wall);
  const NodeId longyou = NodeId::parse("longyou:office-1").value();
  pc->set_staff("longyou/李娜");
  wall += 1000;
  const Uuid trip = pc->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                                {"county", std::string("longyou")},
                                                {"title", std::string("赴德国汉堡")}})
                        .value();
  wall += 1000;
  REQUIRE(hub->update(TableId::staff, li, {{"disabled", std::int64_t{1}}}).ok());
  wall += 1000;
  REQUIRE(pc->update(TableId::cases, trip, {{"summary", std::string("停用期间写的摘要")}}).ok());
  wall += 1000;
  REQUIRE(hub->update(TableId::staff, li, {{"disabled", std::int64_t{0}}}).ok());
  wall += 1000;
  REQUIRE(pc->update(TableId::cases, trip, {{"purpose", std::string("恢复后写的目的")}}).ok());

  auto page = pc->read_feed({}, 1000, FeedFilter{.own_cells_only = true});
  REQUIRE(page.ok());
  const auto pushed = hub->apply_push(longyou, page->cells, 60'000, "1001").value();
  const auto summary = *Schema::get().table(TableId::cases).column_index("summary");
  REQUIRE(pushed.rejections.size() == 1);
  CHECK(pushed.rejections[0].column == summary);
  CHECK(pushed.rejections[0].reason.find("was disabled before this change") != std::string::npos);
  const auto row = hub->get(TableId::cases, trip).value();
  REQUIRE(row);
  CHECK(to_display((*row)["title"]) == "赴德国汉堡");
  CHECK(to_display((*row)["purpose"]) == "恢复后写的目的");
  CHECK(to_display((*row)["summary"]).empty());

  // The hub's record of the refusal names who tried.
  const auto refused = hub->refusals_of_case(trip, std::vector<Uuid>{trip}).value();
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].staff == "longyou/李娜");
  CHECK(refused[0].node == "longyou:office-1");
}

}  // namespace liaison::sync

namespace liaison::sync {

TEST_CASE("a row whose record of who wrote it is damaged in the file is an error that says so, not a crash") {
  TempDir dir;
  std::uint64_t wall = 1'760'000'000'000;
  const std::string path = dir.path("pc.db");
  Uuid trip;
  {
    auto pc = open_replica(path, "longyou:office-1", &wall);
    trip = pc->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                       {"county", std::string("longyou")},
                                       {"title", std::string("赴德国汉堡")}})
               .value();
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  // Column 3 written by node ref 200, which the node table lacks.
  REQUIRE(sqlite3_exec(db, "UPDATE cases SET _clock = x'0301c801010000'", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto pc = open_replica(path, "longyou:office-1", &wall);
  const auto row = pc->get(TableId::cases, trip);
  REQUIRE_FALSE(row);
  CHECK(row.error().message.find("is damaged — restore the file from a backup") != std::string::npos);
  const auto feed = pc->read_feed({}, 100, FeedFilter{.own_cells_only = true});
  REQUIRE_FALSE(feed);
  CHECK(feed.error().message.find("is damaged") != std::string::npos);
}

}  // namespace liaison::sync

namespace liaison::sync {

TEST_CASE("a county's accounts, with their password hashes, go to that county's devices and not to the city's desks") {
  TempDir dir;
  std::uint64_t wall = 1'760'000'000'000;
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  for (const auto& [county, name] : {std::pair{"longyou", "王伟"}, std::pair{"city", "周敏"}})
    add_officer(*hub, county, name);
  const auto accounts_sent_to = [&](const char* scope) {
    std::set<Uuid> rows;
    const FeedPage page = hub->read_feed({}, 1000, FeedFilter{.scope = std::string(scope)}).value();
    for (const Cell& c : page.cells)
      if (c.table == TableId::staff) rows.insert(c.row);
    return rows;
  };
  const Uuid wang = staff_row_id(StaffRef{"longyou", "王伟"}), zhou = staff_row_id(StaffRef{"city", "周敏"});
  CHECK(accounts_sent_to("longyou") == std::set<Uuid>{wang});
  CHECK(accounts_sent_to("city") == std::set<Uuid>{zhou});
  CHECK(accounts_sent_to("kaihua").empty());
  CHECK(hub->content_hash("city").value() != hub->content_hash(kEveryRow).value());

  // Nor as the answer to a desk writing to a county's account: refused,
  // and nothing of the account comes back but that it is gone.
  const NodeId desk = NodeId::parse("city:desk-1").value();
  const auto password = *Schema::get().table(TableId::staff).column_index("password");
  wall += 1000;
  const Cell tried{
      TableId::staff, wang, password, Value{std::string(kTestPasswordHash)}, Stamp{hlc_pack(wall, 0), desk.str()}, {},
      "city/周敏"};
  const auto pushed = hub->apply_push(desk, std::vector<Cell>{tried}, 60'000, "1002").value();
  CHECK(pushed.rejections.size() == 1);
  for (const Cell& c : pushed.corrections) CHECK(c.column == kDeletedColumn);  // gone, for the desk

  // A desk of an older release, sent the counties' accounts, drops them
  // when it is next opened.
  const std::string desk_path = dir.path("desk.db");
  {
    auto old_desk = open_replica(desk_path, "city:desk-1", &wall);
    REQUIRE(old_desk->apply_remote(hub->read_feed({}, 1000, FeedFilter{.scope = std::string("longyou")}).value().cells)
                .ok());
    REQUIRE(old_desk->get(TableId::staff, wang).value());
  }
  auto reopened = open_replica(desk_path, "city:desk-1", &wall);
  CHECK_FALSE(reopened->get(TableId::staff, wang).value());
}

}  // namespace liaison::sync
