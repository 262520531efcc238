// liaison-hub's command table and the dispatch of a command line. Every
// command but init and serve is an admin command: it opens the hub's
// replica (while the server runs, on the same file) and is recorded in
// DATA/admin.log. With --json an error is one JSON object on stdout.
#include "hub/program.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "hub/commands.hpp"
#include "shared/command.hpp"
#include "shared/staff.hpp"
#include "sync/case_view.hpp"
#include "sync/directives.hpp"
#include "sync/protocol.hpp"

namespace liaison::hub {
namespace {

// A command either sets the hub up (no replica yet, or the server) or acts
// on its replica as an admin command.
struct Handler {
  Status (*setup)(cli::Args&) = nullptr;
  Outcome (*admin)(Context&, cli::Args&) = nullptr;
};

constexpr std::string_view kSetUp = "set up and run";
constexpr std::string_view kWork = "the city's work";
constexpr std::string_view kWatch = "oversight";
constexpr std::string_view kStaff = "staff accounts";

const std::vector<cli::Command<Handler>>& commands() {
  static const std::vector<cli::Command<Handler>> table = {
      {{"init",
        "--data DIR --ca CA.pem --cert HUB.pem --key HUB.key",
        "make a hub in DIR",
        {{"ca", "CA.pem", "the project CA's certificate"},
         {"cert", "HUB.pem", "the hub's certificate (a city node, e.g. city:hub)"},
         {"key", "HUB.key", "the hub's private key"},
         {"crl", "CRL.pem", "the CA's revocation list; a new version of the file takes effect within seconds"},
         {"listen", "HOST:PORT", "where to listen (default 0.0.0.0:7443)"},
         {"idle-timeout", "SECONDS", "close a connection silent this long (default 60)"},
         {"case-number-pattern", "PATTERN",
          "how official case numbers are written (default {county}外{kind}〔{year}〕{n}号; all four placeholders "
          "needed)"},
         {"max-connections-per-node", "N", "connections one certificate may hold at once (default 8)"},
         {"force", "", "rewrite the configuration of an existing hub (its replica is kept)"}},
        "",
        kSetUp},
       {cmd_init, nullptr}},
      {{"serve", "--data DIR", "run the hub until SIGINT/SIGTERM", {}, "", kSetUp}, {cmd_serve, nullptr}},
      {{"renew-id",
        "",
        "after restoring hub.db from a backup (hub stopped): every client resyncs",
        {},
        "Every client then pulls from the start and pushes everything it has.",
        kSetUp},
       {nullptr, cmd_renew_id}},
      {{"directive issue", "--to all|COUNTY[,COUNTY] --kind notice|task|decision --title T",
        "issue a directive to counties", sync::directive_issue_options(),
        "A county that has neither acknowledged nor replied by the due day shows as overdue in 'directive list'.",
        kWork},
       {nullptr, cmd_directive_issue}},
      {{"directive list", "", "directives and each county's receipt: received, read, acked, replied", {}, "", kWork},
       {nullptr, cmd_directive_list}},
      {{"directive show", "ID", "a directive and every reply the counties sent", {}, "", kWork},
       {nullptr, cmd_directive_show}},
      {{"directive withdraw", "ID", "withdraw a directive: no longer due, shown withdrawn", {}, "", kWork},
       {nullptr, cmd_directive_withdraw}},
      {{"directive extend",
        "ID --due YYYY-MM-DD",
        "move a directive's due day later",
        {{"due", "YYYY-MM-DD", "the new due day (later than the old one, not past)"}},
        "",
        kWork},
       {nullptr, cmd_directive_extend}},
      {{"directive remind",
        "ID",
        "remind the counties that have neither acknowledged nor answered",
        {},
        "The reminder is a directive of its own ('催办：' and the title) to those counties only; it\n"
        "reaches them ahead of other changes, like every directive.",
        kWork},
       {nullptr, cmd_directive_remind}},
      {{"case list",
        "",
        "cases of every county",
        {{"county", "C", "only this county's, and those shared with it"},
         {"kind", "K", "only this kind"},
         {"status", "S", "only in this status"}},
        "",
        kWork},
       {nullptr, cmd_case_list}},
      {{"case search", "WORDS...", "find cases of every county by words, names or numbers", sync::case_search_options(),
        sync::kCaseSearchHelp,

        kWork},
       {nullptr, cmd_case_search}},
      {{"case show", "ID", "all fields of a case", {}, "", kWork}, {nullptr, cmd_case_show}},
      {{"alerts",
        "",
        "foreign incidents reported and not yet acknowledged, most severe first",
        {},
        "Acknowledge one with 'case decide REF acknowledge'.",
        kWork},
       {nullptr, cmd_alerts}},
      {{"case decide",
        "ID approve|reject|return|forward|acknowledge|resolve",
        "the city's decision on a submitted case",
        {{"reason", "R", "why (told to the county)"},
         {"province-ref", "REF", "the province's approval of a trip forwarded to it (its document number)"},
         {"letter-no", "N", "the number of the invitation letter an approved invitation is issued under"},
         {"despite-flags", "", "approve or forward a case flagged for review, the flags weighed"},
         {"by", "NAME",
          "the city's officer deciding (a city staff account: a director for a decision), named in the "
          "case's history"}},
        "A trip goes to the province with 'forward' when its travellers' rank needs the province's\n"
        "approval; once it comes, 'approve --province-ref REF' records it. A case over a limit of\n"
        "'settings' is flagged (case show) and is approved only with --despite-flags.",
        kWork},
       {nullptr, cmd_case_decide}},
      {{"case sheet",
        "ID --out FILE.xlsx",
        "the case's one-page sheet for the paper file: fields, people, decision, history",
        {{"out", "FILE.xlsx", "where to write the workbook (set to print on one A4 page)"}},
        "What 'case show' shows (fields, people, passports, programme, gifts, notes), the decision with\n"
        "the officer who made it and when, and the latest changes with who made each (the rest are in\n"
        "'case history'). Printed from Excel or WPS on one A4 page.",
        kWork},
       {nullptr, cmd_case_sheet}},
      {{"report",
        "--from YYYY-MM-DD --to YYYY-MM-DD",
        "the city's report for a period: cases, trips, visitors, incidents, donations, directives",
        {{"from", "YYYY-MM-DD", "the period's first day"},
         {"to", "YYYY-MM-DD", "its last day"},
         {"county", "C[,C]", "only these counties (or city); default: all six and the city"},
         {"format", "table|csv|xlsx", "tables on the terminal (default), CSV, or an Excel workbook"},
         {"out", "FILE", "write the CSV or workbook to FILE (a workbook needs one)"}},
        "Cases are counted where they were opened in the period, by where they stand now: pending,\n"
        "approved (and on from there: briefed, travelling, home, reported, closed after approval),\n"
        "rejected (also when closed since), closed otherwise. A case counts for its own county only.\n"
        "Trips count by departure day and only approved ones (person-trips: the trip's people; a trip\n"
        "to two countries counts under each); visits and invitations by their first day, visitors\n"
        "being the guests and invitees listed, else a delegation's participants; incidents by the day\n"
        "they occurred; donations accepted, summed per currency; directives issued in the period,\n"
        "answered (acknowledged or replied to, or a reminder of it), and overdue (due before today,\n"
        "unanswered, not withdrawn).\n"
        "The CSV is UTF-8 with a byte-order mark (Excel on Chinese Windows reads it so), and a cell\n"
        "that would start a formula (= + - @) starts with an apostrophe.",
        kWork},
       {nullptr, cmd_report}},
      {{"settings", "", "the limits and deadlines of the workflows: value, default, basis", {}, "", kWork},
       {nullptr, cmd_settings}},
      {{"settings set", "NAME VALUE", "change a limit or deadline; every node gets it at its next sync", {}, "", kWork},
       {nullptr, cmd_settings_set}},
      {{"staff add",
        "--name NAME --county C|city --role ROLE",
        "add a staff account: a person who signs in at a county's devices or the city's desks",
        {{"name", "NAME", "the login name: the person's name (王伟), up to 32 characters"},
         {"county", "C|city", "the county whose devices the person works at, or city"},
         {"role", "ROLE", kStaffRolesHelp},
         {"full-name", "NAME", "the name shown, when the login name is short"},
         {"password-file", "FILE", "read the first password from the first line of FILE (else typed twice)"}},
        "Only an Argon2id hash of the password is kept; it goes to the county's devices so that\n"
        "people sign in offline. Once a county has an account, every change from its devices must\n"
        "name the person signed in, in a role that allows it: the hub refuses the rest.",
        kStaff},
       {nullptr, cmd_staff_add}},
      {{"staff disable",
        "NAME",
        "disable an account: devices sign it out at their next sync; its later changes are refused",
        {{"county", "C|city", "whose account, when several have that name"}},
        "",
        kStaff},
       {nullptr, cmd_staff_disable}},
      {{"staff enable",
        "NAME",
        "open a disabled account again",
        {{"county", "C|city", "whose account, when several have that name"}},
        "",
        kStaff},
       {nullptr, cmd_staff_enable}},
      {{"staff reset",
        "NAME",
        "give an account a new password",
        {{"county", "C|city", "whose account, when several have that name"},
         {"password-file", "FILE", "read the new password from FILE (else typed twice)"}},
        "",
        kStaff},
       {nullptr, cmd_staff_reset}},
      {{"staff list",
        "",
        "the staff accounts: login, county, role, state",
        {{"county", "C|city", "only these"}},
        "",
        kStaff},
       {nullptr, cmd_staff_list}},
      {{"nodes", "", "each node: last seen, how far behind", {}, "", kWatch}, {nullptr, cmd_nodes}},
      {{"overdue",
        "",
        "what is late: tasks not answered, passports not returned, trip reports not filed",
        {{"county", "C", "only what this county owes (or city)"}},
        "Days count in China's calendar. A trip report is due trip_report_days (settings) after the\n"
        "return.",
        kWatch},
       {nullptr, cmd_overdue}},
      {{"conflicts",
        "",
        "concurrent edits whose value lost, city-wide",
        {{"all", "", "also restored ones, and updated_at"}},
        "",
        kWatch},
       {nullptr, cmd_conflicts}},
      {{"conflicts restore", "N", "write lost value N back; clients get it at their next sync", {}, "", kWatch},
       {nullptr, cmd_conflicts_restore}},
      {{"rejections",
        "",
        "writes the hub refused: who (node, certificate), what, why",
        {{"node", "N", "only this node's"}, {"since", "DATE", "only from this time on"}},
        "",
        kWatch},
       {nullptr, cmd_rejections}},
      {{"changes",
        "--node N",
        "every change the hub accepted from N: when, what, before, after",
        {{"node", "N", "the node"}, {"since", "DATE", "only from this time on"}},
        "",
        kWatch},
       {nullptr, cmd_changes}},
      {{"case history",
        "ID",
        "every change the hub accepted to a case and its records: when, who, which device, field, before, after",
        {},
        "Then what the hub refused of the case: when, who tried it from which device, the field and\n"
        "the value tried, and why (a record refused whole is one line).",
        kWatch},
       {nullptr, cmd_case_history}},
      {{"audit verify",
        "",
        "recompute the history's hash chain; say where it breaks",
        {{"head", "HEX", "also check that a head exported earlier ('audit head') is still in the chain"}},
        "Each entry of the history commits to the one before it: an entry altered, removed or added\n"
        "in hub.db breaks the chain there. The newest entries removed, or the chain rewritten from some\n"
        "entry on, leave a chain that verifies alone: a head kept apart from the hub ('audit head\n"
        "--out', daily) finds that for every entry up to it. Exit 1 when the history is broken.",
        kWatch},
       {nullptr, cmd_audit_verify}},
      {{"audit head",
        "",
        "the history's latest entry and hash, for an auditor to keep",
        {{"out", "FILE", "also append the line to FILE (the auditor's record, one line a day)"}},
        "",
        kWatch},
       {nullptr, cmd_audit_head}},
      {{"revert",
        "--node N --since DATE",
        "undo N's changes since DATE (a stolen laptop, once revoked)",
        {{"node", "N", "the node"},
         {"since", "DATE", "from this time on"},
         {"dry-run", "", "say what would be undone, change nothing"}},
        "Fields go back, rows it made are deleted; later edits by others are left alone and\n"
        "listed.",
        kWatch},
       {nullptr, cmd_revert}},
  };
  return table;
}

const cli::ProgramSpec& program() {
  static const cli::ProgramSpec spec{
      "liaison-hub",
      "the city office's hub: the server the counties sync with, and its admin commands",
      "[--data DIR] [--json] [--lang zh|en] COMMAND [ARGUMENTS]",
      "The hub merges every county's changes, enforces who may change what and sends\n"
      "directives. Admin commands work while the server runs: both use the same SQLite file.",
      {{"data", "DIR", "the hub's data folder (default: $LIAISON_DATA)"},
       {"json", "", "print JSON instead of tables; an error is one object"},
       {"lang", "zh|en", "the language of labels and tables: Chinese (the default) or English"},
       {"help", "", "print help: of the program, of a command, or of a group (case --help)"},
       {"version", "", "print the version and the sync protocol it speaks"}},
      "Each command but init and serve is recorded in DATA/admin.log: when, who, what.\n"
      "Exit status: 0 done, 1 refused or failed, 2 usage error.\n",
      "0 done; 1 refused or failed (nothing half-written); 2 usage error (unknown command or\n"
      "option, missing argument).",
      "LIAISON_DATA  the data folder, when --data is not given.\n"
      "LANGUAGE, LC_ALL, LC_MESSAGES, LANG  English when the first one set starts with en (no --lang).",
      "DIR/hub.json  configuration; DIR/hub.db  the hub's replica; DIR/admin.log  who ran which\n"
      "admin command.",
  };
  return spec;
}

std::span<const cli::CommandSpec> specs() {
  static const std::vector<cli::CommandSpec> all = cli::specs_of(std::span(commands()));
  return all;
}

std::string now_text() { return cli::format_time(static_cast<std::uint64_t>(std::time(nullptr)) * 1000); }

// Who runs the command on this machine: the login name, and the one behind
// sudo when there is one.
std::string operator_name() {
  const passwd* pw = ::getpwuid(::geteuid());
  std::string who = pw ? pw->pw_name : "uid " + std::to_string(::geteuid());
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) who += " (sudo by " + std::string(sudo) + ")";
  return who;
}

// Appends one line per admin command to DATA/admin.log: when, who, the
// command as typed, and how it ended. The log is for the city's own record
// of who decided, issued or restored what; serve logs to its standard error.
// Passport and identity numbers are personal data: the log keeps that one
// was set, not the number.
std::string without_personal_data(const std::string& word) {
  for (const std::string_view field : {"passport_no=", "id_no="})
    if (word.starts_with(field)) return std::string(field) + "***";
  return word;
}

void record_admin_command(const std::string& data_dir, const std::vector<std::string>& words, const Status& outcome) {
  std::string command;
  for (const auto& w : words) command += (command.empty() ? "" : " ") + without_personal_data(w);
  const std::string line =
      now_text() + " " + operator_name() + " pid " + std::to_string(::getpid()) + ": " + escape_for_terminal(command) +
      " -> " + (outcome ? std::string("ok") : "failed: " + escape_for_terminal(outcome.error().message)) + "\n";
  const std::string path = (std::filesystem::path(data_dir) / "admin.log").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "liaison-hub: warning: can't append to " << path << ": " << std::strerror(errno) << "\n";
    return;
  }
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    std::cerr << "liaison-hub: warning: can't append to " << path << ": " << std::strerror(errno) << "\n";
  ::close(fd);
}

