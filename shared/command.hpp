// The command model shared by liaison-hub and liaison-client: each program
// is a table of commands (their words, arguments, one-line summary, options
// and further text) and a handler per command. From the table come finding
// the command a command line names, `--help` for the program, for a group
// of commands (`liaison-client case --help`) and for one command, the
// manual page (installed as liaison-hub.1 and liaison-client.1) and the
// bash completion. Plain data and functions.
#pragma once

#include <iosfwd>
#include <optional>
#include <variant>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/cli.hpp"
#include "shared/error.hpp"

namespace liaison::cli {

struct OptionSpec {
  std::string_view name;   // without the leading --
  std::string_view value;  // what the value is ("DIR"); empty for a flag
  std::string_view help;
};

struct CommandSpec {
  std::string_view words;      // "case new", "sync"
  std::string_view arguments;  // what follows the words and is not an option: "ID FIELD=VALUE..."
  std::string_view summary;    // one line
  std::vector<OptionSpec> options;
  std::string_view details;  // more to say, for the command's own help and the manual; may be empty
  std::string_view section;  // the heading it is listed under ("cases")
};

// A command and what runs it: each program has its own handler type.
template <class Handler>
struct Command {
  CommandSpec spec;
  Handler run;
};

template <class Handler>
std::vector<CommandSpec> specs_of(std::span<const Command<Handler>> commands) {
  std::vector<CommandSpec> out;
  for (const auto& c : commands) out.push_back(c.spec);
  return out;
}

struct ProgramSpec {
  std::string_view name;         // "liaison-client"
  std::string_view tagline;      // what it is, in one line
  std::string_view usage;        // after the name: "[--data DIR] [--json] COMMAND [ARGUMENTS]"
  std::string_view description;  // paragraphs for the manual
  std::vector<OptionSpec> global_options;
  std::string_view notes;        // closing text of --help (ids, exit status)
  std::string_view exit_status;  // for the manual
  std::string_view environment;  // for the manual
  std::string_view files;        // for the manual
};

// What a command produced, as data: one renderer prints it as JSON for
// scripts (--json) or as a table and lines of text for people. A command
// that returns a Report prints nothing itself, so the same command can
// answer a JSON API or a page.
struct Report {
  std::string json;  // one JSON value, written with the JSON helpers of cli.hpp
  // For people, in order: tables and lines of text.
  std::vector<std::variant<Table, std::string>> text;

  Report& table(Table t) {
    text.emplace_back(std::move(t));
    return *this;
  }
  Report& line(std::string line) {
    text.emplace_back(std::move(line));
    return *this;
  }
  // The table, or the line `empty` when it has no rows ("no conflicts to review").
  Report& table_or(Table t, std::string empty) { return t.rows.empty() ? line(std::move(empty)) : table(std::move(t)); }
};
// A command's one line of outcome ("王伟 is signed in"): for people the
// line, for scripts {"ok": true, "message": line}.
Report message_report(const std::string& line);
// Prints `report` to `out`: its JSON and a newline with `json`, else its
// tables and lines.
void render(std::ostream& out, const Report& report, bool json);

// Exit statuses, the same in both programs.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // refused or failed; nothing half-written
inline constexpr int kExitUsage = 2;    // unknown command or option, missing argument
// The hub could not be reached, or the sync was cut off: local changes are
// kept for the next sync (EX_TEMPFAIL), so a timer can tell "try later"
// from "something is wrong".
inline constexpr int kExitTryLater = 75;

// The command `words` names from `start` on (the one with the most words
// that match). A usage error names what was not found and the commands of
// the group when the group was right.
struct Found {
  std::size_t index = 0;  // into the table
  std::size_t words = 0;  // how many words its name took
};
Result<Found> find_command(std::span<const CommandSpec> commands, const std::vector<std::string>& words,
                           std::size_t start);
// True when `word` is the first word of some command (a group, or a command).
bool is_group(std::span<const CommandSpec> commands, std::string_view word);

// The overview: usage, every command with its summary by section, the
// global options and the notes.
void print_help(std::ostream& out, const ProgramSpec& program, std::span<const CommandSpec> commands);
// Every command whose first word is `group`, in full.
void print_group_help(std::ostream& out, const ProgramSpec& program, std::span<const CommandSpec> commands,
                      std::string_view group);
// One command in full: usage line, summary, options, details.
void print_command_help(std::ostream& out, const ProgramSpec& program, const CommandSpec& command);

// The manual page, in roff (man -l FILE shows it).
std::string man_page(const ProgramSpec& program, std::span<const CommandSpec> commands, std::string_view version);
// A bash completion script: commands, then each command's options.
std::string bash_completion(const ProgramSpec& program, std::span<const CommandSpec> commands);

}  // namespace liaison::cli
