// Tests for the hub's history of accepted changes and for reverting what one
// node changed after a time (a stolen laptop): its edits go back, the rows it
// made are deleted, edits others made since are left alone, changes before
// the time stay, and reverting again changes nothing.
#include "sync/revert.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

namespace liaison::sync {
namespace {

constexpr std::uint64_t kT0 = 1'760'000'000'000;
constexpr std::uint64_t kAhead = 60'000;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/liaison-revert-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

std::unique_ptr<Replica> open_replica(const std::string& path, const char* node, const std::uint64_t* wall, bool hub) {
  ReplicaOptions options;
  options.path = path;
  options.self = NodeId::parse(node).value();
  options.hub = hub;
  options.wall = [wall] { return *wall; };
  options.seed = 1;
  options.durable = false;
  auto r = Replica::open(options);
  if (!r) FAIL(r.error().message);
  return std::move(r).value();
}

// A county device and the certificate serial it syncs with.
struct Device {
  std::unique_ptr<Replica> replica;
  std::string serial;
  FeedCursor pushed;
  FeedCursor pulled;
};

struct World {
  TempDir dir;
  std::uint64_t wall = kT0;
  std::unique_ptr<Replica> hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  Device office{open_replica(dir.path("office.db"), "longyou:office-1", &wall, false), "0A01", {}, {}};
  Device field{open_replica(dir.path("field.db"), "longyou:field-2", &wall, false), "0A02", {}, {}};

