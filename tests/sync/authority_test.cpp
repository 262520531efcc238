// Tests for the hub's authority check: who may write which rows, fields and
// status transitions (check_authority as a pure function over hand-built
// rows), and how a hub replica answers refused cells in apply_push: typed
// rejections, corrections that win on the writer, the rest of the batch kept.
#include "sync/authority.hpp"
#include "sync/receipts.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "shared/staff.hpp"
#include "shared/workflow_rules.hpp"
#include "sync/replica.hpp"
#include "password_hash_fixture.hpp"

namespace liaison::sync {
namespace {

constexpr std::uint64_t kNow = 1'760'000'000'000;
constexpr std::uint64_t kAhead = 60'000;
const NodeId kLongyou = NodeId::parse("longyou:office-1").value();
const NodeId kCity = NodeId::parse("city:desk-3").value();
const NodeId kKaihua = NodeId::parse("kaihua:office-1").value();

std::uint16_t col(TableId t, const char* name) {
  const auto c = Schema::get().table(t).column_index(name);
  REQUIRE(c.has_value());
  return *c;
}

Uuid id(const char* name) { return derived_uuid(Uuid{}, name); }

Cell cell(TableId t, const Uuid& row, const char* column, Value v, const NodeId& by, std::uint64_t ms = kNow) {
  return Cell{t, row, col(t, column), std::move(v), {hlc_pack(ms, 0), by.str()}, {}};
}

using Values = std::vector<std::pair<const char*, Value>>;

// The rows the hub holds, for lookups; written by `by` one second ago.
struct HubRows {
  std::map<std::pair<TableId, Uuid>, CurrentRow> rows;
  RowLookup lookup = [this](TableId t, const Uuid& row) -> std::optional<CurrentRow> {
    const auto it = rows.find({t, row});
    if (it == rows.end()) return std::nullopt;
    return it->second;
  };
  void add(TableId t, const Uuid& row, const Values& values, const std::string& scope, const NodeId& by = kLongyou) {
    CurrentRow r;
    r.exists = true;
    r.scope = scope;
    r.values.resize(Schema::get().table(t).columns.size());
    r.stamps.resize(r.values.size());
    for (const auto& [name, v] : values) {
      r.values[col(t, name)] = v;
      r.stamps[col(t, name)] = {hlc_pack(kNow - 1000, 0), by.str()};
    }
    rows[{t, row}] = r;
  }
  std::vector<Verdict> check(const NodeId& writer, TableId t, const Uuid& row, const std::vector<Cell>& cells) const {
    const auto it = rows.find({t, row});
    const CurrentRow current = it == rows.end() ? CurrentRow{} : it->second;
    return check_authority({writer, t, row, current, cells, lookup, kNow, kAhead});
  }
};

Values a_case(const char* county, const char* status, const char* kind = "outbound_trip") {
  return {{"kind", std::string(kind)},
          {"county", std::string(county)},
          {"title", std::string("Trip")},
          {"status", std::string(status)}};
}

std::vector<Cell> cells_of(TableId t, const Uuid& row, const Values& values, const NodeId& by) {
  std::vector<Cell> out;
  for (const auto& [name, v] : values) out.push_back(cell(t, row, name, v, by));
  return out;
}

// Every verdict has `code`; the first reason mentions `says`.
void check_all(const std::vector<Verdict>& verdicts, Errc code, const char* says = "") {
  REQUIRE_FALSE(verdicts.empty());
  for (const auto& v : verdicts) {
    CAPTURE(v.reason);
    CHECK(errc_name(v.code) == std::string(errc_name(code)));
  }
  CAPTURE(verdicts[0].reason);
  CHECK(verdicts[0].reason.find(says) != std::string::npos);
}

}  // namespace

TEST_CASE("a county office may create and edit a case of its own county") {
  HubRows hub;
  check_all(hub.check(kLongyou, TableId::cases, id("new"),
                      cells_of(TableId::cases, id("new"), a_case("longyou", "draft"), kLongyou)),
            Errc::ok);
  hub.add(TableId::cases, id("draft"), a_case("longyou", "draft"), "longyou");
  check_all(hub.check(kLongyou, TableId::cases, id("draft"),
                      {cell(TableId::cases, id("draft"), "title", std::string("Trip to Bremen"), kLongyou),
                       cell(TableId::cases, id("draft"), "destination", std::string("Bremen"), kLongyou)}),
            Errc::ok);
}

TEST_CASE("the city's own cases: a city node makes and edits them, no county node even sees them") {
  HubRows hub;
  check_all(hub.check(kCity, TableId::cases, id("reception"),
                      cells_of(TableId::cases, id("reception"), a_case("city", "draft", "delegation_visit"), kCity)),
            Errc::ok);
  check_all(hub.check(kLongyou, TableId::cases, id("forged"),
                      cells_of(TableId::cases, id("forged"), a_case("city", "draft", "delegation_visit"), kLongyou)),
            Errc::out_of_scope, "longyou may not write a cases row of city");
  CHECK_FALSE(scope_visible("city", "longyou"));
  CHECK(scope_visible("city", "city"));
}

TEST_CASE("the city takes both sides on its own case: it submits and approves its reception") {
  HubRows hub;
  hub.add(TableId::cases, id("reception"), a_case("city", "draft", "delegation_visit"), "city", kCity);
  check_all(hub.check(kCity, TableId::cases, id("reception"),
                      {cell(TableId::cases, id("reception"), "status", std::string("approved"), kCity)}),
            Errc::ok);
  hub.add(TableId::cases, id("theirs"), a_case("longyou", "draft", "delegation_visit"), "longyou");
  check_all(hub.check(kCity, TableId::cases, id("theirs"),
                      {cell(TableId::cases, id("theirs"), "status", std::string("approved"), kCity)}),
            Errc::bad_transition, "may not move a case from draft to approved");
}

TEST_CASE("a case shared with other counties: each sees it and adds to its records, its fields stay its own") {
  HubRows hub;
  Values shared = a_case("city", "draft", "delegation_visit");
  shared.emplace_back("also_counties", std::string("longyou,kaihua"));
  auto scope = derive_scope(
      TableId::cases,
      [&] {
        std::vector<Value> values(Schema::get().table(TableId::cases).columns.size());
        for (const auto& [name, v] : shared) values[col(TableId::cases, name)] = v;
        return values;
      }(),
      hub.lookup);
  REQUIRE(scope);
  CHECK(*scope == ",longyou,kaihua,");
  CHECK(scope_visible(*scope, "kaihua"));
  CHECK_FALSE(scope_visible(*scope, "jiangshan"));
  hub.add(TableId::cases, id("visit"), shared, *scope, kCity);

  check_all(hub.check(kKaihua, TableId::cases, id("visit"),
                      {cell(TableId::cases, id("visit"), "title", std::string("x"), kKaihua)}),
            Errc::not_permitted, "the case is city's; kaihua adds notes");
  const Values item = {{"case_id", id("visit").to_string()}, {"at", std::string("2026-12-10 09:00")}};
  check_all(hub.check(kKaihua, TableId::itinerary_items, id("leg"),
                      cells_of(TableId::itinerary_items, id("leg"), item, kKaihua)),
            Errc::ok);
  const NodeId jiangshan = NodeId::parse("jiangshan:office-1").value();
  check_all(hub.check(jiangshan, TableId::itinerary_items, id("leg2"),
                      cells_of(TableId::itinerary_items, id("leg2"), item, jiangshan)),
            Errc::out_of_scope);

  // A county's own case shared with a neighbour: its scope lists both.
  Values joint = a_case("longyou", "draft", "friendship_exchange");
  joint.emplace_back("also_counties", std::string("kaihua"));
  check_all(hub.check(kLongyou, TableId::cases, id("joint"), cells_of(TableId::cases, id("joint"), joint, kLongyou)),
            Errc::ok);
  // Kaihua can't open a case in Longyou's name by sharing it with itself.
  check_all(hub.check(kKaihua, TableId::cases, id("joint2"), cells_of(TableId::cases, id("joint2"), joint, kKaihua)),
            Errc::not_permitted);
  for (const char* bad : {"longyou", "quzhou", "kaihua,kaihua", "kaihua,"}) {
    Values wrong = a_case("longyou", "draft", "friendship_exchange");
    wrong.emplace_back("also_counties", std::string(bad));
    INFO(bad);
    check_all(hub.check(kLongyou, TableId::cases, id("wrong"), cells_of(TableId::cases, id("wrong"), wrong, kLongyou)),
              Errc::bad_value, "also_counties");
  }
  // Fixed once made: where the case is sent depends on it; a case made
  // without it is not shared afterwards either.
  check_all(hub.check(kCity, TableId::cases, id("visit"),
                      {cell(TableId::cases, id("visit"), "also_counties", std::string("longyou"), kCity)}),
            Errc::immutable_field);
  hub.add(TableId::cases, id("alone"), a_case("longyou", "draft", "friendship_exchange"), "longyou");
  check_all(hub.check(kLongyou, TableId::cases, id("alone"),
                      {cell(TableId::cases, id("alone"), "also_counties", std::string("kaihua"), kLongyou)}),
            Errc::immutable_field, "also_counties");

  // Each sharing county changes the records it added; the owner all of them.
  const Values leg = {{"case_id", id("joint").to_string()}, {"at", std::string("2026-12-11 09:00")}};
  Values shared_joint = a_case("longyou", "draft", "friendship_exchange");
  shared_joint.emplace_back("also_counties", std::string("kaihua"));
  hub.add(TableId::cases, id("joint"), shared_joint, ",longyou,kaihua,");
  hub.add(TableId::itinerary_items, id("longyou-leg"), leg, ",longyou,kaihua,", kLongyou);
  hub.add(TableId::itinerary_items, id("kaihua-leg"), leg, ",longyou,kaihua,", kKaihua);
  const auto edit = [&](const NodeId& by, const char* item) {
    return hub.check(by, TableId::itinerary_items, id(item),
                     {cell(TableId::itinerary_items, id(item), "place", std::string("改"), by)});
  };
  check_all(edit(kKaihua, "longyou-leg"), Errc::not_permitted, "added by longyou");
  check_all(edit(kKaihua, "kaihua-leg"), Errc::ok);
  check_all(edit(kLongyou, "kaihua-leg"), Errc::ok);
}

TEST_CASE("a county office can't create or edit a case of another county") {
  HubRows hub;
  const auto cells = cells_of(TableId::cases, id("k"), a_case("kaihua", "draft"), kLongyou);
  check_all(hub.check(kLongyou, TableId::cases, id("k"), cells), Errc::out_of_scope, "kaihua");
  hub.add(TableId::cases, id("k2"), a_case("kaihua", "draft"), "kaihua");
  check_all(hub.check(kLongyou, TableId::cases, id("k2"),
                      {cell(TableId::cases, id("k2"), "title", std::string("x"), kLongyou)}),
            Errc::out_of_scope);
  check_all(
      hub.check(kCity, TableId::cases, id("k2"), {cell(TableId::cases, id("k2"), "title", std::string("x"), kCity)}),
      Errc::ok);  // the city may touch any county's case
}

TEST_CASE("only the city approves: a county moving submitted to approved is a bad transition") {
  HubRows hub;
  hub.add(TableId::cases, id("c"), a_case("longyou", "submitted", "donation"), "longyou");
  const auto to = [&](const NodeId& who, const char* status) {
    return hub.check(who, TableId::cases, id("c"), {cell(TableId::cases, id("c"), "status", std::string(status), who)});
  };
  check_all(to(kLongyou, "approved"), Errc::bad_transition, "from submitted to approved");
  check_all(to(kLongyou, "returned"), Errc::bad_transition);
  check_all(to(kCity, "approved"), Errc::ok);
  check_all(to(kCity, "rejected"), Errc::ok);
  check_all(to(kLongyou, "draft"), Errc::ok);               // a county may withdraw
  check_all(to(kLongyou, "closed"), Errc::bad_transition);  // the city's decision comes first
  check_all(to(kCity, "closed"), Errc::ok);                 // rejected and closed, offline
  check_all(to(kLongyou, "archived"), Errc::bad_value, "not a status");
  hub.add(TableId::cases, id("d"), a_case("longyou", "draft"), "longyou");
  check_all(hub.check(kLongyou, TableId::cases, id("d"),
                      {cell(TableId::cases, id("d"), "status", std::string("submitted"), kLongyou)}),
            Errc::ok);
}

TEST_CASE("a trip is approved only with its publicity recorded, and goes on: briefed, travelling, home, reported") {
  HubRows hub;
  Values trip = a_case("longyou", "submitted");
  hub.add(TableId::cases, id("t"), trip, "longyou");
  const auto move = [&](const NodeId& who, Values cells) {
    return hub.check(who, TableId::cases, id("t"), cells_of(TableId::cases, id("t"), cells, who));
  };
  check_all(move(kCity, {{"status", std::string("approved")}}), Errc::bad_transition,
            "only with 'publicity_from', 'publicity_to' recorded");
  check_all(move(kCity, {{"status", std::string("forwarded")}}), Errc::bad_transition, "'publicity_from'");
  // Recorded in the same change, the approval is accepted.
  check_all(move(kCity, {{"publicity_from", std::string("2027-03-01")},
                         {"publicity_to", std::string("2027-03-05")},
                         {"status", std::string("approved")}}),
            Errc::ok);
  trip.emplace_back("publicity_from", std::string("2027-03-01"));
  trip.emplace_back("publicity_to", std::string("2027-03-05"));

  // Forwarded to the province, it is approved once the province's approval is recorded.
  hub.add(
      TableId::cases, id("t"),
      [&] {
        Values v = trip;
        v.emplace_back("status", std::string("forwarded"));
        return v;
      }(),
      "longyou");
  check_all(move(kCity, {{"status", std::string("approved")}}), Errc::bad_transition, "'province_ref'");
  check_all(move(kCity, {{"province_ref", std::string("浙外出〔2027〕12号")}, {"status", std::string("approved")}}),
            Errc::ok);
  check_all(move(kLongyou, {{"province_ref", std::string("x")}}), Errc::not_permitted);

  // After approval the county records the briefing, the day back and the
  // report, and moves the trip on, but changes nothing the approval covers.
  const auto in_status = [&](const char* status) {
    Values v = trip;
    v.emplace_back("status", std::string(status));
    hub.add(TableId::cases, id("t"), v, "longyou");
  };
  in_status("approved");
  check_all(move(kLongyou, {{"status", std::string("briefed")}}), Errc::bad_transition, "'briefing_done'");
  {
    // A flag of 7 is refused, and the move it was to carry with it.
    const auto verdicts = move(kLongyou, {{"briefing_done", std::int64_t{7}}, {"status", std::string("briefed")}});
    CHECK(verdicts[0].code == Errc::bad_value);
    CHECK(verdicts[1].code == Errc::bad_transition);
  }
  check_all(move(kLongyou, {{"briefing_done", std::int64_t{1}}, {"status", std::string("briefed")}}), Errc::ok);
  check_all(move(kLongyou, {{"depart_on", std::string("2027-03-20")}}), Errc::not_permitted, "drafted or returned");
  check_all(move(kLongyou, {{"status", std::string("cancelled")}}), Errc::ok);
  in_status("briefed");
  check_all(move(kLongyou, {{"status", std::string("travelling")}}), Errc::ok);
  check_all(move(kLongyou, {{"status", std::string("home")}}), Errc::bad_transition);  // not from briefed
  in_status("travelling");
  check_all(move(kLongyou, {{"status", std::string("home")}}), Errc::bad_transition, "'back_on'");
  check_all(move(kLongyou, {{"back_on", std::string("2027-03-26")}, {"status", std::string("home")}}), Errc::ok);
  in_status("home");
  check_all(move(kLongyou, {{"status", std::string("reported")}}), Errc::bad_transition, "'report_filed_on'");
  check_all(move(kLongyou, {{"report_filed_on", std::string("2027-04-02")}, {"status", std::string("reported")}}),
            Errc::ok);
  check_all(move(kLongyou, {{"report_filed_on", std::string("4月2日")}}), Errc::bad_value, "not a date");
  in_status("reported");
  check_all(move(kLongyou, {{"report_filed_on", std::string("2027-04-03")}}), Errc::not_permitted);
  check_all(move(kLongyou, {{"status", std::string("closed")}}), Errc::ok);

  // A laptop offline records the whole journey; the hub sees its last
  // status with what each step needed, and takes it.
  in_status("approved");
  check_all(move(kLongyou, {{"briefing_done", std::int64_t{1}},
                            {"back_on", std::string("2027-03-26")},
                            {"report_filed_on", std::string("2027-04-02")},
                            {"status", std::string("reported")}}),
            Errc::ok);
  check_all({move(kLongyou, {{"briefing_done", std::int64_t{1}}, {"status", std::string("reported")}})[1]},
            Errc::bad_transition);  // never came home
  check_all({move(kLongyou, {{"briefing_done", std::int64_t{1}},
                             {"back_on", std::string("2027-03-26")},
                             {"report_filed_on", std::string("2027-04-02")},
                             {"depart_on", std::string("2027-03-19")},
                             {"status", std::string("reported")}})[3]},
            Errc::not_permitted);  // the approved dates stay as approved
}

TEST_CASE("workflows of other kinds: training is the city's, an invitation's letter, a complaint, an incident") {
  HubRows hub;
  // Only the city opens a training course.
  check_all(hub.check(kLongyou, TableId::cases, id("tr"),
                      cells_of(TableId::cases, id("tr"), a_case("longyou", "planned", "training"), kLongyou)),
            Errc::not_permitted, "only the city office opens training cases");
  check_all(hub.check(kCity, TableId::cases, id("tr"),
                      cells_of(TableId::cases, id("tr"), a_case("city", "planned", "training"), kCity)),
            Errc::ok);

  // An invitation is approved with its letter's number.
  hub.add(TableId::cases, id("inv"), a_case("longyou", "submitted", "foreign_invitation"), "longyou");
  const auto invitation = [&](Values v) {
    return hub.check(kCity, TableId::cases, id("inv"), cells_of(TableId::cases, id("inv"), v, kCity));
  };
  check_all(invitation({{"status", std::string("approved")}}), Errc::bad_transition, "'letter_no'");
  check_all(invitation({{"letter_no", std::string("衢外邀〔2027〕3号")}, {"status", std::string("approved")}}),
            Errc::ok);

  // A complaint is answered with its answer, followed up, closed by the city.
  hub.add(TableId::cases, id("oc"), a_case("longyou", "handling", "oc_complaint"), "longyou");
  const auto complaint = [&](const NodeId& who, Values v) {
    return hub.check(who, TableId::cases, id("oc"), cells_of(TableId::cases, id("oc"), v, who));
  };
  check_all(complaint(kLongyou, {{"status", std::string("answered")}}), Errc::bad_transition,
            "'answer', 'answered_on'");
  check_all(complaint(kLongyou, {{"answer", std::string("已协调村委会恢复祖墓原状")},
                                 {"answered_on", std::string("2027-03-02")},
                                 {"followed_up_on", std::string("2027-04-02")},
                                 {"status", std::string("followed_up")}}),
            Errc::ok);  // answered and followed up, offline
  check_all(complaint(kLongyou, {{"status", std::string("closed")}}), Errc::bad_transition);

  // The city acknowledges a reported incident; the county keeps its facts up to date.
  hub.add(TableId::cases, id("fi"), a_case("kaihua", "reported", "foreign_incident"), "kaihua");
  check_all(hub.check(kCity, TableId::cases, id("fi"),
                      {cell(TableId::cases, id("fi"), "status", std::string("acknowledged"), kCity)}),
            Errc::ok);
  check_all(hub.check(kKaihua, TableId::cases, id("fi"),
                      {cell(TableId::cases, id("fi"), "status", std::string("acknowledged"), kKaihua)}),
            Errc::bad_transition);

  // A loan names an approved trip of the passport's county.
  hub.add(TableId::cases, id("pp"), a_case("longyou", "in_custody", "passport"), "longyou");
  hub.add(TableId::cases, id("ly-trip"), a_case("longyou", "approved"), "longyou");
  hub.add(TableId::cases, id("ly-draft"), a_case("longyou", "draft"), "longyou");
  hub.add(TableId::cases, id("kh-trip"), a_case("kaihua", "approved"), "kaihua");
  const auto lend_to = [&](const char* trip) {
    return hub.check(kLongyou, TableId::cases, id("pp"),
                     {cell(TableId::cases, id("pp"), "lent_to", id(trip).to_string(), kLongyou)});
  };
  check_all(lend_to("ly-trip"), Errc::ok);
  check_all(lend_to("ly-draft"), Errc::bad_value, "only to an approved trip; this one is draft");
  check_all(lend_to("kh-trip"), Errc::out_of_scope, "lent to a trip of its own county");
  check_all(lend_to("nowhere"), Errc::bad_value, "must name an outbound trip the hub knows");

  // A passport handed out before schema 3: its due day is not the county's to move.
  hub.add(TableId::cases, id("old"), a_case("longyou", "issued", "passport"), "longyou");
  check_all(hub.check(kLongyou, TableId::cases, id("old"),
                      {cell(TableId::cases, id("old"), "due_back_on", std::string("2099-01-01"), kLongyou)}),
            Errc::not_permitted);
  // A status the kind no longer has (a county's draft training case) locks the case.
  hub.add(TableId::cases, id("tro"), a_case("longyou", "draft", "training"), "longyou");
  check_all(hub.check(kLongyou, TableId::cases, id("tro"),
                      {cell(TableId::cases, id("tro"), "title", std::string("改名"), kLongyou)}),
            Errc::not_permitted);
}

TEST_CASE("settings: the city writes them, each change a new row, with a value in range") {
  HubRows hub;
  const auto setting = [&](const NodeId& who, const char* name, const char* value) {
    const Values v = {{"name", std::string(name)},
                      {"value", std::string(value)},
                      {"targets", std::string("all")},
                      {"set_by", who.str()}};
    return hub.check(who, TableId::settings, id("s"), cells_of(TableId::settings, id("s"), v, who));
  };
  check_all(setting(kCity, "trip_max_people", "8"), Errc::ok);
  check_all(setting(kLongyou, "trip_max_people", "8"), Errc::not_permitted);
  check_all(setting(kCity, "trip_max_people", "0"), Errc::bad_value, "1 to 100");
  check_all(setting(kCity, "trip_max_people", "six"), Errc::bad_value, "whole number");
  check_all(setting(kCity, "max_gifts", "3"), Errc::bad_value, "no setting");
  hub.add(TableId::settings, id("s"),
          {{"name", std::string("trip_max_people")}, {"value", std::string("8")}, {"targets", std::string("all")}}, "*",
          kCity);
  check_all(hub.check(kCity, TableId::settings, id("s"),
                      {cell(TableId::settings, id("s"), "value", std::string("9"), kCity)}),
            Errc::append_only);
}

TEST_CASE("a new case starts in a status its writer's side can reach from the initial one") {
  HubRows hub;
  const auto status_verdict = [&](const char* kind, const char* status) {
    const auto cells = cells_of(TableId::cases, id("n"), a_case("longyou", status, kind), kLongyou);
    return hub.check(kLongyou, TableId::cases, id("n"), cells)[3];  // the status cell
  };
  // Made and submitted offline: the hub sees it new and already submitted.
  CHECK(status_verdict("outbound_trip", "submitted").code == Errc::ok);
  CHECK(status_verdict("outbound_trip", "approved").code == Errc::bad_transition);
  CHECK(status_verdict("outbound_trip", "approved").reason.find("starts as draft") != std::string::npos);
  CHECK(status_verdict("foreign_incident", "open").code == Errc::ok);
  CHECK(status_verdict("foreign_incident", "reported").code == Errc::ok);
  CHECK(status_verdict("foreign_incident", "resolved").code == Errc::bad_transition);
  CHECK(status_verdict("foreign_incident", "draft").code == Errc::bad_value);  // not an incident status
  const auto passport = cells_of(TableId::cases, id("p"), a_case("longyou", "in_custody", "passport"), kCity);
  check_all(hub.check(kCity, TableId::cases, id("p"), passport), Errc::ok);
  // Lent at once, offline: with what lending needs, or not at all.
  hub.add(TableId::cases, id("trip"), a_case("longyou", "approved"), "longyou");
  Values lent = a_case("longyou", "lent", "passport");
  check_all({hub.check(kLongyou, TableId::cases, id("q"), cells_of(TableId::cases, id("q"), lent, kLongyou))[3]},
            Errc::bad_transition, "'lent_to', 'lent_on', 'due_back_on'");
  lent.emplace_back("lent_to", id("trip").to_string());
  lent.emplace_back("lent_on", std::string("2027-03-18"));
  lent.emplace_back("due_back_on", std::string("2027-04-02"));
  check_all(hub.check(kLongyou, TableId::cases, id("q"), cells_of(TableId::cases, id("q"), lent, kLongyou)), Errc::ok);
  // A passport case as an older release made it is not made any more.
  CHECK(hub.check(kCity, TableId::cases, id("r"),
                  cells_of(TableId::cases, id("r"), a_case("longyou", "issued", "passport"), kCity))[3]
            .code == Errc::bad_transition);
}

TEST_CASE("a county edits case fields only while the case is a draft or returned") {
  HubRows hub;
  for (const char* status : {"draft", "submitted", "returned", "approved"}) {
    CAPTURE(status);
    hub.add(TableId::cases, id(status), a_case("longyou", status), "longyou");
    const auto verdicts = hub.check(kLongyou, TableId::cases, id(status),
                                    {cell(TableId::cases, id(status), "title", std::string("new title"), kLongyou)});
    const bool editable = std::string(status) == "draft" || std::string(status) == "returned";
    CHECK(verdicts[0].code == (editable ? Errc::ok : Errc::not_permitted));
    if (!editable) CHECK(verdicts[0].reason.find("case is " + std::string(status)) != std::string::npos);
    check_all(hub.check(kCity, TableId::cases, id(status),
                        {cell(TableId::cases, id(status), "title", std::string("t"), kCity)}),
              Errc::ok);
  }
}

TEST_CASE("city-only fields: a county may not set decision_reason") {
  HubRows hub;
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  const auto reason = [&](const NodeId& who) {
    return hub.check(who, TableId::cases, id("c"),
                     {cell(TableId::cases, id("c"), "decision_reason", std::string("ok"), who)});
  };
  check_all(reason(kLongyou), Errc::not_permitted, "decision_reason");
  check_all(reason(kCity), Errc::ok);
}

TEST_CASE("immutable fields can't change once the row exists; re-sending the same value is fine") {
  HubRows hub;
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  const auto set = [&](const char* column, const char* value) {
    return hub.check(kLongyou, TableId::cases, id("c"),
                     {cell(TableId::cases, id("c"), column, std::string(value), kLongyou)});
  };
  check_all(set("county", "kaihua"), Errc::immutable_field, "'county'");
  check_all(set("kind", "donation"), Errc::immutable_field);
  check_all(set("county", "longyou"), Errc::ok);
}

TEST_CASE("case notes are append-only: an existing note can't be edited") {
  HubRows hub;
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  hub.add(TableId::case_notes, id("note"), {{"case_id", id("c").to_string()}, {"body", std::string("met at station")}},
          "longyou");
  Cell edit = cell(TableId::case_notes, id("note"), "body", std::string("met at airport"), kLongyou);
  check_all(hub.check(kLongyou, TableId::case_notes, id("note"), {edit}), Errc::append_only, "add a new one");
  edit.stamp = hub.rows[{TableId::case_notes, id("note")}].stamps[col(TableId::case_notes, "body")];
  edit.value = std::string("met at station");
  check_all(hub.check(kLongyou, TableId::case_notes, id("note"), {edit}), Errc::ok);  // a resend of the original

  const auto note_on = [&](const Uuid& parent) {
    const Values v{{"case_id", parent.to_string()}, {"body", std::string("x")}};
    return hub.check(kLongyou, TableId::case_notes, id("new"), cells_of(TableId::case_notes, id("new"), v, kLongyou));
  };
  check_all(note_on(id("c")), Errc::ok);
  check_all(note_on(id("unknown")), Errc::unknown_parent);
  hub.add(TableId::cases, id("k"), a_case("kaihua", "draft"), "kaihua");
  check_all(note_on(id("k")), Errc::out_of_scope);
}

TEST_CASE("directives are written only by the city") {
  HubRows hub;
  const Values directive{{"kind", std::string("notice")},
                         {"title", std::string("Visit")},
                         {"targets", std::string("longyou,kaihua")},
                         {"issued_by", std::string("city:desk-3")}};
  check_all(
      hub.check(kLongyou, TableId::directives, id("d"), cells_of(TableId::directives, id("d"), directive, kLongyou)),
      Errc::not_permitted, "only the city office");
  check_all(hub.check(kCity, TableId::directives, id("d"), cells_of(TableId::directives, id("d"), directive, kCity)),
            Errc::ok);
  const Values bad{{"kind", std::string("notice")}, {"targets", std::string("longyou,hangzhou")}};
  check_all(hub.check(kCity, TableId::directives, id("b"), cells_of(TableId::directives, id("b"), bad, kCity)),
            Errc::bad_value, "unknown county");
}

TEST_CASE("receipts: a county acknowledges only directives addressed to it, as itself") {
  HubRows hub;
  hub.add(TableId::directives, id("to-longyou"), {{"targets", std::string("longyou")}}, directive_scope("longyou"),
          kCity);
  hub.add(TableId::directives, id("to-kaihua"), {{"targets", std::string("kaihua")}}, directive_scope("kaihua"), kCity);
  hub.add(TableId::directives, id("to-all"), {{"targets", std::string("all")}}, directive_scope("all"), kCity);
  const auto receipt = [&](const NodeId& who, const char* directive, const char* county,
                           std::optional<Uuid> row_id = std::nullopt) {
    const Uuid row = row_id ? *row_id : directive_receipt_id(id(directive), county);
    const Values v{{"directive_id", id(directive).to_string()},
                   {"county", std::string(county)},
                   {"received_at", std::int64_t{kNow}}};
    return hub.check(who, TableId::directive_receipts, row, cells_of(TableId::directive_receipts, row, v, who));
  };
  check_all(receipt(kLongyou, "to-longyou", "longyou"), Errc::ok);
  check_all(receipt(kLongyou, "to-all", "longyou"), Errc::ok);
  check_all(receipt(kLongyou, "to-longyou", "kaihua"), Errc::out_of_scope);  // receipt for another county
  check_all(receipt(kLongyou, "to-kaihua", "longyou"), Errc::out_of_scope, "not addressed to longyou");
  check_all(receipt(kLongyou, "nothing", "longyou"), Errc::unknown_parent);
  check_all(receipt(kCity, "to-longyou", "longyou"), Errc::not_permitted);  // the city only reads receipts
  // One receipt per county and directive: a second one under another id is refused.
  check_all(receipt(kLongyou, "to-longyou", "longyou", id("second receipt")), Errc::invalid_argument,
            "derived from its directive and county");
}

TEST_CASE("a cell stamped by another node than the sender is a forged stamp") {
  HubRows hub;
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  const NodeId other_device = NodeId::parse("longyou:field-2").value();
  const auto verdicts = hub.check(kLongyou, TableId::cases, id("c"),
                                  {cell(TableId::cases, id("c"), "title", std::string("a"), other_device),
                                   cell(TableId::cases, id("c"), "summary", std::string("b"), kLongyou)});
  CHECK(verdicts[0].code == Errc::forged_stamp);
  CHECK(verdicts[0].reason.find("longyou:field-2") != std::string::npos);
  CHECK(verdicts[1].code == Errc::ok);  // only the forged cell is refused
}

TEST_CASE("a stamp too far in the hub's future is refused as clock_ahead (retryable)") {
  HubRows hub;
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  const auto at = [&](std::uint64_t ms) {
    return hub.check(kLongyou, TableId::cases, id("c"),
                     {cell(TableId::cases, id("c"), "title", std::string("a"), kLongyou, ms)});
  };
  check_all(at(kNow + kAhead), Errc::ok);
  const auto ahead = at(kNow + 10 * 60'000);
  check_all(ahead, Errc::clock_ahead, "600 s ahead");
  CHECK(recovery_of(ahead[0].code) == Recovery::retry);
}

TEST_CASE("a value of the wrong type is a bad value; a field of another kind is unknown") {
  HubRows hub;
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  const auto set = [&](const char* column, Value v) {
    return hub.check(kLongyou, TableId::cases, id("c"),
                     {cell(TableId::cases, id("c"), column, std::move(v), kLongyou)});
  };
  check_all(set("title", std::int64_t{5}), Errc::bad_value, "text");
  check_all(set("updated_at", std::string("monday")), Errc::bad_value, "whole number");
  check_all(set("summary", Value{}), Errc::ok);
  check_all(set("donor", std::string("ACME")), Errc::unknown_field, "does not belong to a outbound_trip");
  check_all(set("applicant", std::string("Li Wei")), Errc::ok);  // common to every kind
  Cell beyond = cell(TableId::cases, id("c"), "title", std::string("x"), kLongyou);
  beyond.column = 200;
  check_all(hub.check(kLongyou, TableId::cases, id("c"), {beyond}), Errc::unknown_field);
}

// ------------------------------------------------------------------ apply_push on a hub replica

namespace {

struct HubReplica {
  std::string dir;
  std::uint64_t wall = kNow;
  std::unique_ptr<Replica> hub;
  HubReplica() {
    char tmpl[] = "/tmp/liaison-authority-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    ReplicaOptions options;
    options.path = dir + "/hub.db";
    options.self = NodeId::parse("city:hub").value();
    options.hub = true;
    options.wall = [this] { return wall; };
    options.seed = 1;
    options.durable = false;
    auto r = Replica::open(options);
    REQUIRE(r.ok());
    hub = std::move(r).value();
  }
  ~HubReplica() {
    hub.reset();
    std::filesystem::remove_all(dir);
  }
  PushResult push(const std::vector<Cell>& cells, const NodeId& from = kLongyou) {
    auto result = hub->apply_push(from, cells, kAhead);
    REQUIRE(result.ok());
    return std::move(result).value();
  }
};

}  // namespace

TEST_CASE("apply_push: a refused change to a case is corrected with the hub's value, newer than the refused stamp") {
  HubReplica h;
  const Uuid c = id("c");
  CHECK(h.push(cells_of(TableId::cases, c, a_case("longyou", "draft"), kLongyou)).rejections.empty());
  CHECK(h.push({cell(TableId::cases, c, "status", std::string("submitted"), kLongyou, kNow + 1)}).rejections.empty());
  const auto before = h.hub->feed_end();

  const Cell approve = cell(TableId::cases, c, "status", std::string("approved"), kLongyou, kNow + 2);
  const PushResult result = h.push({approve});
  REQUIRE(result.rejections.size() == 1);
  CHECK(result.rejections[0].code == Errc::bad_transition);
  CHECK(result.rejections[0].stamp == approve.stamp);
  REQUIRE(result.corrections.size() == 1);
  const Cell& fix = result.corrections[0];
  CHECK(fix.column == approve.column);
  CHECK(fix.value == Value{std::string("submitted")});
  CHECK(fix.stamp > approve.stamp);  // wins on the writer's replica
  CHECK(fix.stamp.node == "city:hub");
  CHECK(fix.base == approve.stamp);
  const auto stored = h.hub->cell_of(TableId::cases, c, approve.column).value();
  REQUIRE(stored.has_value());
  CHECK(*stored == fix);              // the hub keeps what it told the writer
  CHECK(h.hub->feed_end() > before);  // and serves it to the county's other devices
}

TEST_CASE("apply_push: a refused new row is answered with one tombstone and not stored") {
  HubReplica h;
  const Uuid k = id("k");
  const auto cells = cells_of(TableId::cases, k, a_case("kaihua", "draft"), kLongyou);
  const PushResult result = h.push(cells);
  CHECK(result.rejections.size() == cells.size());
  for (const auto& r : result.rejections) CHECK(r.code == Errc::out_of_scope);
  REQUIRE(result.corrections.size() == 1);
  CHECK(result.corrections[0].column == kDeletedColumn);
  CHECK(result.corrections[0].value == Value{std::int64_t{1}});
  CHECK(result.corrections[0].stamp > cells[0].stamp);
  CHECK(h.hub->get(TableId::cases, k).value() == std::nullopt);
  CHECK(h.hub->feed_end() == 0);
}

TEST_CASE("apply_push: a rejection never blocks the rest of the batch") {
  HubReplica h;
  const Uuid submitted = id("submitted"), refused = id("refused"), fine = id("fine");
  (void)h.push(cells_of(TableId::cases, submitted, a_case("longyou", "draft"), kLongyou));
  (void)h.push({cell(TableId::cases, submitted, "status", std::string("submitted"), kLongyou, kNow + 1)});
  std::vector<Cell> batch = cells_of(TableId::cases, refused, a_case("kaihua", "draft"), kLongyou);
  batch.push_back(cell(TableId::cases, submitted, "title", std::string("edit after submit"), kLongyou, kNow + 2));
  batch.push_back(cell(TableId::cases, submitted, "decision_reason", std::string("self-approved"), kLongyou, kNow + 2));
  for (const Cell& c : cells_of(TableId::cases, fine, a_case("longyou", "draft"), kLongyou)) batch.push_back(c);
  const PushResult result = h.push(batch);
  CHECK(result.rejections.size() == 4 + 2);
  CHECK(result.stats.applied == 4);  // the good new case
  const auto row = h.hub->get(TableId::cases, fine).value();
  REQUIRE(row.has_value());
  CHECK((*row)["title"] == Value{std::string("Trip")});
  CHECK(row->scope == "longyou");
  CHECK(h.hub->get(TableId::cases, refused).value() == std::nullopt);
  const auto kept = h.hub->get(TableId::cases, submitted).value();
  CHECK((*kept)["title"] == Value{std::string("Trip")});
  CHECK((*kept)["decision_reason"] == Value{});
  // a tombstone, the old title, a null decision_reason, and the ref the hub
  // gave the new case (it came without one)
  CHECK(result.corrections.size() == 4);
}

TEST_CASE(
    "apply_push: a new row stamped too far ahead is held back whole, uncorrected, without moving the hub's clock") {
  HubReplica h;
  const Uuid c = id("c");
  auto cells = cells_of(TableId::cases, c, a_case("longyou", "draft"), kLongyou);
  cells[2].stamp.hlc = hlc_pack(kNow + 10 * 60'000, 0);  // one cell from a fast clock
  const PushResult result = h.push(cells);
  REQUIRE(result.rejections.size() == cells.size());
  for (const auto& r : result.rejections) CHECK(recovery_of(r.code) == Recovery::retry);
  CHECK(result.corrections.empty());
  CHECK(h.hub->get(TableId::cases, c).value() == std::nullopt);
  CHECK(hlc_ms(h.hub->clock().now()) < kNow + kAhead);
}

TEST_CASE("apply_push: a forged stamp is refused without a correction") {
  HubReplica h;
  const Uuid c = id("c");
  (void)h.push(cells_of(TableId::cases, c, a_case("longyou", "draft"), kLongyou));
  const PushResult result =
      h.push({cell(TableId::cases, c, "title", std::string("x"), NodeId::parse("kaihua:office-1").value(), kNow + 1)});
  REQUIRE(result.rejections.size() == 1);
  CHECK(result.rejections[0].code == Errc::forged_stamp);
  CHECK(result.corrections.empty());
  CHECK((*h.hub->get(TableId::cases, c).value())["title"] == Value{std::string("Trip")});
}

TEST_CASE("text another office sends is refused when it is not what the field may hold") {
  HubRows hub;
  hub.add(TableId::cases, id("draft"), a_case("longyou", "draft"), "longyou");
  const auto edit = [&](const char* column, Value v) {
    return hub.check(kLongyou, TableId::cases, id("draft"),
                     {cell(TableId::cases, id("draft"), column, std::move(v), kLongyou)});
  };
  // An escape sequence would repaint the terminal of whoever lists cases.
  check_all(edit("title", std::string("\x1b[31m红色")), Errc::bad_value, "control character U+001B");
  check_all(edit("title", std::string("a\0b", 3)), Errc::bad_value, "NUL");
  check_all(edit("title", std::string("第一行\n第二行")), Errc::bad_value, "must be one line");
  check_all(edit("title", std::string("abc\xe2\x80\xae"
                                      "fdp.exe")),
            Errc::bad_value, "text-direction");
  std::string long_title;
  for (int i = 0; i < 43'000; ++i) long_title += "长";  // 130 kB
  check_all(edit("title", long_title), Errc::bad_value, "43000 characters long; at most 200");
  check_all(edit("summary", std::string("第一行\n第二行")), Errc::ok);  // free text may run over lines
  check_all(edit("amount", std::nan("")), Errc::bad_value, "finite");
}

TEST_CASE("the hub refuses a value out of its field's format, whatever the client checked") {
  HubRows hub;
  hub.add(TableId::cases, id("trip"), a_case("longyou", "draft"), "longyou");
  hub.add(TableId::cases, id("report"), a_case("longyou", "draft", "situation_report"), "longyou");
  hub.add(TableId::cases, id("incident"), a_case("longyou", "open", "foreign_incident"), "longyou");
  hub.add(TableId::cases, id("gift"), a_case("longyou", "draft", "donation"), "longyou");
  const auto edit = [&](const char* row, const char* field, Value v) {
    return hub.check(kLongyou, TableId::cases, id(row), {cell(TableId::cases, id(row), field, std::move(v), kLongyou)});
  };
  check_all(edit("trip", "depart_on", std::string("2027-02-30")), Errc::bad_value, "is not a date like 2026-12-31");
  check_all(edit("trip", "depart_on", std::string("next Tuesday")), Errc::bad_value, "is not a date");
  check_all(edit("trip", "depart_on", std::string("2027-02-28")), Errc::ok);
  check_all(edit("trip", "briefing_done", std::int64_t{7}), Errc::bad_value, "must be 1 (yes) or 0 (no)");
  check_all(edit("report", "period", std::string("2027年第一季度")), Errc::bad_value, "is not a period like 2027-Q1");
  check_all(edit("report", "period", std::string("2027-Q1")), Errc::ok);
  check_all(edit("incident", "severity", std::string("terrible")), Errc::bad_value, "is not one of minor (一般)");
  check_all(edit("gift", "currency", std::string("eur")), Errc::bad_value, "is not a currency code");
  check_all(edit("gift", "currency", std::string("EUR")), Errc::ok);
}

TEST_CASE("a span of dates may not end before it starts: the cells that would make it so are refused, not the rest") {
  HubRows hub;
  Values trip = a_case("longyou", "draft");
  trip.emplace_back("depart_on", std::string("2027-03-01"));
  trip.emplace_back("return_on", std::string("2027-03-06"));
  hub.add(TableId::cases, id("trip"), trip, "longyou");
  const auto verdicts = hub.check(kLongyou, TableId::cases, id("trip"),
                                  {cell(TableId::cases, id("trip"), "return_on", std::string("2027-02-27"), kLongyou),
                                   cell(TableId::cases, id("trip"), "title", std::string("改期"), kLongyou)});
  REQUIRE(verdicts.size() == 2);
  CHECK(verdicts[0].code == Errc::bad_value);
  CHECK(verdicts[0].reason.find("'return_on' 2027-02-27 is before 'depart_on' 2027-03-01") != std::string::npos);
  CHECK(verdicts[1].accepted());
  // Both moved together, in order: fine.
  check_all(hub.check(kLongyou, TableId::cases, id("trip"),
                      {cell(TableId::cases, id("trip"), "depart_on", std::string("2027-02-20"), kLongyou),
                       cell(TableId::cases, id("trip"), "return_on", std::string("2027-02-27"), kLongyou)}),
            Errc::ok);
  // A new visit that ends before it starts.
  Values visit = a_case("longyou", "draft", "delegation_visit");
  visit.emplace_back("visit_from", std::string("2027-05-10"));
  visit.emplace_back("visit_to", std::string("2027-05-02"));
  const auto refused =
      hub.check(kLongyou, TableId::cases, id("visit"), cells_of(TableId::cases, id("visit"), visit, kLongyou));
  CHECK(refused.back().code == Errc::bad_value);
  CHECK(refused[refused.size() - 2].code == Errc::bad_value);
}

TEST_CASE("a case's people: a row needs a name; a county changes them only while the case is editable") {
  HubRows hub;
  hub.add(TableId::cases, id("draft"), a_case("longyou", "draft"), "longyou");
  hub.add(TableId::cases, id("approved"), a_case("longyou", "approved"), "longyou");
  const auto person = [&](const char* case_name, const NodeId& by, bool named) {
    Values values = {{"case_id", id(case_name).to_string()}, {"role", std::string("团长")}};
    if (named) values.emplace_back("name", std::string("王立新"));
    return hub.check(by, TableId::people, id("p"), cells_of(TableId::people, id("p"), values, by));
  };
  check_all(person("draft", kLongyou, true), Errc::ok);
  check_all(person("draft", kLongyou, false), Errc::bad_value, "a people row needs its 'name'");
  check_all(person("approved", kLongyou, true), Errc::not_permitted,
            "the case is approved; a county office changes its people only while it is being drafted or returned");
  check_all(person("approved", kCity, true), Errc::ok);  // the city records a change it approves
  hub.add(TableId::people, id("member"), {{"case_id", id("approved").to_string()}, {"name", std::string("李敏")}},
          "longyou");
  check_all(hub.check(kLongyou, TableId::people, id("member"),
                      {cell(TableId::people, id("member"), "post", std::string("科员"), kLongyou)}),
            Errc::not_permitted, "the case is approved");
  hub.add(TableId::people, id("drafted"), {{"case_id", id("draft").to_string()}, {"name", std::string("王立新")}},
          "longyou");
  for (const Value& blank : {Value{}, Value{std::string("  ")}})
    check_all(hub.check(kLongyou, TableId::people, id("drafted"),
                        {cell(TableId::people, id("drafted"), "name", blank, kLongyou)}),
              Errc::bad_value, "'name' may not be empty in people");
}

TEST_CASE("who wrote a row and when is the hub's to say: another node's name or a future time is refused") {
  HubRows hub;
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  const auto note = [&](const Values& values) {
    return hub.check(kLongyou, TableId::case_notes, id("n"), cells_of(TableId::case_notes, id("n"), values, kLongyou));
  };
  const std::string case_id = id("c").to_string();
  check_all(
      note({{"case_id", case_id}, {"author", std::string("longyou:office-1")}, {"written_at", std::int64_t{kNow}}}),
      Errc::ok);
  const auto forged =
      note({{"case_id", case_id}, {"author", std::string("city:hub")}, {"written_at", std::int64_t{kNow}}});
  CHECK(forged[0].code == Errc::ok);
  CHECK(forged[1].code == Errc::forged_attribution);
  CHECK(forged[1].reason == "'author' must name the node that writes it, longyou:office-1, not 'city:hub'");
  const auto future = note({{"case_id", case_id},
                            {"author", std::string("longyou:office-1")},
                            {"written_at", std::int64_t{kNow + 3'600'000}}});
  CHECK(future[2].code == Errc::forged_attribution);
  CHECK(future[2].reason.find("3600 s ahead of the hub's clock") != std::string::npos);
  // An office may record work done earlier (offline for days), and the city
  // its own decisions under its own name.
  check_all(note({{"case_id", case_id},
                  {"author", std::string("longyou:office-1")},
                  {"written_at", std::int64_t{kNow - 86'400'000}}}),
            Errc::ok);
  check_all(hub.check(kCity, TableId::cases, id("c"),
                      {cell(TableId::cases, id("c"), "updated_at", std::int64_t{kNow}, kCity)}),
            Errc::ok);
  // A case made on one device in another device's name.
  const auto made = hub.check(kLongyou, TableId::cases, id("new"),
                              cells_of(TableId::cases, id("new"),
                                       {{"kind", std::string("outbound_trip")},
                                        {"county", std::string("longyou")},
                                        {"title", std::string("Trip")},
                                        {"status", std::string("draft")},
                                        {"created_by", std::string("longyou:field-2")}},
                                       kLongyou));
  CHECK(made.back().code == Errc::forged_attribution);
}

TEST_CASE(
    "a reply to a directive names its writer: another device's reply can't stand under the first replier's name") {
  HubRows hub;
  hub.add(TableId::directives, id("d"), {{"targets", std::string("longyou")}}, directive_scope("longyou"), kCity);
  const Uuid row = derived_uuid(id("d"), "longyou");
  hub.add(TableId::directive_receipts, row,
          {{"directive_id", id("d").to_string()},
           {"county", std::string("longyou")},
           {"reply", std::string("收到")},
           {"replied_by", std::string("longyou:office-1")}},
          "longyou");
  const NodeId field = NodeId::parse("longyou:field-2").value();
  const auto reply = [&](const Values& values) {
    return hub.check(field, TableId::directive_receipts, row,
                     cells_of(TableId::directive_receipts, row, values, field));
  };
  const auto bare = reply({{"reply", std::string("已办结")}});
  CHECK(bare[0].code == Errc::forged_attribution);
  CHECK(bare[0].reason.find("must come with 'replied_by' naming its writer, longyou:field-2") != std::string::npos);
  check_all(reply({{"reply", std::string("已办结")}, {"replied_by", std::string("longyou:field-2")}}), Errc::ok);
  const auto other_name = reply({{"reply", std::string("已办结")}, {"replied_by", std::string("longyou:office-1")}});
  CHECK(other_name[0].code == Errc::forged_attribution);
  CHECK(other_name[1].code == Errc::forged_attribution);
  // Acknowledging without a reply needs no name, and puts none on the reply.
  check_all(reply({{"acknowledged_at", std::int64_t{kNow}}}), Errc::ok);
  const auto name_alone =
      reply({{"acknowledged_at", std::int64_t{kNow}}, {"replied_by", std::string("longyou:field-2")}});
  CHECK(name_alone[0].code == Errc::ok);
  CHECK(name_alone[1].code == Errc::forged_attribution);
  // A name written apart from the reply (another stamp) does not name it.
  std::vector<Cell> apart =
      cells_of(TableId::directive_receipts, row,
               {{"reply", std::string("已办结")}, {"replied_by", std::string("longyou:field-2")}}, field);
  apart[1].stamp.hlc -= 1;
  CHECK(hub.check(field, TableId::directive_receipts, row, apart)[0].code == Errc::forged_attribution);
  // Nor does a copy of the name already stored (the first replier's cell).
  std::vector<Cell> copied = cells_of(TableId::directive_receipts, row, {{"reply", std::string("已办结")}}, field);
  copied.push_back(Cell{TableId::directive_receipts,
                        row,
                        col(TableId::directive_receipts, "replied_by"),
                        Value{std::string("longyou:office-1")},
                        {hlc_pack(kNow - 1000, 0), "longyou:office-1"},
                        {}});
  CHECK(hub.check(field, TableId::directive_receipts, row, copied)[0].code == Errc::forged_attribution);
}

}  // namespace liaison::sync

namespace liaison::sync {
namespace {

// A hub holding staff accounts: who, of which county, in which role, and
// the hlc at which it was disabled (0: it is not).
struct StaffedHub : HubRows {
  std::uint64_t since = hlc_pack(kNow - 100'000, 0);  // accounts exist from then on
  void account(const char* county, const char* name, const char* role, std::uint64_t disabled_at = 0) {
    const StaffRef who{county, name};
    add(TableId::staff, staff_row_id(who),
        {{"name", std::string(name)},
         {"county", std::string(county)},
         {"role", std::string(role)},
         {"password", std::string(kTestPasswordHash)},
         {"disabled", std::int64_t{disabled_at ? 1 : 0}}},
        county);
    if (disabled_at)
      rows[{TableId::staff, staff_row_id(who)}].stamps[col(TableId::staff, "disabled")].hlc = disabled_at;
  }
  std::vector<Verdict> check_by(const char* staff, const NodeId& writer, TableId t, const Uuid& row,
                                std::vector<Cell> cells) const {
    for (auto& c : cells) c.staff = staff;
    const auto it = rows.find({t, row});
    const CurrentRow current = it == rows.end() ? CurrentRow{} : it->second;
    return check_authority({writer, t, row, current, cells, lookup, kNow, kAhead, nullptr, since});
  }
};

}  // namespace

TEST_CASE("once a county has accounts, each change names a person with an account of that county") {
  StaffedHub hub;
  hub.account("longyou", "王伟", "officer");
  hub.account("kaihua", "赵敏", "officer");
  const auto trip = cells_of(TableId::cases, id("t"), a_case("longyou", "draft"), kLongyou);
  check_all(hub.check_by("longyou/王伟", kLongyou, TableId::cases, id("t"), trip), Errc::ok);
  check_all(hub.check_by("", kLongyou, TableId::cases, id("t"), trip), Errc::not_permitted, "nobody was signed in");
  check_all(hub.check_by("kaihua/赵敏", kLongyou, TableId::cases, id("t"), trip), Errc::forged_attribution,
            "is not of longyou");
  check_all(hub.check_by("longyou/无此人", kLongyou, TableId::cases, id("t"), trip), Errc::not_permitted,
            "no account longyou/无此人");
  // Made before the county's first account, on a device that did not know
  // of accounts yet: the device's change, accepted.
  auto before = cells_of(TableId::cases, id("old"), a_case("longyou", "draft"), kLongyou);
  for (auto& c : before) c.stamp.hlc = hlc_pack(kNow - 200'000, 0);
  check_all(hub.check_by("", kLongyou, TableId::cases, id("old"), before), Errc::ok);
  // A county without accounts goes on as before.
  hub.since = 0;
  check_all(hub.check_by("", kLongyou, TableId::cases, id("t"), trip), Errc::ok);
}

TEST_CASE("a disabled account's changes made after the disabling are refused, those made before are not") {
  StaffedHub hub;
  hub.account("longyou", "李娜", "clerk", hlc_pack(kNow - 10'000, 0));
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  check_all(hub.check_by("longyou/李娜", kLongyou, TableId::cases, id("c"),
                         {cell(TableId::cases, id("c"), "title", std::string("after"), kLongyou)}),
            Errc::not_permitted, "was disabled before this change");
  check_all(hub.check_by("longyou/李娜", kLongyou, TableId::cases, id("c"),
                         {cell(TableId::cases, id("c"), "title", std::string("before"), kLongyou, kNow - 20'000)}),
            Errc::ok);
}

TEST_CASE("roles: a viewer changes nothing, a clerk moves no case, only a director decides") {
  StaffedHub hub;
  for (const char* role : {"viewer", "clerk", "officer", "director", "admin"})
    hub.account("longyou", role, role), hub.account("city", role, role);
  hub.add(TableId::cases, id("c"), a_case("longyou", "draft"), "longyou");
  const auto edit = [&](const char* who) {
    return hub.check_by(who, kLongyou, TableId::cases, id("c"),
                        {cell(TableId::cases, id("c"), "title", std::string("赴德国"), kLongyou)});
  };
  check_all(edit("longyou/viewer"), Errc::not_permitted, "only reads");
  check_all(edit("longyou/admin"), Errc::not_permitted, "keeps the accounts");
  check_all(edit("longyou/clerk"), Errc::ok);
  const auto submit = [&](const char* who) {
    return hub.check_by(who, kLongyou, TableId::cases, id("c"),
                        {cell(TableId::cases, id("c"), "status", std::string("submitted"), kLongyou)});
  };
  check_all(submit("longyou/clerk"), Errc::not_permitted, "moves no case");
  check_all(submit("longyou/officer"), Errc::ok);
  hub.add(TableId::cases, id("s"), a_case("longyou", "submitted"), "longyou");
  const auto approve = [&](const char* who) {
    return hub.check_by(who, kCity, TableId::cases, id("s"),
                        {cell(TableId::cases, id("s"), "status", std::string("returned"), kCity)});
  };
  check_all(approve("city/officer"), Errc::not_permitted, "director");
  check_all(approve("city/director"), Errc::ok);
  // Past the decision in one push (approved, then briefed, offline): still
  // a decision.
  const auto past = hub.check_by("city/officer", kCity, TableId::cases, id("s"),
                                 {cell(TableId::cases, id("s"), "status", std::string("briefed"), kCity)});
  REQUIRE(past.size() == 1);
  CHECK(past[0].code == Errc::not_permitted);
  CHECK(past[0].reason.find("director") != std::string::npos);
  // A passport handed back is no decision: an officer records it.
  hub.add(TableId::cases, id("p"), a_case("longyou", "issued", "passport"), "longyou");
  check_all(hub.check_by("city/officer", kCity, TableId::cases, id("p"),
                         {cell(TableId::cases, id("p"), "status", std::string("returned"), kCity)}),
            Errc::ok);
}

TEST_CASE("a device marks a directive received whoever is signed in; a viewer's reply is refused") {
  StaffedHub hub;
  hub.account("longyou", "查阅", "viewer");
  hub.add(TableId::directives, id("d"),
          {{"title", std::string("通知")}, {"kind", std::string("notice")}, {"targets", std::string("all")}}, "*",
          kCity);
  const Uuid receipt = directive_receipt_id(id("d"), "longyou");
  const auto verdicts =
      hub.check_by("longyou/查阅", kLongyou, TableId::directive_receipts, receipt,
                   {cell(TableId::directive_receipts, receipt, "directive_id", id("d").to_string(), kLongyou),
                    cell(TableId::directive_receipts, receipt, "county", std::string("longyou"), kLongyou),
                    cell(TableId::directive_receipts, receipt, "received_at", std::int64_t(kNow - 5), kLongyou),
                    cell(TableId::directive_receipts, receipt, "reply", std::string("收到"), kLongyou),
                    cell(TableId::directive_receipts, receipt, "replied_by", kLongyou.str(), kLongyou)});
  REQUIRE(verdicts.size() == 5);
  for (int i = 0; i < 3; ++i) CHECK(verdicts[i].accepted());
  CHECK(verdicts[3].code == Errc::not_permitted);
  CHECK(verdicts[4].code == Errc::not_permitted);
}

TEST_CASE(
    "accounts: a county administrator keeps its own county's, not another's; a new row made by a viewer is "
    "refused whole") {
  StaffedHub hub;
  hub.account("longyou", "管理员", "admin");
  hub.account("longyou", "查阅", "viewer");
  hub.account("longyou", "主任", "director");
  const StaffRef newcomer{"longyou", "新人"};
  const Values account = {{"name", std::string("新人")},
                          {"county", std::string("longyou")},
                          {"role", std::string("clerk")},
                          {"password", std::string(kTestPasswordHash)}};
  const Uuid row = staff_row_id(newcomer);
  check_all(
      hub.check_by("longyou/管理员", kLongyou, TableId::staff, row, cells_of(TableId::staff, row, account, kLongyou)),
      Errc::ok);
  check_all(
      hub.check_by("longyou/主任", kLongyou, TableId::staff, row, cells_of(TableId::staff, row, account, kLongyou)),
      Errc::not_permitted, "may not change accounts");
  // A hash that would take 4 GiB to check on every device of the county.
  Values costly = account;
  costly[3].second = std::string(
      "$argon2id$v=19$m=4194304,t=2,p=1$MRn2SCPgJeGtum06loxFfQ$EnGb5rgSo2SAG1F3MV+mVTx7zXipHX65p9QIlEAdf24");
  const auto costly_verdicts =
      hub.check_by("longyou/管理员", kLongyou, TableId::staff, row, cells_of(TableId::staff, row, costly, kLongyou));
  const auto password = col(TableId::staff, "password");
  for (std::size_t i = 0; i < costly_verdicts.size(); ++i) {
    CAPTURE(i);
    CHECK(costly_verdicts[i].code == Errc::bad_value);  // the row is refused whole: its password is required
    if (cells_of(TableId::staff, row, costly, kLongyou)[i].column == password)
      CHECK(costly_verdicts[i].reason.find("not a password hash of this program") != std::string::npos);
  }
  // A device with nobody signed in does not enrol its county, not even
  // before the county has any account.
  hub.since = 0;
  check_all(hub.check_by("", kLongyou, TableId::staff, row, cells_of(TableId::staff, row, account, kLongyou)),
            Errc::not_permitted, "added by the city");
  hub.since = hlc_pack(kNow - 100'000, 0);
  // A row standing for someone else (the city's director) is refused.
  const Uuid borrowed = staff_row_id(StaffRef{"city", "主任"});
  check_all(hub.check_by("longyou/管理员", kLongyou, TableId::staff, borrowed,
                         cells_of(TableId::staff, borrowed, account, kLongyou)),
            Errc::bad_value, "derived from its county and name");
  const StaffRef elsewhere{"kaihua", "新人"};
  Values theirs = account;
  theirs[1].second = std::string("kaihua");
  check_all(hub.check_by("longyou/管理员", kLongyou, TableId::staff, staff_row_id(elsewhere),
                         cells_of(TableId::staff, staff_row_id(elsewhere), theirs, kLongyou)),
            Errc::out_of_scope);
  // A case opened by a viewer, a director then editing its title on the
  // same device before the sync: nothing of it is kept.
  auto made = cells_of(TableId::cases, id("v"), a_case("longyou", "draft"), kLongyou);
  for (auto& c : made) c.staff = "longyou/查阅";
  made.push_back(cell(TableId::cases, id("v"), "summary", std::string("补充"), kLongyou));
  made.back().staff = "longyou/主任";
  const auto verdicts = check_authority(
      {kLongyou, TableId::cases, id("v"), CurrentRow{}, made, hub.lookup, kNow, kAhead, nullptr, hub.since});
  for (const auto& v : verdicts) CHECK(v.code == Errc::not_permitted);
  CHECK(verdicts.back().reason.find("made by someone who may not") != std::string::npos);
}

}  // namespace liaison::sync
