// Tests for schema versions: a replica file made by the release before
// schema 2 (tests/data/schema1, made by that release's demo steps) opens
// migrated in place with nothing lost, syncs on, and gets the refs and
// numbers the hub gives its cases; the hub still syncs with a client of the
// older release, sending it only the columns it knows; a file or a client
// from a newer release is refused with what to do.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>

#include "sync/codec.hpp"
#include "sync/linked_sessions.hpp"
#include "sync/replica.hpp"
#include "sync/scratch_replica.hpp"

namespace liaison::sync {
namespace {

// 2026-12-03, just after the fixture was made: official numbers count in 2026.
constexpr std::uint64_t kNow = 1'796'300'000'000;
constexpr const char* kTrip = "01a238e1-2685-71b1-9b42-51be7abab080";      // longyou, approved at the hub
constexpr const char* kVisit = "01a238e1-2690-71bb-8c68-ddb110394975";     // longyou, draft, edited since
constexpr const char* kDonation = "01a238e1-26a4-77cf-b864-cc7cb9b3f306";  // kaihua, submitted

std::string fixture(const char* name) { return std::string(LIAISON_SOURCE_DIR) + "/tests/data/schema1/" + name; }

Row case_row(Replica& r, const char* id) {
  auto row = r.get(TableId::cases, *Uuid::parse(id)).value();
  REQUIRE(row.has_value());
  return *row;
}

std::string text(const Value& v) { return to_display(v); }

void set_schema_version(const std::string& path, const char* version) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const std::string sql = std::string("UPDATE _meta SET value = '") + version + "' WHERE key = 'schema_version'";
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

struct Upgraded {
  TempDir dir;
  std::uint64_t wall = kNow;
  std::unique_ptr<Replica> hub, office;
  Upgraded() {
    std::filesystem::copy_file(fixture("hub.db"), dir.path("hub.db"));
    std::filesystem::copy_file(fixture("longyou-office-1.db"), dir.path("office.db"));
    hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
    office = open_replica(dir.path("office.db"), "longyou:office-1", &wall);
  }
};

}  // namespace

TEST_CASE("a schema 1 hub opens migrated: its cases keep every value and get refs, numbers once out of draft") {
  Upgraded u;
  CHECK(u.hub->meta("schema_version").value() == std::optional<std::string>(std::to_string(kSchemaVersion)));
  CHECK(u.hub->list(TableId::cases).value().size() == 3);
  const Row trip = case_row(*u.hub, kTrip), visit = case_row(*u.hub, kVisit), donation = case_row(*u.hub, kDonation);
  CHECK(text(trip["title"]) == "龙游县赴德国汉堡经贸考察");
  CHECK(text(trip["status"]) == "approved");
  CHECK(text(trip["decision_reason"]) == "同意，请做好出访前教育");
  CHECK(text(visit["purpose"]) == "友好交流");
  std::set<std::string> refs;
  for (const Row* row : {&trip, &visit, &donation}) {
    CHECK(is_case_ref(text((*row)["ref"])));
    refs.insert(text((*row)["ref"]));
  }
  CHECK(refs.size() == 3);
  CHECK(text(trip["number"]) == "龙外审〔2026〕1号");
  CHECK(text(donation["number"]) == "开外捐〔2026〕1号");
  CHECK(is_null(visit["number"]));  // still a draft
  CHECK(u.hub->list(TableId::directive_receipts).value().size() == 1);
  // The history the old hub kept is chained as it was, and verifies.
  const auto history = u.hub->history().value();
  REQUIRE_FALSE(history.empty());
  const AuditCheck audit = u.hub->verify_history().value();
  CHECK(audit.broken_at == 0);
  CHECK(audit.entries == static_cast<std::int64_t>(history.size()));

  // Opened again: nothing migrates or changes a second time.
  const auto end = u.hub->feed_end();
  u.hub.reset();
  u.hub = open_replica(u.dir.path("hub.db"), "city:hub", &u.wall, true);
  CHECK(u.hub->feed_end() == end);
  CHECK(text(case_row(*u.hub, kTrip)["ref"]) == text(trip["ref"]));
}

TEST_CASE("a hub upgraded in the next year numbers its old cases in the year they entered the register") {
  TempDir dir;
  std::uint64_t wall = 1'800'000'000'000;  // 2027-01-15
  std::filesystem::copy_file(fixture("hub.db"), dir.path("hub.db"));
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  CHECK(text(case_row(*hub, kTrip)["number"]) == "龙外审〔2026〕1号");
  CHECK(text(case_row(*hub, kDonation)["number"]) == "开外捐〔2026〕1号");
}

TEST_CASE("a migrated county replica keeps its unsynced work, and its next sync brings the hub's refs and numbers") {
  Upgraded u;
  CHECK(is_null(case_row(*u.office, kTrip)["ref"]));               // a client names only the cases it makes
  CHECK(u.office->peer(kHubPeer).value().pulled == FeedCursor{});  // it pulls its scope again
  const Uuid made_now = u.office
                            ->insert(TableId::cases, {{"kind", std::string("donation")},
                                                      {"county", std::string("longyou")},
                                                      {"title", std::string("升级后的新案")},
                                                      {"status", std::string("draft")}})
                            .value();
  const std::string own_ref = text(case_row(*u.office, made_now.to_string().c_str())["ref"]);
  CHECK(is_case_ref(own_ref));

  u.wall += 1000;
  Link link(*u.office, *u.hub, u.wall);
  link.start();
  CAPTURE(link.client.failure() ? link.client.failure()->message : std::string("no failure"));
  REQUIRE(link.client.synced());
  CHECK(link.client.stats().hub_schema == kSchemaVersion);

  // What was written before the upgrade and never synced reached the hub.
  CHECK(text(case_row(*u.hub, kVisit)["visit_to"]) == "2026-12-05");
  const auto notes = u.hub->list(TableId::case_notes, {{{"case_id", std::string(kTrip)}}}).value();
  CHECK(notes.size() == 1);
  // The hub's names came back, and the new case kept the ref it was made with.
  CHECK(text(case_row(*u.office, kTrip)["ref"]) == text(case_row(*u.hub, kTrip)["ref"]));
  CHECK(text(case_row(*u.office, kTrip)["number"]) == "龙外审〔2026〕1号");
  CHECK(text(case_row(*u.hub, made_now.to_string().c_str())["ref"]) == own_ref);
  CHECK(u.office->list(TableId::cases).value().size() == 3);  // its county's, never Kaihua's
}

TEST_CASE("a client of a release before staff accounts (protocol 5) is told to update, and nothing is sent it") {
  TempDir dir;
  std::uint64_t wall = kNow;
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  hub->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                               {"county", std::string("longyou")},
                               {"title", std::string("赴德国汉堡")}})
      .value();
  ReplicaHubStore store(*hub);
  for (const std::uint32_t protocol : {4u, 5u}) {
    HubSession session(store, NodeId::parse("longyou:office-1").value());
    const Outbox out = session.on_message(Hello{protocol, "longyou:office-1", 4, {}, {}, kNow, {}}, kNow);
    REQUIRE(out.size() == 1);
    const auto& error = std::get<ErrorMessage>(out[0]);
    CHECK(error.code == Errc::protocol_version);
    CHECK(error.message.find("update liaison-client") != std::string::npos);
  }
  // A client of this release is told the hub's schema.
  HubSession current(store, NodeId::parse("longyou:office-2").value());
  const Outbox now_welcomed =
      current.on_message(Hello{kProtocolVersion, "longyou:office-2", kSchemaVersion, {}, {}, kNow, {}}, kNow);
  REQUIRE_FALSE(now_welcomed.empty());
  CHECK(std::get<Welcome>(now_welcomed[0]).hub_schema == kSchemaVersion);
}

