// Tests for text rules and safe display (shared/text.hpp) and the JSON the
// command lines print (shared/cli.hpp): what a field may hold, what a
// terminal is shown, and that output stays valid whatever was stored.
#include "shared/text.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "shared/cli.hpp"
#include "shared/schema.hpp"

namespace liaison {
namespace {

const ColumnDef& case_column(const char* name) {
  const auto& def = Schema::get().table(TableId::cases);
  return def.columns[*def.column_index(name)];
}

}  // namespace

TEST_CASE("UTF-8 is checked strictly: truncated, overlong and surrogate sequences are refused") {
  CHECK(is_valid_utf8("龙游县外事办公室 Longyou 𠀀"));
  CHECK_FALSE(is_valid_utf8("\xe9\xbe"));          // a character cut short
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // '/' written in two bytes
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK(count_chars("龙游abc") == 5);
}

TEST_CASE("a title is one line of at most 200 characters; a summary may run over lines") {
  CHECK_FALSE(value_problem(case_column("title"), std::string("赴德国汉堡经贸考察")));
  CHECK(value_problem(case_column("title"), std::string("a\nb")).value().find("must be one line") != std::string::npos);
  CHECK(value_problem(case_column("title"), std::string("\x1b[2J")).value().find("U+001B") != std::string::npos);
  CHECK(value_problem(case_column("title"), std::string("\xc2\x9b"
                                                        "31m"))
            .value()
            .find("U+009B") != std::string::npos);
  std::string two_hundred;
  for (int i = 0; i < 200; ++i) two_hundred += "字";
  CHECK_FALSE(value_problem(case_column("title"), two_hundred));
  CHECK(value_problem(case_column("title"), two_hundred + "字").value() ==
        "'title' is 201 characters long; at most 200 are allowed");
  CHECK_FALSE(value_problem(case_column("summary"), std::string("第一段\n\t第二段")));
  CHECK(value_problem(case_column("summary"), std::string("\x07")).value().find("U+0007") != std::string::npos);
  CHECK(value_problem(case_column("amount"), std::nan("")).value() == "'amount' needs a finite number");
  CHECK(value_problem(case_column("amount"), std::string("50000 EUR")).value() == "'amount' needs a number");
}

TEST_CASE("a terminal is shown control characters and direction marks, never sent them") {
  CHECK(escape_for_terminal("龙游 trip") == "龙游 trip");
  CHECK(escape_for_terminal("\x1b[31mred") == "\\x1b[31mred");
  CHECK(escape_for_terminal("line\nforged line") == "line\\nforged line");
  CHECK(escape_for_terminal("evil\xe2\x80\xaetxt.exe") == "evil\\u202etxt.exe");
  CHECK(escape_for_terminal("bad \xff byte") == "bad \\xff byte");
  CHECK(escape_for_terminal(std::string("nul\0", 4)) == "nul\\x00");
}

TEST_CASE("JSON output is valid whatever was stored") {
  CHECK(cli::json_quote("龙游\n\"x\"") == "\"龙游\\n\\\"x\\\"\"");
  CHECK(cli::json_quote("bad \xff") == "\"bad \xef\xbf\xbd\"");  // U+FFFD, not a raw byte
  CHECK(cli::json_quote("\x01\x1f") == "\"\\u0001\\u001f\"");    // control characters escaped
  CHECK(cli::json_quote("\x7f") == "\"\x7f\"");                  // DEL needs no escape in JSON
  CHECK(cli::json_value(Value{std::nan("")}) == "null");
  CHECK(cli::json_value(Value{INFINITY}) == "null");
  CHECK(cli::json_value(Value{2.5}) == "2.5");
}

TEST_CASE("an option given twice is an error, not a silent choice") {
  cli::Args args({"--title", "a", "--title=b"});
  CHECK(args.option("title") == "b");
  const Status st = args.finish();
  REQUIRE_FALSE(st);
  CHECK(st.error().message == "--title is given 2 times ('a', 'b') — give it once");
}

TEST_CASE("an option's value never starts with --, and -- ends the options") {
  cli::Args forgotten({"--title", "--json"});
  CHECK_FALSE(forgotten.option("title").has_value());
  CHECK(forgotten.flag("json"));
  const Status st = forgotten.finish();
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::usage);
  CHECK(st.error().message == "--title needs a value (a value that starts with --: write --title=VALUE)");
  cli::Args explicit_value({"--title=--json"});
  CHECK(explicit_value.option("title") == "--json");
  CHECK_FALSE(explicit_value.flag("json"));
  CHECK(explicit_value.finish());
  cli::Args ended({"--kind", "task", "--", "--json", "a"});
  CHECK(ended.option("kind") == "task");
  CHECK_FALSE(ended.flag("json"));
  CHECK(ended.positionals() == std::vector<std::string>{"--json", "a"});
  CHECK(ended.finish());
  cli::Args unread({"--", "--json"});
  const Status extra = unread.finish();
  REQUIRE_FALSE(extra);
  CHECK(extra.error().message == "unexpected argument '--json' — see --help");
}

TEST_CASE("terminal widths come from the C library: CJK and emoji take two columns, combining marks none") {
  CHECK(cli::display_width("abc") == 3);
  CHECK(cli::display_width("龙游县") == 6);
  CHECK(cli::display_width("１２") == 4);        // fullwidth digits
  CHECK(cli::display_width("\U0001F44D") == 2);  // thumbs up
  CHECK(cli::display_width("e\u0301") == 1);     // e + combining acute
  CHECK(cli::display_width("한국") == 4);
}

}  // namespace liaison