  // Push what the device wrote since its last push, then pull the hub's feed.
  void sync(Device& d) {
    auto page = d.replica->read_feed(d.pushed, 100'000, FeedFilter{.own_cells_only = true});
    REQUIRE(page.ok());
    auto pushed = hub->apply_push(d.replica->self(), page->cells, kAhead, d.serial);
    REQUIRE(pushed.ok());
    REQUIRE(pushed->rejections.empty());
    d.pushed = page->next;
    auto changes = hub->read_feed(d.pulled, 100'000, FeedFilter{.scope = "longyou"});
    REQUIRE(changes.ok());
    REQUIRE(d.replica->apply_remote(changes->cells).ok());
    d.pulled = changes->next;
  }
  void tick(std::uint64_t ms) { wall += ms; }
};

std::string value_at(Replica& r, const Uuid& row, const char* column) {
  auto got = r.get(TableId::cases, row);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  return to_display((**got)[column]);
}

bool deleted(Replica& r, const Uuid& row) {
  auto got = r.get(TableId::cases, row);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  return (*got)->deleted();
}

Fields trip(const std::string& title) {
  return {{"kind", std::string("outbound_trip")}, {"county", std::string("longyou")}, {"title", title},
          {"status", std::string("draft")}};
}

TEST_CASE("the hub records every change it accepts: who, with which certificate, the value before and after") {
  World w;
  auto id = w.office.replica->insert(TableId::cases, trip("赴德国汉堡经贸考察"));
  REQUIRE(id.ok());
  w.sync(w.office);
  w.tick(1000);
  w.sync(w.field);
  REQUIRE(w.field.replica->update(TableId::cases, *id, {{"title", std::string("赴德国汉堡考察")}}));
  w.sync(w.field);

  auto all = w.hub->history();
  REQUIRE(all.ok());
  auto by_field = w.hub->history({.node = "longyou:field-2"});
  REQUIRE(by_field.ok());
  REQUIRE(by_field->size() == 1);
  const Change& c = by_field->front();
  CHECK(c.certificate == "0A02");
  CHECK(c.row == *id);
  CHECK(to_display(c.old_value) == "赴德国汉堡经贸考察");
  CHECK(to_display(c.new_value) == "赴德国汉堡考察");
  CHECK(c.old_stamp.node == "longyou:office-1");
  CHECK(c.new_stamp.node == "longyou:field-2");
  CHECK_FALSE(c.created_row);
  CHECK(c.at_ms == kT0 + 1000);
  // The office's creation is one entry for the whole row.
  REQUIRE(all->size() == 2);
  CHECK(all->front().created_row);
  CHECK(all->front().node == "longyou:office-1");
  CHECK(all->front().row == *id);
  CHECK(w.hub->history({.node = "longyou:office-1", .since_ms = kT0 + 1}).value().empty());
  // The hub's own writes are recorded as the hub's.
  REQUIRE(w.hub->update(TableId::cases, *id, {{"decision_reason", std::string("同意")}}));
  auto by_hub = w.hub->history({.node = "city:hub"});
  REQUIRE(by_hub.ok());
  REQUIRE(by_hub->size() == 1);
  CHECK(by_hub->front().certificate.empty());
}

TEST_CASE("reverting a node's changes since a time restores its edits, deletes its rows and leaves others' alone") {
  World w;
  auto trip_id = w.office.replica->insert(TableId::cases, trip("赴德国汉堡经贸考察"));
  REQUIRE(trip_id.ok());
  REQUIRE(w.office.replica->update(TableId::cases, *trip_id, {{"destination", std::string("Hamburg")}}));
  w.sync(w.office);
  w.sync(w.field);
  // Before the laptop was lost: a change that stays.
  w.tick(60'000);
  REQUIRE(w.field.replica->update(TableId::cases, *trip_id, {{"summary", std::string("三人，五天")}}));
  w.sync(w.field);
  const std::uint64_t lost_at = w.wall + 60'000;
  w.tick(120'000);
  // After: the thief edits twice, creates a case, and edits a field the
  // office then corrects.
  REQUIRE(w.field.replica->update(TableId::cases, *trip_id, {{"title", std::string("赴德国旅游")}}));
  w.sync(w.field);
  REQUIRE(w.field.replica->update(TableId::cases, *trip_id, {{"title", std::string("赴德国度假")},
                                                            {"destination", std::string("Berlin")}}));
  auto forged = w.field.replica->insert(TableId::cases, trip("伪造的出访申请"));
  REQUIRE(forged.ok());
  w.sync(w.field);
  w.tick(1000);
  w.sync(w.office);
  REQUIRE(w.office.replica->update(TableId::cases, *trip_id, {{"destination", std::string("Hamburg, Bremen")}}));
  w.sync(w.office);
  const NodeId field = w.field.replica->self();

  auto plan = plan_revert(*w.hub, field, lost_at);
  REQUIRE(plan.ok());
  CHECK(plan->changes == 3 + 1);  // title twice, destination once, the forged case made
  REQUIRE(plan->steps.size() == 3);
  std::size_t restores = 0, removals = 0, left = 0;
  for (const auto& step : plan->steps) {
    switch (step.action) {
      case RevertStep::Action::restore:
        ++restores;
        CHECK(step.row == *trip_id);
        CHECK(to_display(step.restored) == "赴德国汉堡经贸考察");
        CHECK(to_display(step.current) == "赴德国度假");
        CHECK(step.undone == 2);
        break;
      case RevertStep::Action::remove_row:
        ++removals;
        CHECK(step.row == *forged);
        break;
      case RevertStep::Action::leave:
        ++left;
        CHECK(step.changed_by == "longyou:office-1");
        break;
    }
  }
  CHECK(restores == 1);
  CHECK(removals == 1);
  CHECK(left == 1);

  auto written = apply_revert(*w.hub, *plan);
  REQUIRE(written.ok());
  CHECK(*written == 2);
  CHECK(value_at(*w.hub, *trip_id, "title") == "赴德国汉堡经贸考察");
  CHECK(value_at(*w.hub, *trip_id, "destination") == "Hamburg, Bremen");
  CHECK(value_at(*w.hub, *trip_id, "summary") == "三人，五天");
  CHECK(deleted(*w.hub, *forged));
  // Every office follows at its next sync.
  w.sync(w.office);
  CHECK(value_at(*w.office.replica, *trip_id, "title") == "赴德国汉堡经贸考察");
  CHECK(deleted(*w.office.replica, *forged));
  // A second revert has nothing left to do.
  auto again = plan_revert(*w.hub, field, lost_at);
  REQUIRE(again.ok());
  for (const auto& step : again->steps) CHECK(step.action == RevertStep::Action::leave);
  CHECK(again->steps.size() == 1);
}

TEST_CASE("a row the node made that someone else has since written to is left alone, not deleted") {
  World w;
  w.sync(w.field);
  auto made = w.field.replica->insert(TableId::cases, trip("龙游县赴日交流"));
  REQUIRE(made.ok());
  w.sync(w.field);
  w.tick(1000);
  w.sync(w.office);
  REQUIRE(w.office.replica->update(TableId::cases, *made, {{"summary", std::string("已核实")}}));
  w.sync(w.office);
  auto plan = plan_revert(*w.hub, w.field.replica->self(), kT0);
  REQUIRE(plan.ok());
  REQUIRE(plan->steps.size() == 1);
  CHECK(plan->steps[0].action == RevertStep::Action::leave);
  CHECK(plan->steps[0].changed_by == "longyou:office-1");
  REQUIRE(apply_revert(*w.hub, *plan).ok());
  CHECK_FALSE(deleted(*w.hub, *made));
}

}  // namespace
}  // namespace liaison::sync