TEST_CASE("a client newer than the hub is refused, told to update the hub first") {
  TempDir dir;
  std::uint64_t wall = kNow;
  auto hub = open_replica(dir.path("hub.db"), "city:hub", &wall, true);
  ReplicaHubStore store(*hub);
  for (const auto& [protocol, schema, what] : {std::tuple{kProtocolVersion + 1, kSchemaVersion, "protocol version"},
                                               std::tuple{kProtocolVersion, kSchemaVersion + 1, "schema version"}}) {
    HubSession session(store, NodeId::parse("longyou:office-1").value());
    const Outbox out = session.on_message(Hello{protocol, "longyou:office-1", schema, {}, {}, kNow, {}}, kNow);
    REQUIRE(out.size() == 1);
    const auto& error = std::get<ErrorMessage>(out[0]);
    CHECK(error.message.find(what) != std::string::npos);
    CHECK(error.message.find("update liaison-hub before its clients") != std::string::npos);
  }
}

TEST_CASE("a replica file from a newer release is refused and left as it was") {
  TempDir dir;
  std::uint64_t wall = kNow;
  open_replica(dir.path("c.db"), "longyou:office-1", &wall).reset();
  const std::string newer = std::to_string(kSchemaVersion + 1);
  set_schema_version(dir.path("c.db"), newer.c_str());
  auto opened = Replica::open(options_for(dir.path("c.db"), "longyou:office-1", &wall));
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code == Errc::schema_mismatch);
  CHECK(opened.error().message.find("made by a newer release (schema version " + newer) != std::string::npos);
  CHECK(opened.error().message.find("update this program") != std::string::npos);
  set_schema_version(dir.path("c.db"), std::to_string(kSchemaVersion).c_str());  // still there, unchanged
  CHECK(Replica::open(options_for(dir.path("c.db"), "longyou:office-1", &wall)).ok());
}

}  // namespace liaison::sync
