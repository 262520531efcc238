// Tests for the hub's history of accepted changes and for reverting what one
// node changed after a time (a stolen laptop): its edits go back, the rows it
// made are deleted, edits others made since are left alone, changes before
// the time stay, and reverting again changes nothing.
#include "sync/revert.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sync/scratch_replica.hpp"

namespace liaison::sync {
namespace {

constexpr std::uint64_t kT0 = 1'760'000'000'000;
constexpr std::uint64_t kAhead = 60'000;

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
  return {{"kind", std::string("outbound_trip")},
          {"county", std::string("longyou")},
          {"title", title},
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

// The thief's laptop and the time it was lost; what the office had before.
struct Theft {
  World w;
  Uuid case_id;
  std::uint64_t lost_at = 0;
  NodeId field = NodeId::parse("longyou:field-2").value();

  Theft() {
    auto id = w.office.replica->insert(TableId::cases, trip("赴德国汉堡经贸考察"));
    REQUIRE(id.ok());
    case_id = *id;
    REQUIRE(w.office.replica->update(TableId::cases, case_id, {{"destination", std::string("Hamburg")}}));
    w.sync(w.office);
    w.sync(w.field);
    // Before the laptop was lost: a change that stays.
    w.tick(60'000);
    REQUIRE(w.field.replica->update(TableId::cases, case_id, {{"summary", std::string("三人，五天")}}));
    w.sync(w.field);
    lost_at = w.wall + 60'000;
    w.tick(120'000);
  }
  std::size_t count(const RevertPlan& plan, RevertStep::Action action) const {
    return static_cast<std::size_t>(
        std::count_if(plan.steps.begin(), plan.steps.end(), [&](const RevertStep& s) { return s.action == action; }));
  }
};

TEST_CASE("reverting a node's changes since a time restores its edits, deletes its rows and leaves others' alone") {
  Theft t;
  World& w = t.w;
  // The thief edits twice, creates a case, and edits a field the office
  // then corrects.
  REQUIRE(w.field.replica->update(TableId::cases, t.case_id, {{"title", std::string("赴德国旅游")}}));
  w.sync(w.field);
  REQUIRE(w.field.replica->update(TableId::cases, t.case_id,
                                  {{"title", std::string("赴德国度假")}, {"destination", std::string("Berlin")}}));
  auto forged = w.field.replica->insert(TableId::cases, trip("伪造的出访申请"));
  REQUIRE(forged.ok());
  w.sync(w.field);
  w.tick(1000);
  w.sync(w.office);
  REQUIRE(w.office.replica->update(TableId::cases, t.case_id, {{"destination", std::string("Hamburg, Bremen")}}));
  w.sync(w.office);

  auto plan = plan_revert(*w.hub, t.field, t.lost_at);
  REQUIRE(plan.ok());
  CHECK(plan->changes == 3 + 1);  // title twice, destination once, the forged case made
  REQUIRE(plan->steps.size() == 3);
  CHECK(t.count(*plan, RevertStep::Action::restore) == 1);
  CHECK(t.count(*plan, RevertStep::Action::remove_row) == 1);
  CHECK(t.count(*plan, RevertStep::Action::leave) == 1);
  for (const auto& step : plan->steps) {
    if (step.action == RevertStep::Action::restore) {
      CHECK(step.row == t.case_id);
      CHECK(to_display(step.restored) == "赴德国汉堡经贸考察");
      CHECK(to_display(step.current) == "赴德国度假");
    }
    if (step.action == RevertStep::Action::remove_row) CHECK(step.row == *forged);
    if (step.action == RevertStep::Action::leave) CHECK(step.why_left == "changed since by longyou:office-1");
  }
  // A dry run writes nothing.
  CHECK(value_at(*w.hub, t.case_id, "title") == "赴德国度假");

  auto done = revert(*w.hub, t.field, t.lost_at);
  REQUIRE(done.ok());
  CHECK(done->rows_written == 2);
  CHECK(value_at(*w.hub, t.case_id, "title") == "赴德国汉堡经贸考察");
  CHECK(value_at(*w.hub, t.case_id, "destination") == "Hamburg, Bremen");
  CHECK(value_at(*w.hub, t.case_id, "summary") == "三人，五天");
  CHECK(deleted(*w.hub, *forged));
  // Every office follows at its next sync.
  w.sync(w.office);
  CHECK(value_at(*w.office.replica, t.case_id, "title") == "赴德国汉堡经贸考察");
  CHECK(deleted(*w.office.replica, *forged));
  // A second revert has nothing left to do.
  auto again = plan_revert(*w.hub, t.field, t.lost_at);
  REQUIRE(again.ok());
  CHECK(t.count(*again, RevertStep::Action::restore) == 0);
  CHECK(t.count(*again, RevertStep::Action::remove_row) == 0);
}

TEST_CASE("a value the hub re-asserted after refusing a later change is still the node's: it is reverted") {
  Theft t;
  World& w = t.w;
  REQUIRE(w.field.replica->update(TableId::cases, t.case_id, {{"title", std::string("赴德国度假")}}));
  w.sync(w.field);
  // A later title the hub refuses (too long): it answers with its value,
  // "赴德国度假", under a stamp of its own.
  auto page = std::vector<Cell>{Cell{TableId::cases,
                                     t.case_id,
                                     *Schema::get().table(TableId::cases).column_index("title"),
                                     Value{std::string(300, 'x')},
                                     {w.field.replica->clock().now(), t.field.str()},
                                     {}}};
  auto pushed = w.hub->apply_push(t.field, page, kAhead, w.field.serial);
  REQUIRE(pushed.ok());
  REQUIRE(pushed->corrections.size() == 1);
  auto done = revert(*w.hub, t.field, t.lost_at);
  REQUIRE(done.ok());
  CHECK(value_at(*w.hub, t.case_id, "title") == "赴德国汉堡经贸考察");
}

TEST_CASE("an office's edit that lost to the node's concurrent one is what the field goes back to") {
  Theft t;
  World& w = t.w;
  // The office edits offline first; the thief edits later and syncs first.
  REQUIRE(w.office.replica->update(TableId::cases, t.case_id, {{"destination", std::string("Hamburg, Bremen")}}));
  w.tick(5'000);
  REQUIRE(w.field.replica->update(TableId::cases, t.case_id, {{"destination", std::string("Berlin")}}));
  w.sync(w.field);
  w.sync(w.office);  // its older edit loses to the thief's
  CHECK(value_at(*w.hub, t.case_id, "destination") == "Berlin");
  auto plan = plan_revert(*w.hub, t.field, t.lost_at);
  REQUIRE(plan.ok());
  REQUIRE(plan->steps.size() == 1);
  CHECK(to_display(plan->steps[0].restored) == "Hamburg, Bremen");
  CHECK(plan->steps[0].restored_edit_by == "longyou:office-1");
  REQUIRE(revert(*w.hub, t.field, t.lost_at).ok());
  CHECK(value_at(*w.hub, t.case_id, "destination") == "Hamburg, Bremen");
}

TEST_CASE("a directive receipt the node made first stays the county's: only the node's fields are cleared") {
  Theft t;
  World& w = t.w;
  auto directive = w.hub->insert(TableId::directives, {{"kind", std::string("task")},
                                                       {"title", std::string("报送涉外活动情况")},
                                                       {"targets", std::string("longyou")},
                                                       {"issued_by", std::string("city:hub")}});
  REQUIRE(directive.ok());
  w.sync(w.field);
  const Uuid receipt = derived_uuid(*directive, "longyou");
  REQUIRE(w.field.replica
              ->insert(TableId::directive_receipts,
                       {{"directive_id", directive->to_string()},
                        {"county", std::string("longyou")},
                        {"acknowledged_at", std::int64_t(w.wall)},
                        {"reply", std::string("已办结")},
                        {"replied_by", t.field.str()}},
                       receipt)
              .ok());
  w.sync(w.field);
  auto done = revert(*w.hub, t.field, t.lost_at);
  REQUIRE(done.ok());
  CHECK(t.count(*done, RevertStep::Action::remove_row) == 0);
  auto row = w.hub->get(TableId::directive_receipts, receipt);
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK_FALSE((*row)->deleted());
  CHECK(is_null((**row)["reply"]));
  CHECK(is_null((**row)["replied_by"]));
  CHECK(is_null((**row)["acknowledged_at"]));
  CHECK(to_display((**row)["county"]) == "longyou");
}

TEST_CASE("a case the node made is left alone when someone else has written to it or added records under it") {
  World w;
  w.sync(w.field);
  auto edited = w.field.replica->insert(TableId::cases, trip("龙游县赴日交流"));
  auto noted = w.field.replica->insert(TableId::cases, trip("龙游县赴韩交流"));
  REQUIRE(edited.ok());
  REQUIRE(noted.ok());
  w.sync(w.field);
  w.tick(1000);
  w.sync(w.office);
  REQUIRE(w.office.replica->update(TableId::cases, *edited, {{"summary", std::string("已核实")}}));
  REQUIRE(w.office.replica
              ->insert(TableId::case_notes, {{"case_id", noted->to_string()},
                                             {"body", std::string("已电话核实")},
                                             {"author", std::string("longyou:office-1")}})
              .ok());
  w.sync(w.office);
  auto done = revert(*w.hub, w.field.replica->self(), kT0);
  REQUIRE(done.ok());
  REQUIRE(done->steps.size() == 2);
  for (const auto& step : done->steps) CHECK(step.action == RevertStep::Action::leave);
  CHECK(done->steps[0].why_left == "changed since by longyou:office-1");
  CHECK(done->steps[1].why_left == "others added case_notes under it");
  CHECK_FALSE(deleted(*w.hub, *edited));
  CHECK_FALSE(deleted(*w.hub, *noted));
}

}  // namespace
}  // namespace liaison::sync
