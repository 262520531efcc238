// Tests of liaison-hub's commands through its command line, in process
// (hub::run): help, usage errors (exit 2), JSON errors, the admin commands
// on a fresh hub, and the admin log.
#include "hub/program.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "command_runner.hpp"
#include "sync/protocol.hpp"
#include "sync/replica.hpp"

namespace liaison::hub {
namespace {

using testing::Ran;

Ran hub(const std::vector<std::string>& words) { return testing::run_captured(run, words); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Hub {
  testing::ScratchPki pki{{"city:hub"}};
  std::string data = pki.dir + "/hub";
  Hub() {
    const Ran init = hub({"init", "--data", data, "--ca", pki.ca(), "--cert", pki.cert("city:hub"), "--key",
                          pki.key("city:hub"), "--listen", "127.0.0.1:0"});
    REQUIRE_MESSAGE(init.status == 0, init.err);
  }
  // The hub's replica, opened as the hub (for what no command writes: a
  // county's case, a directive of an older release).
  std::unique_ptr<sync::Replica> replica() const {
    sync::ReplicaOptions options;
    options.path = data + "/hub.db";
    options.self = NodeId::parse("city:hub").value();
    options.hub = true;
    return sync::Replica::open(options).value();
  }
  Ran operator()(std::vector<std::string> words) {
    words.insert(words.end(), {"--data", data});
    return hub(words);
  }
};

}  // namespace

TEST_CASE("liaison-hub --version, --help and a command's help") {
  const Ran version = hub({"--version"});
  CHECK(version.status == 0);
  CHECK(contains(version.out, "sync protocol " + std::to_string(sync::kProtocolVersion)));
  const Ran all = hub({"--help"});
  CHECK(all.status == 0);
  for (const char* command : {"init", "serve", "directive issue", "case decide", "revert", "conflicts restore"})
    CHECK_MESSAGE(contains(all.out, command), command);
  const Ran one = hub({"revert", "--help"});
  CHECK(one.status == 0);
  CHECK(contains(one.out, "--dry-run"));
}

TEST_CASE("liaison-hub usage errors exit 2; with --json they are one JSON object") {
  const Ran unknown = hub({"frobnicate"});
  CHECK(unknown.status == 2);
  CHECK(contains(unknown.err, "no command 'frobnicate'"));
  const Ran no_data = hub({"case", "list"});
  CHECK(no_data.status == 2);
  CHECK(contains(no_data.err, "no data folder"));
  const Ran json = hub({"--json", "case", "frob"});
  CHECK(json.status == 2);
  CHECK(json.out == "{\"error\":\"usage\",\"message\":\"no command 'case frob' (list, show, decide, history)\"}\n");
}

TEST_CASE("admin commands on a fresh hub: a directive issued is listed, a missing case is not_found, all recorded") {
  Hub h;
  CHECK(h({"--json", "case", "list"}).out == "[]\n");
  const Ran issued =
      h({"directive", "issue", "--to", "longyou,kaihua", "--kind", "notice", "--title", "关于春节值班的通知"});
  REQUIRE_MESSAGE(issued.status == 0, issued.err);
  const Ran listed = h({"--json", "directive", "list"});
  CHECK(listed.status == 0);
  CHECK(contains(listed.out, "关于春节值班的通知"));
  const Ran missing = h({"--json", "case", "show", "0123456789abcdef0123456789abcdef"});
  CHECK(missing.status == 1);
  CHECK(contains(missing.out, "{\"error\":\"not_found\""));
  const Ran bad_day =
      h({"directive", "issue", "--to", "longyou", "--kind", "task", "--title", "年度报告", "--due", "2027-02-30"});
  CHECK(bad_day.status == 1);
  CHECK(contains(bad_day.err, "--due '2027-02-30' is not a day of the calendar"));
  const Ran bad_number = h({"conflicts", "restore", "x"});
  CHECK(bad_number.status == 2);
  std::ifstream log(h.data + "/admin.log");
  std::stringstream text;
  text << log.rdbuf();
  CHECK(contains(text.str(), "directive issue --to longyou,kaihua"));
  CHECK(contains(text.str(), "-> ok"));
  CHECK(contains(text.str(), "case show 0123456789abcdef0123456789abcdef -> failed: "));
}

TEST_CASE("directives the director can chase: no past due day, decisions name their case, overdue counties shown") {
  Hub h;
  const Ran past =
      h({"directive", "issue", "--to", "longyou", "--kind", "task", "--title", "年度报告", "--due", "2020-01-01"});
  CHECK(past.status == 1);
  CHECK(contains(past.err, "--due 2020-01-01 is already past (today is "));
  const Ran no_case = h({"directive", "issue", "--to", "longyou", "--kind", "decision", "--title", "关于出访的批复"});
  CHECK(no_case.status == 1);
  CHECK(contains(no_case.err, "a decision is about a case — add --case REF"));
  const Ran unknown_case = h({"directive", "issue", "--to", "longyou", "--kind", "decision", "--title",
                              "关于出访的批复", "--case", "K7Q-3M9"});
  CHECK(unknown_case.status == 1);
  CHECK(contains(unknown_case.err, "no case K7Q-3M9 at the hub"));

  // A task whose due day has passed (written as an older hub would have
  // let it be): Longyou has not answered, so it is overdue.
  {
    auto replica = h.replica();
    const Uuid trip = replica
                          ->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                                    {"county", std::string("longyou")},
                                                    {"title", std::string("赴德国汉堡")},
                                                    {"status", std::string("submitted")}})
                          .value();
    REQUIRE(replica
                ->insert(TableId::directives, {{"kind", std::string("task")},
                                               {"title", std::string("报送上半年外事工作总结")},
                                               {"targets", std::string("longyou")},
                                               {"due_on", std::string("2020-06-30")},
                                               {"issued_by", std::string("city:hub")}})
                .ok());
    const std::string ref = to_display((*replica->get(TableId::cases, trip).value())["ref"]);
    const Ran decision =
        h({"directive", "issue", "--to", "longyou", "--kind", "decision", "--title", "关于出访的批复", "--case", ref});
    CHECK_MESSAGE(decision.status == 0, decision.err);
  }
  const Ran listed = h({"--json", "directive", "list"});
  REQUIRE(listed.status == 0);
  CHECK(contains(listed.out, "\"due_on\":\"2020-06-30\""));
  CHECK(contains(
      listed.out,
      "\"longyou\":{\"received_at\":null,\"read_at\":null,\"acknowledged_at\":null,\"reply\":null,\"overdue\":true,"
      "\"answered_reminder\":false}"));
  CHECK(contains(listed.out, "\"kind\":\"decision\""));
  const Ran table = h({"directive", "list"});
  CHECK(contains(table.out, "overdue"));
  const Ran overdue = h({"--json", "overdue", "--county", "longyou"});
  REQUIRE(overdue.status == 0);
  CHECK(contains(overdue.out, "\"what\":\"directive_unanswered\",\"county\":\"longyou\""));
  CHECK(contains(overdue.out, "\"due_on\":\"2020-06-30\""));
  CHECK(h({"--json", "overdue", "--county", "kaihua"}).out == "[]\n");
}