// Reports a failure: on stderr for people, and with --json also as one
// object on stdout for scripts. Usage errors exit 2, the rest 1.
int report(const Error& error, bool json) {
  std::cerr << "liaison-hub: " << escape_for_terminal(error.message) << "\n";
  if (error.code == Errc::usage) std::cerr << "see 'liaison-hub --help'\n";
  if (json)
    std::cout << cli::json_object(
                     {{"error", cli::json_quote(error.code == Errc::usage ? "usage" : errc_name(error.code))},
                      {"message", cli::json_quote(error.message)}})
              << "\n";
  return error.code == Errc::usage ? cli::kExitUsage : cli::kExitFailure;
}

}  // namespace

int run(std::vector<std::string> argv_words) {
  if (auto chosen = cli::choose_language(argv_words); !chosen) return report(chosen.error(), false);
  // --data and --json may stand anywhere before `--`, the command's words after them.
  std::vector<std::string> words, globals;
  bool help = false, json = false, options_ended = false;
  for (std::size_t i = 0; i < argv_words.size(); ++i) {
    const std::string& w = argv_words[i];
    if (!options_ended && w == "--data" && i + 1 < argv_words.size()) {
      globals.push_back(w);
      globals.push_back(argv_words[++i]);
    } else if (!options_ended && (w.rfind("--data=", 0) == 0 || w == "--json")) {
      json |= w == "--json";
      globals.push_back(w);
    } else if (!options_ended && (w == "--help" || w == "-h")) {
      help = true;
    } else {
      options_ended |= w == "--";
      words.push_back(w);
    }
  }
  if (!words.empty() && words[0] == "--version") {
    std::cout << "liaison-hub " << LIAISON_VERSION << " (sync protocol " << sync::kProtocolVersion << ", schema "
              << kSchemaVersion << ")\n";
    return cli::kExitOk;
  }
  if (!words.empty() && words[0] == "--man") {
    std::cout << cli::man_page(program(), specs(), LIAISON_VERSION);
    return cli::kExitOk;
  }
  if (!words.empty() && words[0] == "--bash-completion") {
    std::cout << cli::bash_completion(program(), specs());
    return cli::kExitOk;
  }
  if (words.empty() || words[0] == "help") {
    cli::print_help(words.empty() && !help ? std::cerr : std::cout, program(), specs());
    return words.empty() && !help ? cli::kExitUsage : cli::kExitOk;
  }
  auto found = cli::find_command(specs(), words, 0);
  if (!found) {
    if (help && cli::is_group(specs(), words[0])) {
      cli::print_group_help(std::cout, program(), specs(), words[0]);
      return cli::kExitOk;
    }
    return report(found.error(), json);
  }
  const auto& command = commands()[found->index];
  if (help) {
    cli::print_command_help(std::cout, program(), command.spec);
    return cli::kExitOk;
  }
  std::vector<std::string> rest(words.begin() + static_cast<std::ptrdiff_t>(found->words), words.end());
  rest.insert(rest.end(), globals.begin(), globals.end());
  cli::Args args(std::move(rest));
  Status st;
  if (command.run.setup) {
    st = command.run.setup(args);
  } else {
    auto ctx = open_context(args);
    if (!ctx) return report(ctx.error(), json);
    auto outcome = command.run.admin(*ctx, args);
    st = outcome ? Status() : Status(outcome.error());
    record_admin_command(ctx->data_dir, words, st);
    if (outcome) cli::render(std::cout, *outcome, json);
  }
  return st ? cli::kExitOk : report(st.error(), json);
}

}  // namespace liaison::hub
