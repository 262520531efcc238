// Tests for the hub's case register: official numbers count per kind,
// county and year from 1 with no gaps (a commit that fails gives its
// numbers back), stay with a case through its workflow, and no device may
// write one; a case pushed with a ref another case holds gets a fresh one,
// sent back to the pusher.
#include "sync/case_register.hpp"

#include <doctest/doctest.h>

#include "shared/case_ref.hpp"
#include "sync/hlc.hpp"
#include "sync/scratch_replica.hpp"

namespace liaison::sync {
namespace {

constexpr std::uint64_t kJune2026 = 1'780'000'000'000;  // 2026-05-28
const NodeId kLongyou = NodeId::parse("longyou:office-1").value();
const NodeId kKaihua = NodeId::parse("kaihua:office-1").value();
const NodeId kDesk = NodeId::parse("city:desk-1").value();

std::uint16_t col(const char* name) { return *Schema::get().table(TableId::cases).column_index(name); }

struct Register {
  TempDir dir;
  std::uint64_t wall = kJune2026;
  std::unique_ptr<Replica> hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  int made = 0;

  Cell cell(const Uuid& row, const char* column, Value value, const NodeId& by) {
    return Cell{TableId::cases, row, col(column), std::move(value), {hlc_pack(wall, 0), by.str()}, {}};
  }
  // A case made and submitted offline by `by`, pushed; returns its id.
  Uuid push_case(const NodeId& by, const char* status = "submitted", const char* kind = "outbound_trip",
                 std::optional<std::string> ref = std::nullopt) {
    wall += 1000;
    const Uuid row = derived_uuid(Uuid{}, "case " + std::to_string(++made));
    std::vector<Cell> cells = {
        cell(row, "kind", std::string(kind), by), cell(row, "county", std::string(by.scope()), by),
        cell(row, "title", std::string("出访"), by), cell(row, "status", std::string(status), by)};
    if (ref) cells.push_back(cell(row, "ref", *ref, by));
    last = hub->apply_push(by, cells, 60'000, "01").value();
    return row;
  }
  PushResult push(const NodeId& by, std::vector<Cell> cells) {
    wall += 1000;
    return last = hub->apply_push(by, cells, 60'000, "01").value();
  }
  std::string get(const Uuid& row, const char* column) {
    const auto found = hub->get(TableId::cases, row).value();
    REQUIRE(found.has_value());
    return to_display((*found)[column]);
  }
  PushResult last;
};

}  // namespace

TEST_CASE("official numbers count from 1 per kind, county and year, and stay with the case") {
  Register r;
  const Uuid a = r.push_case(kLongyou), b = r.push_case(kLongyou), c = r.push_case(kKaihua);
  const Uuid donation = r.push_case(kLongyou, "submitted", "donation");
  const Uuid draft = r.push_case(kLongyou, "draft");
  CHECK(r.get(a, "number") == "龙外审〔2026〕1号");
  CHECK(r.get(b, "number") == "龙外审〔2026〕2号");
  CHECK(r.get(c, "number") == "开外审〔2026〕1号");
  CHECK(r.get(donation, "number") == "龙外捐〔2026〕1号");
  CHECK(r.get(draft, "number").empty());  // a draft is not in the register yet
  // The pusher is sent its case's number with the ack.
  bool told = false;
  for (const Cell& cell : r.last.corrections) told |= cell.column == col("number");
  CHECK_FALSE(told);  // (the draft got none)

  // Withdrawn to draft and submitted again: the number stays.
  r.push(kLongyou, {r.cell(a, "status", std::string("draft"), kLongyou)});
  r.push(kLongyou, {r.cell(a, "status", std::string("submitted"), kLongyou)});
  CHECK(r.get(a, "number") == "龙外审〔2026〕1号");
  // The draft submitted now comes third, and hears of it in the ack.
  r.push(kLongyou, {r.cell(draft, "status", std::string("submitted"), kLongyou)});
  CHECK(r.get(draft, "number") == "龙外审〔2026〕3号");
  REQUIRE(r.last.corrections.size() == 1);
  CHECK(r.last.corrections[0].column == col("number"));
  CHECK(r.last.corrections[0].value == Value{std::string("龙外审〔2026〕3号")});

  // In China's new year (UTC+8: 16:00 UTC on 31 December) the count starts again.
  r.wall = 1'798'732'800'000;  // 2026-12-31 16:00 UTC: 2027-01-01 00:00 in Beijing
  CHECK(china_year(r.wall) == 2027);
  CHECK(china_year(r.wall - 1) == 2026);
  const Uuid next_year = r.push_case(kLongyou);
  CHECK(r.get(next_year, "number") == "龙外审〔2027〕1号");
}

TEST_CASE("a commit that fails gives its numbers back: the next case gets the same number, no gap") {
  Register r;
  r.push_case(kLongyou);
  const Status failed = r.hub->transact([&]() -> Status {
    r.push_case(kLongyou);  // would be 2
    return make_error(Errc::storage_failed, "disk full");
  });
  CHECK_FALSE(failed.ok());
  const Uuid after = r.push_case(kLongyou);
  CHECK(r.get(after, "number") == "龙外审〔2026〕2号");
}

TEST_CASE("the hub writes numbers in the pattern it is configured with") {
  TempDir dir;
  std::uint64_t wall = kJune2026;
  auto options = options_for(dir.path("hub.db"), "city:hub", &wall, true);
  options.case_numbers = CaseNumberPattern::parse("衢外{kind}字〔{year}〕第{n}号（{county}）").value();
  auto hub = Replica::open(options).value();
  const Uuid row = hub->insert(TableId::cases, {{"kind", std::string("foreign_incident")},
                                                {"county", std::string("kaihua")},
                                                {"title", std::string("外籍游客受伤")},
                                                {"status", std::string("open")}})
                       .value();
  CHECK(to_display((*hub->get(TableId::cases, row).value())["number"]) == "衢外急字〔2026〕第1号（开）");
}

TEST_CASE("no device writes an official number, not even a city desk") {
  Register r;
  const Uuid a = r.push_case(kLongyou);
  for (const NodeId& by : {kLongyou, kDesk}) {
    const PushResult result = r.push(by, {r.cell(a, "number", std::string("龙外审〔2026〕99号"), by)});
    REQUIRE(result.rejections.size() == 1);
    CHECK(result.rejections[0].code == Errc::not_permitted);
    CHECK(result.rejections[0].reason.find("given by the hub") != std::string::npos);
  }
  CHECK(r.get(a, "number") == "龙外审〔2026〕1号");
}

TEST_CASE("a case pushed with a ref another case holds gets a fresh one; a ref not in ref form is refused") {
  Register r;
  const Uuid first = r.push_case(kLongyou, "draft", "outbound_trip", "K7Q-3M9");
  CHECK(r.get(first, "ref") == "K7Q-3M9");
  CHECK(r.last.corrections.empty());
  const Uuid second = r.push_case(kKaihua, "draft", "outbound_trip", "K7Q-3M9");  // made offline, same draw
  const std::string fresh = r.get(second, "ref");
  CHECK(is_case_ref(fresh));
  CHECK(fresh != "K7Q-3M9");
  REQUIRE(r.last.corrections.size() == 1);
  CHECK(r.last.corrections[0].value == Value{fresh});
  CHECK(r.get(first, "ref") == "K7Q-3M9");  // the first keeps its own

  const Uuid odd = r.push_case(kLongyou, "draft", "outbound_trip", "龙游-1");
  REQUIRE(r.last.rejections.size() == 1);
  CHECK(r.last.rejections[0].code == Errc::bad_value);
  CHECK(r.last.rejections[0].reason.find("not a case reference like K7Q-3M9") != std::string::npos);
  CHECK(is_case_ref(r.get(odd, "ref")));  // the hub gave it one
}

}  // namespace liaison::sync
