// Tests of liaison-hub's commands through its command line, in process
// (hub::run): help, usage errors (exit 2), JSON errors, the admin commands
// on a fresh hub, and the admin log.
#include "hub/program.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "command_runner.hpp"
#include "shared/field_format.hpp"
#include "sync/protocol.hpp"
#include "sync/receipts.hpp"
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
  CHECK(json.out ==
        "{\"error\":\"usage\",\"message\":\"no command 'case frob' (list, search, show, decide, sheet, history)\"}\n");
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

namespace liaison::hub {
namespace {

// The case `fields` describe, written at the hub; `statuses` then taken in
// turn (the history records each, as a decision would).
Uuid hub_case(sync::Replica& replica, sync::Fields fields, std::vector<std::string> statuses = {}) {
  const Uuid id = replica.insert(TableId::cases, fields).value();
  for (const auto& status : statuses) REQUIRE(replica.update(TableId::cases, id, {{"status", status}}).ok());
  return id;
}

sync::Fields trip(const char* county, const char* status, const std::string& depart, const char* destination) {
  return {{"kind", std::string("outbound_trip")},
          {"county", std::string(county)},
          {"title", std::string("出访")},
          {"status", std::string(status)},
          {"depart_on", depart},
          {"destination", std::string(destination)}};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("report: the period's cases, trips, visitors, incidents, donations and directives, as CSV and workbook") {
  Hub h;
  std::string today;
  {
    auto replica = h.replica();
    today = china_date(replica->clock().wall_ms());
    // Longyou: a trip approved to Japan and Korea with two people, one
    // pending, one rejected and closed since, one closed after travelling
    // to France, one to a "country" that would be a formula.
    const Uuid approved = hub_case(*replica, trip("longyou", "approved", today, "日本、韩国"));
    for (const char* name : {"王立新", "李明"})
      REQUIRE(replica->insert(TableId::people, {{"case_id", approved.to_string()}, {"name", std::string(name)}}).ok());
    hub_case(*replica, trip("longyou", "submitted", today, "日本"));
    hub_case(*replica, trip("longyou", "submitted", today, "日本"), {"rejected", "closed"});
    hub_case(*replica, trip("longyou", "reported", today, "法国"), {"closed"});
    hub_case(*replica, trip("longyou", "approved", today, "=1+1"));
    hub_case(*replica,
             trip("longyou", "approved", "2020-01-01", "日本"));  // departed long ago: not a trip of the period
    // Kaihua: an incident graded 较大, donations accepted in dollars, one pending in euros.
    hub_case(*replica, {{"kind", std::string("foreign_incident")},
                        {"county", std::string("kaihua")},
                        {"title", std::string("外籍人员交通事故")},
                        {"status", std::string("reported")},
                        {"occurred_on", today},
                        {"severity", std::string("serious")}});
    for (double amount : {1000.0, 500.5})
      hub_case(*replica, {{"kind", std::string("donation")},
                          {"county", std::string("kaihua")},
                          {"title", std::string("捐资助学")},
                          {"status", std::string("approved")},
                          {"amount", amount},
                          {"currency", std::string("USD")}});
    hub_case(*replica, {{"kind", std::string("donation")},
                        {"county", std::string("kaihua")},
                        {"title", std::string("捐赠")},
                        {"status", std::string("submitted")},
                        {"amount", 99.0},
                        {"currency", std::string("EUR")}});
    // The city receives a delegation of 12; Jiangshan invites two guests.
    hub_case(*replica, {{"kind", std::string("delegation_visit")},
                        {"county", std::string("city")},
                        {"title", std::string("代表团来访")},
                        {"status", std::string("approved")},
                        {"visit_from", today},
                        {"participants", std::int64_t{12}}});
    const Uuid invitation = hub_case(*replica, {{"kind", std::string("foreign_invitation")},
                                                {"county", std::string("jiangshan")},
                                                {"title", std::string("邀请外宾")},
                                                {"status", std::string("approved")},
                                                {"visit_from", today}});
    for (const char* name : {"Suzuki Taro", "Tanaka Hana"})
      REQUIRE(
          replica->insert(TableId::people, {{"case_id", invitation.to_string()}, {"name", std::string(name)}}).ok());
    hub_case(*replica, {{"kind", std::string("passport")},
                        {"county", std::string("longyou")},
                        {"title", std::string("护照")},
                        {"status", std::string("in_custody")}});
    // A task due yesterday to Longyou and Kaihua; Kaihua answered.
    const Uuid task =
        replica
            ->insert(TableId::directives, {{"kind", std::string("task")},
                                           {"title", std::string("报送季度情况")},
                                           {"targets", std::string("longyou,kaihua")},
                                           {"due_on", date_after(today, -1)},
                                           {"issued_by", std::string("city:hub")},
                                           {"issued_at", static_cast<std::int64_t>(replica->clock().wall_ms())}})
            .value();
    REQUIRE(replica
                ->insert(TableId::directive_receipts,
                         {{"directive_id", task.to_string()},
                          {"county", std::string("kaihua")},
                          {"reply", std::string("已报送")}},
                         sync::directive_receipt_id(task, "kaihua"))
                .ok());
    // Jiangshan answers the reminder of a notice: that answers the notice.
    const auto issued_at = static_cast<std::int64_t>(replica->clock().wall_ms());
    const Uuid notice = replica
                            ->insert(TableId::directives, {{"kind", std::string("task")},
                                                           {"title", std::string("报送外事接待计划")},
                                                           {"targets", std::string("jiangshan")},
                                                           {"due_on", date_after(today, -1)},
                                                           {"issued_by", std::string("city:hub")},
                                                           {"issued_at", issued_at}})
                            .value();
    const Uuid reminder = replica
                              ->insert(TableId::directives, {{"kind", std::string("task")},
                                                             {"title", std::string("催办：报送外事接待计划")},
                                                             {"targets", std::string("jiangshan")},
                                                             {"reminds", notice.to_string()},
                                                             {"issued_by", std::string("city:hub")},
                                                             {"issued_at", issued_at}})
                              .value();
    REQUIRE(replica
                ->insert(TableId::directive_receipts,
                         {{"directive_id", reminder.to_string()},
                          {"county", std::string("jiangshan")},
                          {"acknowledged_at", issued_at}},
                         sync::directive_receipt_id(reminder, "jiangshan"))
                .ok());
  }

  const Ran table = h({"--lang", "zh", "report", "--from", today, "--to", today});
  REQUIRE_MESSAGE(table.status == 0, table.err);
  CHECK(contains(table.out, "因公出国（境）"));
  CHECK(contains(table.out, "较大"));

  const Ran json = h({"--json", "report", "--from", today, "--to", today});
  REQUIRE_MESSAGE(json.status == 0, json.err);
  // Longyou's trips: 5 opened today (the sixth departed long ago but was
  // opened today too): pending 1, approved 4 (two approved, one closed
  // after travelling, the old one), rejected 1.
  CHECK(contains(json.out, R"(["longyou","outbound_trip",6,1,4,1,0])"));
  CHECK(contains(json.out, R"(["longyou","=1+1",1,0])"));
  CHECK(contains(json.out, R"(["longyou","France",1,0])") == false);
  CHECK(contains(json.out, R"(["longyou","日本",1,2])"));
  CHECK(contains(json.out, R"(["longyou","韩国",1,2])"));
  CHECK(contains(json.out, R"(["longyou","法国",1,0])"));
  CHECK(contains(json.out, R"(["jiangshan",1,2])"));
  CHECK(contains(json.out, R"(["city",1,12])"));
  CHECK(contains(json.out, R"(["kaihua","serious",1])"));
  CHECK(contains(json.out, R"(["kaihua","USD",2,1500.5])"));
  CHECK(!contains(json.out, "EUR"));
  CHECK(contains(json.out, R"(["longyou",1,0,1])"));
  CHECK(contains(json.out, R"(["kaihua",1,1,0])"));
  CHECK(contains(json.out, R"(["jiangshan",1,1,0])"));  // the reminder is not counted again
  CHECK(!contains(json.out, "passport"));

  const std::string csv_path = h.data + "/report.csv";
  const Ran csv = h({"--lang", "zh", "report", "--from", today, "--to", today, "--format", "csv", "--out", csv_path});
  REQUIRE_MESSAGE(csv.status == 0, csv.err);
  const std::string body = slurp(csv_path);
  CHECK(body.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(contains(body, "龙游县,因公出国（境）,6,1,4,1,0\r\n"));
  CHECK(contains(body, "龙游县,'=1+1,1,0\r\n"));
  CHECK(contains(body, "开化县,USD,2,1500.50\r\n"));

  const std::string xlsx_path = h.data + "/report.xlsx";
  const Ran xlsx =
      h({"--lang", "zh", "report", "--from", today, "--to", today, "--format", "xlsx", "--out", xlsx_path});
  REQUIRE_MESSAGE(xlsx.status == 0, xlsx.err);
  const std::string script = h.data + "/read.py";
  std::ofstream(script) << "import openpyxl, sys\n"
                           "book = openpyxl.load_workbook(sys.argv[1])\n"
                           "print(book.sheetnames)\n"
                           "for name in book.sheetnames:\n"
                           "    for row in book[name].iter_rows(min_row=5, values_only=True):\n"
                           "        print(name, *row)\n";
  const std::string out_path = h.data + "/read.txt";
  REQUIRE(std::system(("/usr/bin/python3 " + script + " " + xlsx_path + " > " + out_path).c_str()) == 0);
  const std::string read = slurp(out_path);
  CHECK(contains(read, "['案件', '出访', '来访', '涉外事件', '捐赠', '督办']"));
  CHECK(contains(read, "案件 龙游县 因公出国（境） 6 1 4 1 0"));
  CHECK(contains(read, "出访 龙游县 日本 1 2"));
  CHECK(contains(read, "捐赠 开化县 USD 2 1500.5"));
  CHECK(contains(read, "督办 龙游县 1 0 1"));

  // Bad input: said plainly, nothing written.
  CHECK(h({"report", "--from", today}).status == 2);
  const Ran bad_day = h({"report", "--from", "2026-02-30", "--to", today});
  CHECK(bad_day.status == 1);
  CHECK(contains(bad_day.err, "--from 2026-02-30 is not a day"));
  const Ran bad_county = h({"report", "--from", today, "--to", today, "--county", "longyou,quzhou"});
  CHECK(contains(bad_county.err, "--county quzhou is not a county"));
  CHECK(h({"report", "--from", today, "--to", today, "--format", "xlsx"}).status == 2);
  const Ran nowhere = h({"report", "--from", today, "--to", today, "--format", "csv", "--out", "/nonexistent/r.csv"});
  CHECK(nowhere.status == 1);
  CHECK(contains(nowhere.err, "can't write /nonexistent/r.csv"));
  // One county only.
  const Ran kaihua = h({"--json", "report", "--from", today, "--to", today, "--county", "kaihua"});
  CHECK(!contains(kaihua.out, "longyou"));
  CHECK(contains(kaihua.out, R"(["kaihua","USD",2,1500.5])"));
}

}  // namespace liaison::hub

namespace liaison::hub {

TEST_CASE("staff accounts at the hub: added, listed without their hash, disabled; bad input says what to give") {
  Hub h;
  const std::string pw = h.data + "/../pw.txt", short_pw = h.data + "/../short.txt";
  std::ofstream(pw) << "Quzhou-2026\n";
  std::ofstream(short_pw) << "12345\n";
  std::filesystem::permissions(pw, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto add = [&](const char* name, const char* county, const char* role, const std::string& file) {
    return h({"staff", "add", "--name", name, "--county", county, "--role", role, "--password-file", file});
  };
  const Ran private_file = add("王伟", "longyou", "officer", pw);
  REQUIRE(private_file.status == 0);
  CHECK_FALSE(contains(private_file.err, "warning"));
  REQUIRE(add("王伟", "kaihua", "clerk", pw).status == 0);
  REQUIRE(add("周敏", "city", "director", pw).status == 0);
  REQUIRE(add("李强", "city", "officer", pw).status == 0);

  // A file others can read is used, with a word about it.
  std::filesystem::permissions(short_pw, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  const Ran short_one = add("赵六", "longyou", "clerk", short_pw);
  CHECK(contains(short_one.err, "other users of this computer can read the password file"));
  CHECK(short_one.status == 2);
  CHECK(contains(short_one.err, "shorter than 6"));
  const Ran nowhere = add("赵六", "hangzhou", "clerk", pw);
  CHECK(nowhere.status == 2);
  CHECK(contains(nowhere.err, "'hangzhou' is no county"));
  const Ran slash = add("赵/六", "longyou", "clerk", pw);
  CHECK(slash.status == 2);
  CHECK(contains(slash.err, "'/'"));
  const Ran missing = add("赵六", "longyou", "clerk", h.data + "/../absent.txt");
  CHECK(missing.status == 2);
  CHECK(contains(missing.err, "can't read the password file"));
  const Ran no_role = h({"staff", "add", "--name", "赵六", "--county", "longyou", "--password-file", pw});
  CHECK(no_role.status == 2);

  const Ran list = h({"--json", "staff", "list"});
  REQUIRE(list.status == 0);
  CHECK(contains(list.out, "\"name\":\"王伟\",\"county\":\"kaihua\",\"role\":\"clerk\""));
  CHECK_FALSE(contains(list.out, "argon2"));
  const Ran only_city = h({"--json", "staff", "list", "--county", "city"});
  CHECK_FALSE(contains(only_city.out, "longyou"));

  const Ran ambiguous = h({"staff", "disable", "王伟"});
  CHECK(ambiguous.status == 2);
  CHECK(contains(ambiguous.err, "--county"));
  REQUIRE(h({"staff", "disable", "王伟", "--county", "kaihua"}).status == 0);
  const Ran after = h({"--json", "staff", "list", "--county", "kaihua"});
  CHECK(contains(after.out, "\"disabled\":true"));
  const Ran unknown = h({"staff", "disable", "无此人"});
  CHECK(unknown.status == 1);
  CHECK(contains(unknown.err, "no account"));

  // A new password: the history shows that it changed, never the hash.
  REQUIRE(h({"staff", "reset", "周敏", "--password-file", pw}).status == 0);
  const Ran changes = h({"changes", "--node", "city:hub", "--since", "2000-01-01"});
  CHECK(contains(changes.out, "******"));
  CHECK_FALSE(contains(changes.out, "$argon2"));
}

TEST_CASE("case decide --by names the deciding officer, held to a director's role for a decision") {
  Hub h;
  const std::string pw = h.data + "/../pw.txt";
  std::ofstream(pw) << "Quzhou-2026\n";
  for (const auto& [name, role] : {std::pair{"周敏", "director"}, std::pair{"李强", "officer"}})
    REQUIRE(h({"staff", "add", "--name", name, "--county", "city", "--role", role, "--password-file", pw}).status == 0);
  Uuid trip;
  {
    auto replica = h.replica();
    trip = replica
               ->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                         {"county", std::string("longyou")},
                                         {"title", std::string("赴德国汉堡经贸考察")},
                                         {"status", std::string("submitted")}})
               .value();
  }
  const Ran officer = h({"case", "decide", trip.to_string(), "return", "--reason", "补材料", "--by", "李强"});
  CHECK(officer.status == 1);
  CHECK(contains(officer.err, "director"));
  const Ran nobody = h({"case", "decide", trip.to_string(), "return", "--by", "无此人"});
  CHECK(nobody.status == 1);
  const Ran director = h({"case", "decide", trip.to_string(), "return", "--reason", "补材料", "--by", "周敏"});
  REQUIRE_MESSAGE(director.status == 0, director.err);
  const Ran history = h({"--json", "case", "history", trip.to_string()});
  CHECK(contains(history.out, "\"staff\":\"city/周敏\""));
}

}  // namespace liaison::hub

namespace liaison::hub {

TEST_CASE(
    "case sheet: one A4 page of the case, its people, the decision with its officer and the history, in Chinese") {
  Hub h;
  const std::string pw = h.data + "/../pw.txt";
  std::ofstream(pw) << "Quzhou-2026\n";
  REQUIRE(
      h({"staff", "add", "--name", "周敏", "--county", "city", "--role", "director", "--password-file", pw}).status ==
      0);
  Uuid trip;
  {
    auto replica = h.replica();
    trip = replica
               ->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                         {"county", std::string("longyou")},
                                         {"title", std::string("赴德国汉堡经贸考察")},
                                         {"destination", std::string("德国")},
                                         {"status", std::string("submitted")}})
               .value();
    REQUIRE(replica
                ->insert(TableId::people, {{"case_id", trip.to_string()},
                                           {"name", std::string("王立新")},
                                           {"name_latin", std::string("WANG LIXIN")},
                                           {"role", std::string("团长")}})
                .ok());
  }
  REQUIRE(h({"case", "decide", trip.to_string(), "return", "--reason", "请补录出访公示", "--by", "周敏"}).status == 0);
  const std::string sheet = h.data + "/../sheet.xlsx";
  const Ran wrote = h({"--lang", "zh", "case", "sheet", trip.to_string(), "--out", sheet});
  REQUIRE_MESSAGE(wrote.status == 0, wrote.err);
  CHECK(contains(wrote.out, "A4"));
  const std::string script = h.data + "/../read_sheet.py", read_path = h.data + "/../sheet.txt";
  std::ofstream(script) << "import openpyxl, sys\n"
                           "sheet = openpyxl.load_workbook(sys.argv[1]).active\n"
                           "print('title', sheet.title)\n"
                           "setup = sheet.page_setup  # 1, the default, reads as None\n"
                           "print('paper', setup.paperSize, setup.fitToWidth or 1, setup.fitToHeight or 1,\n"
                           "      sheet.sheet_properties.pageSetUpPr.fitToPage)\n"
                           "for row in sheet.iter_rows(values_only=True):\n"
                           "    print(' | '.join(str(v) for v in row if v is not None))\n";
  REQUIRE(std::system(("/usr/bin/python3 " + script + " " + sheet + " > " + read_path).c_str()) == 0);
  std::ifstream in(read_path);
  const std::string read((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(contains(read, "title 案件登记表"));
  CAPTURE(read);
  CHECK(contains(read, "paper 9 1 1 True"));  // A4, one page wide and tall
  for (const char* part : {"衢州市人民政府外事办公室　案件登记表", "赴德国汉堡经贸考察", "王立新", "WANG LIXIN",
                           "审批决定：退回修改，周敏（市外办）", "请补录出访公示", "修改记录", "（新建）"})
    CHECK_MESSAGE(contains(read, part), part);

  CHECK(h({"case", "sheet", trip.to_string()}).status == 2);
  const Ran nowhere = h({"case", "sheet", trip.to_string(), "--out", h.data + "/no/such/folder/sheet.xlsx"});
  CHECK(nowhere.status == 1);
  CHECK(contains(nowhere.err, "can't write"));
  CHECK_FALSE(std::filesystem::exists(h.data + "/no/such/folder/sheet.xlsx.part"));
}

}  // namespace liaison::hub