TEST_CASE(
    "a trip over the limits is flagged to the reviewer, approved only despite the flags, and settings move the "
    "limits") {
  Hub h;
  std::string trip_ref;
  {
    auto replica = h.replica();
    // Seven members, three countries, ten days abroad, and a publicity of
    // three working days (Wednesday to Friday).
    const Uuid trip = replica
                          ->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                                    {"county", std::string("longyou")},
                                                    {"title", std::string("赴欧洲三国经贸考察")},
                                                    {"destination", std::string("德国、法国、意大利")},
                                                    {"depart_on", std::string("2027-03-20")},
                                                    {"return_on", std::string("2027-03-29")},
                                                    {"publicity_from", std::string("2026-11-18")},
                                                    {"publicity_to", std::string("2026-11-20")},
                                                    {"status", std::string("submitted")}})
                          .value();
    for (int i = 0; i < 7; ++i)
      REQUIRE(
          replica->insert(TableId::people, {{"case_id", trip.to_string()}, {"name", "成员" + std::to_string(i + 1)}})
              .ok());
    trip_ref = to_display((*replica->get(TableId::cases, trip).value())["ref"]);
  }
  const Ran shown = h({"--json", "case", "show", trip_ref});
  REQUIRE_MESSAGE(shown.status == 0, shown.err);
  CHECK(contains(shown.out, "\"rule\":\"trip_max_people\",\"message\":\"出访7人，超过6人的限额（含翻译）\""));
  CHECK(contains(shown.out, "\"rule\":\"trip_publicity_working_days\""));
  CHECK(contains(shown.out, "公示3个工作日（2026-11-18至2026-11-20），不足5个工作日"));
  CHECK_FALSE(contains(shown.out, "trip_max_countries"));         // three is the limit
  CHECK_FALSE(contains(shown.out, "trip_days_three_countries"));  // ten days is the limit

  const Ran refused = h({"case", "decide", trip_ref, "approve"});
  CHECK(refused.status == 1);
  CHECK(contains(refused.err, "this case is flagged for review"));
  CHECK(contains(refused.err, "add --despite-flags"));
  CHECK(contains(h({"--json", "case", "show", trip_ref}).out, "\"status\":\"submitted\""));

  // The city allows groups of eight and three days of publicity: no flag left.
  const Ran bad = h({"settings", "set", "trip_max_people", "eight"});
  CHECK(bad.status == 1);
  CHECK(contains(bad.err, "needs a whole number from 1 to 100"));
  const Ran unknown = h({"settings", "set", "trip_max_gifts", "3"});
  CHECK(unknown.status == 1);
  CHECK(contains(unknown.err, "there is no setting 'trip_max_gifts'; the settings are trip_max_people"));
  REQUIRE(h({"settings", "set", "trip_max_people", "8"}).status == 0);
  REQUIRE(h({"settings", "set", "trip_publicity_working_days", "3"}).status == 0);
  const Ran settings = h({"--json", "settings"});
  CHECK(contains(settings.out, "{\"name\":\"trip_max_people\",\"value\":8,\"default\":6"));
  CHECK(contains(h({"--json", "case", "show", trip_ref}).out, "\"review_flags\":[]"));

  // Forwarded to the province; approved once its approval is recorded.
  const Ran forwarded = h({"case", "decide", trip_ref, "forward"});
  REQUIRE_MESSAGE(forwarded.status == 0, forwarded.err);
  const Ran no_ref = h({"case", "decide", trip_ref, "approve"});
  CHECK(no_ref.status == 1);
  CHECK(contains(no_ref.err, "only with 'province_ref' recorded"));
  const Ran approved = h({"--json", "case", "decide", trip_ref, "approve", "--province-ref", "浙外出〔2027〕12号"});
  REQUIRE_MESSAGE(approved.status == 0, approved.err);
  CHECK(contains(approved.out, "\"status\":\"approved\""));
  CHECK(contains(h({"--json", "case", "show", trip_ref}).out, "\"province_ref\":\"浙外出〔2027〕12号\""));
}

