// Tests of `case search` as a desk uses it: a case found by a few
// characters of its Chinese title (no spaces between words), by a
// traveller's name in Chinese or passport spelling, by a passport or
// document number; every word must be in the case; days narrow it; a
// deleted case or a removed person is no longer found; a replica from
// before the index gets it when opened.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>

#include "sync/case_view.hpp"
#include "sync/scratch_replica.hpp"

namespace liaison::sync {
namespace {

constexpr std::uint64_t kNow = 1'796'300'000'000;  // 2026-12-03, Beijing time

std::vector<std::string> titles_found(Replica& replica, CaseSearch query) {
  auto rows = replica.search_cases(query);
  REQUIRE_MESSAGE(rows.ok(), (rows.ok() ? "" : rows.error().message));
  std::vector<std::string> titles;
  for (const Row& row : *rows) titles.push_back(to_display(row["title"]));
  std::sort(titles.begin(), titles.end());
  return titles;
}

std::vector<std::string> find(Replica& replica, std::vector<std::string> words, std::string from = "",
                              std::string to = "") {
  return titles_found(replica, {std::move(words), std::move(from), std::move(to), 0});
}

using Titles = std::vector<std::string>;

struct Desk {
  TempDir dir;
  std::uint64_t wall = kNow;
  std::unique_ptr<Replica> replica = open_replica(dir.path("longyou.db"), "longyou:office-1", &wall);
  Uuid trip, visit, donation;

  Desk() {
    trip = replica
               ->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                         {"county", std::string("longyou")},
                                         {"title", std::string("赴日本静冈县开展友好交流")},
                                         {"status", std::string("draft")},
                                         {"destination", std::string("日本")},
                                         {"depart_on", std::string("2027-03-10")},
                                         {"return_on", std::string("2027-03-15")}})
               .value();
    REQUIRE(replica
                ->insert(TableId::people, {{"case_id", trip.to_string()},
                                           {"name", std::string("王立新")},
                                           {"name_latin", std::string("WANG LIXIN")},
                                           {"passport_no", std::string("SE1234567")}})
                .ok());
    REQUIRE(replica
                ->insert(TableId::people, {{"case_id", trip.to_string()},
                                           {"name", std::string("李明")},
                                           {"name_latin", std::string("LI MING")}})
                .ok());
    visit = replica
                ->insert(TableId::cases, {{"kind", std::string("delegation_visit")},
                                          {"county", std::string("longyou")},
                                          {"title", std::string("日本静冈县代表团来访")},
                                          {"status", std::string("draft")},
                                          {"visit_from", std::string("2027-05-02")}})
                .value();
    REQUIRE(replica
                ->insert(TableId::guests, {{"case_id", visit.to_string()},
                                           {"name", std::string("Suzuki Taro")},
                                           {"organisation", std::string("静冈县国际交流协会")}})
                .ok());
    donation = replica
                   ->insert(TableId::cases, {{"kind", std::string("donation")},
                                             {"county", std::string("longyou")},
                                             {"title", std::string("旅美侨胞捐资助学")},
                                             {"status", std::string("draft")},
                                             {"donor", std::string("陈氏宗亲会")}})
                   .value();
  }
};

}  // namespace

TEST_CASE("case search finds a case by part of its Chinese title, a person's name or passport, a guest") {
  Desk desk;
  Replica& r = *desk.replica;
  CHECK(find(r, {"静冈县"}) == Titles{"日本静冈县代表团来访", "赴日本静冈县开展友好交流"});
  CHECK(find(r, {"友好交流"}) == Titles{"赴日本静冈县开展友好交流"});
  CHECK(find(r, {"王立新"}) == Titles{"赴日本静冈县开展友好交流"});
  CHECK(find(r, {"wang lixin"}) == Titles{"赴日本静冈县开展友好交流"});  // any case
  CHECK(find(r, {"SE1234567"}) == Titles{"赴日本静冈县开展友好交流"});
  CHECK(find(r, {"suzuki"}) == Titles{"日本静冈县代表团来访"});
  CHECK(find(r, {"陈氏宗亲"}) == Titles{"旅美侨胞捐资助学"});
  // A two-character name is shorter than a trigram: found by a scan.
  CHECK(find(r, {"李明"}) == Titles{"赴日本静冈县开展友好交流"});
  CHECK(find(r, {"来访"}) == Titles{"日本静冈县代表团来访"});
  CHECK(find(r, {"法国"}).empty());
  // Wildcards and quotes are only characters.
  CHECK(find(r, {"%"}).empty());
  CHECK(find(r, {"\"静冈"}).empty());
}

TEST_CASE("case search: every word must be in the case, in its fields or its people's") {
  Desk desk;
  Replica& r = *desk.replica;
  CHECK(find(r, {"静冈县", "王立新"}) == Titles{"赴日本静冈县开展友好交流"});
  CHECK(find(r, {"静冈县", "来访"}) == Titles{"日本静冈县代表团来访"});
  CHECK(find(r, {"王立新", "来访"}).empty());
}

