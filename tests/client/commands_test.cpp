// Tests of liaison-client's commands through its command line, in process
// (client::run): help for the program, a group and a command, usage errors
// and their exit status, JSON errors, the offline case commands, and a sync
// against a hub that is not there.
#include "client/program.hpp"

#include <string>
#include <vector>

#include "command_runner.hpp"
#include "sync/protocol.hpp"

namespace liaison::client {
namespace {

using testing::Ran;

Ran client(const std::vector<std::string>& words) { return testing::run_captured(run, words); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// An initialised Longyou office whose hub is a port nobody listens on.
struct Office {
  testing::ScratchPki pki{{"longyou:office-1"}};
  std::string data = pki.dir + "/longyou";
  Office() {
    const Ran init = client({"init", "--data", data, "--hub", "127.0.0.1:9", "--ca", pki.ca(), "--cert",
                             pki.cert("longyou:office-1"), "--key", pki.key("longyou:office-1")});
    REQUIRE_MESSAGE(init.status == 0, init.err);
  }
  Ran operator()(std::vector<std::string> words) {
    words.insert(words.begin(), {"--data", data});
    return client(words);
  }
};

}  // namespace

TEST_CASE("liaison-client --version names the version and the sync protocol") {
  const Ran ran = client({"--version"});
  CHECK(ran.status == 0);
  CHECK(contains(ran.out, "liaison-client "));
  CHECK(contains(ran.out, "sync protocol " + std::to_string(sync::kProtocolVersion)));
}

TEST_CASE("help: the program lists every command; 'case --help' each case command; 'case new --help' its options") {
  const Ran all = client({"--help"});
  CHECK(all.status == 0);
  for (const char* command : {"init", "case new", "case list", "directive ack", "sync", "conflicts restore"})
    CHECK_MESSAGE(contains(all.out, command), command);
  const Ran group = client({"case", "--help"});
  CHECK(group.status == 0);
  for (const char* command : {"case new", "case list", "case show", "case set", "case submit"})
    CHECK_MESSAGE(contains(group.out, "usage: liaison-client " + std::string(command)), command);
  CHECK_FALSE(contains(group.out, "directive ack"));
  const Ran one = client({"case", "new", "--help"});
  CHECK(one.status == 0);
  CHECK(contains(one.out, "usage: liaison-client case new --kind K --title T"));
  CHECK(contains(one.out, "--county C"));
  CHECK(contains(one.out, "--set FIELD=VALUE"));
  const Ran bare = client({});
  CHECK(bare.status == 2);
  CHECK(contains(bare.err, "usage: liaison-client"));
}

TEST_CASE("usage errors exit 2 and say what was wrong: unknown command, subcommand, option, missing value") {
  const Ran unknown = client({"--data", "/nonexistent", "frobnicate"});
  CHECK(unknown.status == 2);
  CHECK(contains(unknown.err, "no command 'frobnicate'"));
  const Ran sub = client({"--data", "/nonexistent", "case", "frob"});
  CHECK(sub.status == 2);
  CHECK(contains(sub.err, "no command 'case frob' (new, list, search, show, history, set, submit)"));
  const Ran json = client({"--json", "--data", "/nonexistent", "case"});
  CHECK(json.status == 2);
  CHECK(contains(json.out, "{\"error\":\"usage\""));
  CHECK(contains(json.out, "'case' needs a subcommand"));
  Office office;
  const Ran option = office({"case", "list", "--colour", "red"});
  CHECK(option.status == 2);
  CHECK(contains(option.err, "--colour"));
  // `--title --json`: the title was forgotten; --json is not taken for it.
  const Ran forgotten = office({"case", "new", "--kind", "outbound_trip", "--title", "--json"});
  CHECK(forgotten.status == 2);
  CHECK(contains(forgotten.err, "--title needs a value"));
  CHECK(office({"--json", "case", "list"}).out == "[]\n");  // nothing was made
}

TEST_CASE(
    "an office opens a case offline, lists it and shows it; a case that doesn't exist is a JSON error with --json") {
  Office office;
  const Ran made = office({"--json", "case", "new", "--kind", "outbound_trip", "--title", "赴德国汉堡经贸考察"});
  REQUIRE_MESSAGE(made.status == 0, made.err);
  CHECK(contains(made.out, "\"id\":"));
  const Ran listed = office({"case", "list"});
  CHECK(listed.status == 0);
  CHECK(contains(listed.out, "赴德国汉堡经贸考察"));
  const Ran missing = office({"--json", "case", "show", "0123456789abcdef0123456789abcdef"});
  CHECK(missing.status == 1);
  CHECK(contains(missing.out, "{\"error\":\"not_found\",\"message\":"));
  CHECK(contains(missing.err, "liaison-client:"));
}

TEST_CASE("a sync with a hub that is down exits 75 and says the changes are kept") {
  Office office;
  REQUIRE(office({"case", "new", "--kind", "outbound_trip", "--title", "赴日本大阪"}).status == 0);
  const Ran synced = office({"sync", "--timeout-ms", "2000"});
  CHECK(synced.status == 75);
  CHECK(contains(synced.err, "kept"));
  const Ran status = office({"--json", "status"});
  CHECK(status.status == 0);
  CHECK_FALSE(contains(status.out, "\"pending\":0,"));
}

TEST_CASE("Chinese first: kinds, statuses, counties, fields and headings in Chinese, English with --lang en") {
  Office office;
  const Ran made =
      office({"case", "new", "--kind", "outbound_trip", "--title", "赴德国考察", "--set", "depart_on=2027-03-01"});
  REQUIRE_MESSAGE(made.status == 0, made.err);
  const Ran zh = office({"--lang", "zh", "case", "list"});
  CHECK(zh.status == 0);
  for (const char* label : {"编号", "类别", "状态", "因公出国（境）", "龙游县", "草稿", "赴德国考察"})
    CHECK_MESSAGE(contains(zh.out, label), label);
  CHECK_FALSE(contains(zh.out, "outbound_trip"));
  const std::string ref = made.out.substr(0, made.out.find(' '));
  const Ran shown = office({"case", "show", ref, "--lang=zh"});
  CHECK(shown.status == 0);
  CHECK(contains(shown.out, "出发日期"));
  CHECK(contains(shown.out, "2027-03-01"));
  const Ran en = office({"--lang", "en", "case", "list"});
  CHECK(contains(en.out, "outbound_trip"));
  CHECK(contains(en.out, "longyou"));
  CHECK_FALSE(contains(en.out, "龙游县"));
  // JSON keeps the stored values, whatever the language.
  const Ran json = office({"--lang", "zh", "--json", "case", "list"});
  CHECK(contains(json.out, "\"kind\":\"outbound_trip\""));
  // A refusal names the field as people read it and as they type it.
  const Ran wrong = office({"--lang", "zh", "case", "set", ref, "return_on=2027-02-30"});
  CHECK(wrong.status == 1);
  CHECK(contains(wrong.err, "「回国日期」（return_on）'2027-02-30'不是日期，应写作 2026-12-31"));
  CHECK(contains(wrong.err, "未写入任何内容"));
  const Ran changed = office({"--lang", "zh", "case", "set", ref, "purpose=考察"});
  CHECK(contains(changed.out, "已修改案件 " + ref + "：事由"));
  const Ran bad = office({"--lang", "fr", "case", "list"});
  CHECK(bad.status == 2);
  CHECK(contains(bad.err, "the languages are zh (中文) and en (English)"));
}

}  // namespace liaison::client