TEST_CASE("case history names every change and who made it; the audit chain finds a history row altered in the file") {
  Hub h;
  Uuid trip;
  {
    auto replica = h.replica();
    trip = replica
               ->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                         {"county", std::string("longyou")},
                                         {"title", std::string("赴德国汉堡经贸考察")},
                                         {"created_by", std::string("longyou:office-1")},
                                         {"status", std::string("submitted")}})
               .value();
    REQUIRE(replica->insert(TableId::people, {{"case_id", trip.to_string()}, {"name", std::string("王立新")}}).ok());
  }
  const Ran returned = h({"case", "decide", trip.to_string(), "return", "--reason", "请补录出访公示"});
  REQUIRE_MESSAGE(returned.status == 0, returned.err);
  const Ran history = h({"case", "history", trip.to_string()});
  CHECK(history.status == 0);
  for (const char* part : {"city:hub", "(created the row)", "people", "status", "submitted", "returned",
                           "decision_reason", "请补录出访公示"})
    CHECK_MESSAGE(contains(history.out, part), part);
  const Ran json = h({"--json", "case", "history", trip.to_string()});
  CHECK(
      contains(json.out, "\"field\":\"status\",\"created_row\":false,\"before\":\"submitted\",\"after\":\"returned\""));

  const Ran verified = h({"audit", "verify"});
  CHECK_MESSAGE(verified.status == 0, verified.err);
  CHECK(contains(verified.out, "history verified: "));
  const std::string kept = h.data + "/../auditor-heads.txt";
  const Ran head = h({"--json", "audit", "head", "--out", kept});
  REQUIRE(head.status == 0);
  const auto at = head.out.find("\"head\":\"") + 8;
  const std::string exported = head.out.substr(at, 64);
  std::ifstream file(kept);
  std::string line;
  std::getline(file, line);
  CHECK(contains(line, "head " + exported));

  // Someone with the file edits one entry: the verdict the hub recorded.
  const auto edit = [&](const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((h.data + "/hub.db").c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  };
  edit("UPDATE _history SET new_value = 'approved' WHERE new_value = 'returned'");
  const Ran broken = h({"audit", "verify"});
  CHECK(broken.status == 1);
  CHECK(contains(broken.err, "the history is broken at entry "));
  CHECK(contains(broken.err, "city:hub"));
  edit("UPDATE _history SET new_value = 'returned' WHERE new_value = 'approved'");
  CHECK(h({"audit", "verify"}).status == 0);
  // The latest entry taken away leaves a chain that verifies alone; the head
  // the auditor kept does not.
  edit("DELETE FROM _history WHERE id = (SELECT max(id) FROM _history)");
  CHECK(h({"audit", "verify"}).status == 0);
  const Ran rewritten = h({"audit", "verify", "--head", exported});
  CHECK(rewritten.status == 1);
  CHECK(contains(rewritten.err, "is not in the history"));
  // An entry edited and its hash cleared is not chained again when the hub
  // opens: only a history older than the chain ever was.
  edit("UPDATE _history SET new_value = 'approved', chain = NULL WHERE new_value = 'returned'");
  CHECK(h({"case", "list"}).status == 0);
  const Ran unchained = h({"audit", "verify"});
  CHECK(unchained.status == 1);
  CHECK(contains(unchained.err, "the history is broken at entry "));
}

}  // namespace liaison::hub