TEST_CASE("case search: days narrow the cases to those opened in them or whose dates meet them") {
  Desk desk;
  Replica& r = *desk.replica;
  // The trip runs 2027-03-10..15, the visit begins 2027-05-02; all were opened 2026-12-03.
  CHECK(find(r, {"静冈县"}, "2027-03-12", "2027-03-12") == Titles{"赴日本静冈县开展友好交流"});
  CHECK(find(r, {"静冈县"}, "2027-04-01") == Titles{"日本静冈县代表团来访"});
  CHECK(find(r, {"静冈县"}, "", "2026-12-02").empty());
  CHECK(find(r, {"旅美"}, "2026-12-03", "2026-12-03") == Titles{"旅美侨胞捐资助学"});
  CHECK(find(r, {"旅美"}, "2027-01-01").empty());
}

TEST_CASE("case search: a deleted case, a removed person and a changed title are found no more") {
  Desk desk;
  Replica& r = *desk.replica;
  auto people = r.list(TableId::people, {{{"name", std::string("王立新")}}, false, 0}).value();
  REQUIRE(people.size() == 1);
  REQUIRE(r.update(TableId::people, people[0].id, {{"deleted", std::int64_t{1}}}).ok());
  CHECK(find(r, {"王立新"}).empty());
  CHECK(find(r, {"李明"}) == Titles{"赴日本静冈县开展友好交流"});
  REQUIRE(r.update(TableId::cases, desk.visit, {{"title", std::string("韩国代表团来访")}}).ok());
  CHECK(find(r, {"静冈县代表团"}).empty());
  CHECK(find(r, {"韩国"}) == Titles{"韩国代表团来访"});
  REQUIRE(r.update(TableId::cases, desk.donation, {{"deleted", std::int64_t{1}}}).ok());
  CHECK(find(r, {"旅美"}).empty());
}

TEST_CASE("case search: a change made through another connection after it indexed is found there") {
  // The hub's server and an admin command share the file: what one indexed,
  // the other must still re-index when it changes the case.
  Desk desk;
  auto other = open_replica(desk.dir.path("longyou.db"), "longyou:office-1", &desk.wall);
  CHECK(find(*desk.replica, {"旅美"}) == Titles{"旅美侨胞捐资助学"});  // indexes everything
  REQUIRE(other->update(TableId::cases, desk.donation, {{"title", std::string("旅欧侨胞捐资助学")}}).ok());
  CHECK(find(*desk.replica, {"旅欧侨胞"}) == Titles{"旅欧侨胞捐资助学"});
  CHECK(find(*other, {"旅美侨胞"}).empty());
}

TEST_CASE("case search: a replica without the index (an older release's) gets it when opened") {
  Desk desk;
  const std::string path = desk.dir.path("longyou.db");
  desk.replica.reset();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DROP TABLE _case_search", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto reopened = open_replica(path, "longyou:office-1", &desk.wall);
  CHECK(find(*reopened, {"王立新"}) == Titles{"赴日本静冈县开展友好交流"});
  CHECK(find(*reopened, {"静冈县"}).size() == 2);
}

TEST_CASE("case search as typed: the words, the days and the limit are checked, naming what is wrong") {
  const auto problem = [](std::vector<std::string> words, std::optional<std::string> from,
                          std::optional<std::string> to, std::optional<std::string> limit) {
    auto query = case_search_query(words, from, to, limit);
    return query.ok() ? std::string() : query.error().message;
  };
  CHECK(problem({}, {}, {}, {}).find("give the words") != std::string::npos);
  CHECK(problem({"静冈"}, "2027-02-30", {}, {}).find("--from 2027-02-30 is not a day") != std::string::npos);
  CHECK(problem({"静冈"}, "2027-03-01", "2027-02-01", {}).find("is after --to") != std::string::npos);
  CHECK(problem({"静冈"}, {}, {}, "0").find("--limit 0 must be a number from 1 to 1000") != std::string::npos);
  CHECK(problem({"a\x01"}, {}, {}, {}).find("control character") != std::string::npos);
  auto ok = case_search_query({"静冈"}, "2027-01-01", {}, "5");
  REQUIRE(ok.ok());
  CHECK(ok->limit == 5);
  CHECK(ok->from_day == "2027-01-01");
}

TEST_CASE("case search lists the latest first and stops at the limit, saying so") {
  Desk desk;
  Replica& r = *desk.replica;
  for (int i = 0; i < 5; ++i)
    REQUIRE(r.insert(TableId::cases, {{"kind", std::string("donation")},
                                      {"county", std::string("longyou")},
                                      {"title", "侨胞捐赠第" + std::to_string(i) + "批"},
                                      {"status", std::string("draft")}})
                .ok());
  auto rows = r.search_cases({{"侨胞捐"}, "", "", 3}).value();
  REQUIRE(rows.size() == 3);
  CHECK(to_display(rows[0]["title"]) == "侨胞捐赠第4批");
  auto report = case_search_report(r, {{"侨胞捐"}, "", "", 3}).value();
  REQUIRE(report.text.size() == 2);
  CHECK(std::get<std::string>(report.text[1]).find("the latest 3 shown") != std::string::npos);
}

}  // namespace liaison::sync
