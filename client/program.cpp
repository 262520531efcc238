// liaison-client's command table and the dispatch of a command line: the
// options every command takes (--data, --json, --help) may stand before the
// command; the data folder comes from --data, else $LIAISON_DATA.
#include "client/program.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "client/case_fields.hpp"
#include "client/commands.hpp"
#include "client/output.hpp"
#include "shared/command.hpp"
#include "shared/staff.hpp"
#include "sync/case_view.hpp"
#include "sync/directives.hpp"
#include "sync/protocol.hpp"

namespace liaison::client {
namespace {

// A command returns a Report for the renderer, or (sync) prints as it goes.
struct Handler {
  Outcome (*run)(Invocation&) = nullptr;
  int (*stream)(Invocation&) = nullptr;
};
using cli::OptionSpec;

constexpr std::string_view kSetUp = "set up";
constexpr std::string_view kCases = "cases (work offline; the hub gets them at the next sync)";
constexpr std::string_view kPeople = "people, programme and gifts of a case";
constexpr std::string_view kPassports = "the passport register";
constexpr std::string_view kDirectives = "directives from the city office";
constexpr std::string_view kSyncing = "syncing with the city hub";
constexpr std::string_view kStaff = "who works at this device";

const std::vector<OptionSpec> kSyncTuning = {
    {"watch", "", "stay connected, exchanging changes as they happen (Ctrl-C stops)"},
    {"batch-cells", "N",
     "cells per batch each way (default 4000, capped by the hub); a broken link re-sends at most one batch"},
    {"heartbeat-ms", "MS", "ping the hub after this long without sending (default 10000)"},
    {"timeout-ms", "MS", "give up on a hub silent this long, or on an unanswered request (default 30000)"},
    {"recheck-ms", "MS",
     "with --watch: ask for changes after this long without news, in case a notification was lost (default 60000)"},
    {"no-compress", "", "send and receive large batches uncompressed (zstd by default, about half the bytes)"},
};

const std::vector<cli::Command<Handler>>& commands() {
  static const std::vector<cli::Command<Handler>> table = {
      {{"init",
        "--hub HOST:PORT --ca CA.pem --cert NODE.pem --key NODE.key",
        "set up this node's data folder",
        {{"hub", "HOST:PORT", "where the city hub listens"},
         {"ca", "CA.pem", "the project CA's certificate"},
         {"cert", "NODE.pem", "this node's certificate (its CN is the node id, e.g. longyou:office-1)"},
         {"key", "NODE.key", "this node's private key"},
         {"crl", "CRL.pem", "the CA's revocation list (the hub hands over newer ones)"},
         {"hub-id", "NODE", "the node trusted as the hub (default city:hub)"},
         {"hub-cert", "HUB.pem", "pin the hub's public key from this certificate now (else at the first sync)"},
         {"force", "", "set up again over an existing data folder (its replica is kept)"}},
        "Checks the TLS files, takes the node id from the certificate's CN and creates DIR\n"
        "(mode 0700) with client.json and replica.db.",
        kSetUp},
       {cmd_init, nullptr}},
      {{"pin-hub",
        "--hub-cert HUB.pem",
        "trust the hub's new key (the city office renewed its certificate)",
        {{"hub-cert", "HUB.pem", "the hub's new certificate; it is checked against the CA"}},
        "",
        kSetUp},
       {cmd_pin_hub, nullptr}},
      {{"case new",
        "--kind K --title T",
        "open a case; prints its id",
        {{"kind", "K", "the kind of case (listed at the end of --help)"},
         {"title", "T", "its title"},
         {"county", "C", "its county (a city node must give one)"},
         {"also", "C,C",
          "other counties the case involves: each sees it and adds to its people, programme, gifts and notes"},
         {"set", "FIELD=VALUE", "set a field of the kind; repeatable"}},
        "A case shared with other counties stays its own county's (or the city's) to change; the\n"
        "counties it is shared with are fixed when it is opened.",
        kCases},
       {cmd_case_new, nullptr}},
      {{"case list",
        "",
        "the cases in this replica",
        {{"county", "C", "only this county's, and those shared with it"},
         {"kind", "K", "only this kind"},
         {"status", "S", "only in this status"}},
        "",
        kCases},
       {cmd_case_list, nullptr}},
      {{"case search", "WORDS...", "find cases in this replica by words, names or numbers", sync::case_search_options(),
        sync::kCaseSearchHelp,

        kCases},
       {cmd_case_search, nullptr}},
      {{"case show", "ID", "all fields of a case, and its notes", {}, "", kCases}, {cmd_case_show, nullptr}},
      {{"case history",
        "ID",
        "the changes to a case and its records: when, who, which device, field, before and after",
        {},
        "As this device knows them: each record's making and each value with the person and device\n"
        "that wrote it, every value it saw replaced, and what the hub refused of its own changes.\n"
        "Values replaced elsewhere before this device received the case are not known here; the\n"
        "hub's 'case history' has every change it accepted.",
        kCases},
       {cmd_case_history, nullptr}},
      {{"case set",
        "ID FIELD=VALUE...",
        "change fields (FIELD= clears one; status=... moves the case)",
        {{"despite-flags", "", "city: approve or forward a case flagged for review, the flags weighed"}},
        "A move may need fields set in the same change: an outbound trip is approved only with its\n"
        "publicity recorded (publicity_from, publicity_to), briefed with briefing_done=1, home with\n"
        "back_on, reported with report_filed_on.",
        kCases},
       {cmd_case_set, nullptr}},
      {{"case submit", "ID", "send a case to the city office for its decision", {}, "", kCases},
       {cmd_case_submit, nullptr}},
      {{"note add", "ID TEXT", "add a note to a case", {}, "", kCases}, {cmd_note_add, nullptr}},
      {{"person add",
        "CASE --name NAME",
        "add a person to a case: a trip's member, an invitee, a guest, someone involved",
        {{"name", "NAME", "the name in Chinese characters, or as the person writes it"},
         {"set", "FIELD=VALUE",
          "role, name_latin (as in the passport), gender (male/男, female/女), born_on (2026-12-31), nationality, "
          "unit, post, passport_type (diplomatic/外交, service/公务, official/公务普通, ordinary/普通), passport_no, "
          "id_no; repeatable"}},
        "A county office changes a case's people while the case is a draft or returned.",
        kPeople},
       {[](Invocation& in) { return child_add(in, kPerson); }, nullptr}},
      {{"person list", "CASE", "the people of a case, numbered", {}, "", kPeople},
       {[](Invocation& in) { return child_list(in, kPerson); }, nullptr}},
      {{"person set",
        "CASE N FIELD=VALUE...",
        "change a person's fields (N: the number 'person list' shows)",
        {},
        "FIELD= clears a field.",
        kPeople},
       {[](Invocation& in) { return child_set(in, kPerson); }, nullptr}},
      {{"person remove", "CASE N", "take a person off a case", {}, "", kPeople},
       {[](Invocation& in) { return child_remove(in, kPerson); }, nullptr}},
      {{"itinerary add",
        "CASE --at WHEN",
        "add an item to a visit's or trip's programme",
        {{"at", "WHEN", "when: 2026-12-09 09:30, or as the programme says it (12月9日上午)"},
         {"set", "FIELD=VALUE", "place, description; repeatable"}},
        "A county office changes a visit's programme until the case is closed, rejected or\n"
        "cancelled, after approval too (a field laptop keeps it up to date during the visit); a\n"
        "trip's only while it is a draft or returned (its routes are approved).",
        kPeople},
       {[](Invocation& in) { return child_add(in, kItinerary); }, nullptr}},
      {{"itinerary list", "CASE", "the programme of a case, numbered", {}, "", kPeople},
       {[](Invocation& in) { return child_list(in, kItinerary); }, nullptr}},
      {{"itinerary set",
        "CASE N FIELD=VALUE...",
        "change an item of the programme",
        {},
        "FIELD= clears a field.",
        kPeople},
       {[](Invocation& in) { return child_set(in, kItinerary); }, nullptr}},
      {{"itinerary remove", "CASE N", "take an item off the programme", {}, "", kPeople},
       {[](Invocation& in) { return child_remove(in, kItinerary); }, nullptr}},
      {{"gift add",
        "CASE --item ITEM",
        "record a gift given or received on a visit or trip",
        {{"item", "ITEM", "what it is: 龙游黑陶花瓶"},
         {"set", "FIELD=VALUE",
          "direction (given/赠出, received/收受), counterpart (from or to whom), value (a number), currency (EUR), "
          "handed_over (是/否: a gift received, handed to the office); repeatable"}},
        "Recorded for a trip or a visit until the case is closed, rejected or cancelled.",
        kPeople},
       {[](Invocation& in) { return child_add(in, kGift); }, nullptr}},
      {{"gift list", "CASE", "the gifts of a case, numbered", {}, "", kPeople},
       {[](Invocation& in) { return child_list(in, kGift); }, nullptr}},
      {{"gift set", "CASE N FIELD=VALUE...", "change a gift's record", {}, "FIELD= clears a field.", kPeople},
       {[](Invocation& in) { return child_set(in, kGift); }, nullptr}},
      {{"gift remove", "CASE N", "take a gift off the record", {}, "", kPeople},
       {[](Invocation& in) { return child_remove(in, kGift); }, nullptr}},
      {{"incident report",
        "CASE TEXT",
        "report a foreign incident: the first report at once, then follow-ups",
        {{"final", "", "the final report (终报)"}},
        "Reports are labelled 首报, 续报一, 续报二 ... 终报. The first moves the case to reported:\n"
        "sync at once, the city is alerted (its 'alerts') until it acknowledges.",
        kCases},
       {cmd_incident_report, nullptr}},
      {{"alerts",
        "",
        "incidents reported and not yet acknowledged by the city, most severe first",
        {},
        "As this replica holds them: sync first for the latest.",
        kDirectives},
       {cmd_alerts, nullptr}},
      {{"passport list",
        "",
        "the register of official passports: holder, number, status, the trip it is lent to, due back",
        {{"status", "S", "only in this status (in_custody, lent, lost, cancelled, expired)"}},
        "A lent passport past its due day shows as overdue.",
        kPassports},
       {cmd_passport_list, nullptr}},
      {{"passport lend",
        "PASSPORT --trip TRIP",
        "lend a passport of the register to an approved trip of one of its members",
        {{"trip", "TRIP", "the trip (its ref, official number or id)"},
         {"on", "YYYY-MM-DD", "the day it is handed out (today if not given)"}},
        "PASSPORT is its number (SE0000001) or its case's ref. It is due back passport_return_days\n"
        "('settings') after the trip's approved return, and needs six months of validity after it.",
        kPassports},
       {cmd_passport_lend, nullptr}},
      {{"passport return",
        "PASSPORT",
        "take a lent passport back into custody",
        {{"on", "YYYY-MM-DD", "the day it came back (today if not given)"}},
        "",
        kPassports},
       {cmd_passport_return, nullptr}},
      {{"directive issue", "--to all|COUNTY[,COUNTY] --kind notice|task|decision --title T",
        "a city desk issues a directive to counties", sync::directive_issue_options(),
        "City nodes only; the counties get it after this desk's next sync.", kDirectives},
       {cmd_directive_issue, nullptr}},
      {{"directive list",
        "",
        "directives, with this county's receipt: received, acknowledged, reply",
        {},
        "",
        kDirectives},
       {cmd_directive_list, nullptr}},
      {{"directive show", "ID", "one directive in full", {}, "", kDirectives}, {cmd_directive_show, nullptr}},
      {{"directive ack",
        "ID",
        "acknowledge (and answer) a directive",
        {{"reply", "TEXT", "the county's answer"}},
        "",
        kDirectives},
       {cmd_directive_ack, nullptr}},
      {{"staff signin",
        "NAME",
        "sign in on this device: changes made from now on are yours",
        {{"password-file", "FILE", "read the password from the first line of FILE (for scripts)"}},
        "Once the county has staff accounts, every change needs someone signed in; syncing does not.\n"
        "The password is typed at the terminal, without echo. A shared PC switches between people\n"
        "by signing in again; accounts come with the sync, and one disabled by an administrator is\n"
        "signed out at the next sync.",
        kStaff},
       {cmd_staff_signin, nullptr}},
      {{"staff signout", "", "sign out: nobody's changes are made here until someone signs in", {}, "", kStaff},
       {cmd_staff_signout, nullptr}},
      {{"staff whoami", "", "who is signed in on this device, and whether changes need someone", {}, "", kStaff},
       {cmd_staff_whoami, nullptr}},
      {{"staff list", "", "the staff accounts this device holds: its county's", {}, "", kStaff},
       {cmd_staff_list, nullptr}},
      {{"staff add",
        "--name NAME --role ROLE",
        "administrator: add an account of this county",
        {{"name", "NAME", "the login name: the person's name (王伟), up to 32 characters"},
         {"role", "ROLE", kStaffRolesHelp},
         {"full-name", "NAME", "the name shown, when the login name is short"},
         {"password-file", "FILE", "read the first password from FILE (else typed twice)"}},
        "The hub checks that the one signed in is an administrator of this county.",
        kStaff},
       {cmd_staff_add, nullptr}},
      {{"staff disable",
        "NAME",
        "administrator: disable an account; it signs in nowhere after the next sync",
        {},
        "",
        kStaff},
       {cmd_staff_disable, nullptr}},
      {{"staff enable", "NAME", "administrator: open a disabled account again", {}, "", kStaff},
       {cmd_staff_enable, nullptr}},
      {{"staff reset",
        "NAME",
        "administrator: give an account a new password",
        {{"password-file", "FILE", "read the new password from FILE (else typed twice)"}},
        "",
        kStaff},
       {cmd_staff_reset, nullptr}},
      {{"sync", "", "exchange changes with the hub once (exit 0 only if complete)", kSyncTuning,
        "Exit status 75 when the hub could not be reached or the sync was cut off: local\n"
        "changes are kept and go at the next sync.",
        kSyncing},
       {nullptr, cmd_sync}},
      {{"status", "", "node, hub, pending changes, last sync, clock offset", {}, "", kSyncing}, {cmd_status, nullptr}},
      {{"overdue",
        "",
        "what this county is late with: tasks not answered, passports not returned, trip reports not filed",
        {},
        "As this replica holds it: sync first for the latest.",
        kDirectives},
       {cmd_overdue, nullptr}},
      {{"settings",
        "",
        "the limits and deadlines of the workflows: value, default, basis",
        {},
        "The city changes them at the hub; this replica has them as of its last sync.",
        kDirectives},
       {cmd_settings, nullptr}},
      {{"conflicts",
        "",
        "values that lost to someone else's concurrent edit",
        {{"all", "", "also restored ones, and updated_at"}},
        "",
        kSyncing},
       {cmd_conflicts, nullptr}},
      {{"conflicts restore", "N", "write lost value N back", {}, "", kSyncing}, {cmd_conflicts_restore, nullptr}},
      {{"rejections", "", "writes the hub refused, and why", {}, "", kSyncing}, {cmd_rejections, nullptr}},
  };
  return table;
}

const cli::ProgramSpec& program() {
  static const std::string notes =
      "IDs may be shortened to a unique prefix of at least 8 hex digits.\n"
      "Exit status: 0 done, 1 failed (nothing half-written), 2 usage error, 75 the sync\n"
      "could not reach the hub or was cut off: local changes are kept, try again later.\n"
      "Case kinds: " +
      kind_names() + "\n";
  static const cli::ProgramSpec spec{
      "liaison-client",
      "case files of the Quzhou Foreign Affairs office, offline, synced with the city hub",
      "[--data DIR] [--json] [--lang zh|en] COMMAND [ARGUMENTS]",
      "County offices and field laptops keep their case files in a local replica and work\n"
      "offline; liaison-client syncs it with the city hub over mutual TLS when the link is up.",
      {{"data", "DIR", "this node's data folder (default: $LIAISON_DATA)"},
       {"json", "", "print JSON (an object, or an array for lists) instead of tables; an error is one object"},
       {"lang", "zh|en", "the language of labels and tables: Chinese (the default) or English"},
       {"help", "", "print help: of the program, of a command, or of a group (case --help)"},
       {"version", "", "print the version and the sync protocol it speaks"}},
      notes,
      "0 done; 1 refused or failed (nothing half-written); 2 usage error (unknown command or\n"
      "option, missing argument); 75 the hub could not be reached or the sync was cut off:\n"
      "local changes are kept for the next sync.",
      "LIAISON_DATA  the data folder, when --data is not given.\n"
      "LANGUAGE, LC_ALL, LC_MESSAGES, LANG  English when the first one set starts with en (no --lang).",
      "DIR/client.json  the node's configuration; DIR/replica.db  its replica;\n"
      "DIR/crl.pem  the CA's revocation list as the hub last handed it over.",
  };
  return spec;
}

std::span<const cli::CommandSpec> specs() {
  static const std::vector<cli::CommandSpec> all = cli::specs_of(std::span(commands()));
  return all;
}

bool is_option(const std::string& word) { return word.size() > 1 && word[0] == '-'; }

}  // namespace

int run(std::vector<std::string> words) {
  if (auto chosen = cli::choose_language(words); !chosen) return usage_error(chosen.error().message);
  // Options may come before the command: --data DIR, --json, --help.
  std::vector<std::string> rest;
  std::size_t i = 0;
  for (; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--data" && i + 1 < words.size()) {
      rest.push_back(w);
      rest.push_back(words[++i]);
    } else if (w == "--json" || w == "--help" || w == "-h" || w.rfind("--data=", 0) == 0) {
      rest.push_back(w == "-h" ? "--help" : w);
    } else {
      break;
    }
  }
  const auto options_end = std::find(words.begin(), words.end(), "--");
  set_json_errors(std::find(words.begin(), options_end, "--json") != options_end);
  if (i < words.size() && words[i] == "--version") {
    std::cout << "liaison-client " << LIAISON_VERSION << " (sync protocol " << sync::kProtocolVersion << ", schema "
              << kSchemaVersion << ")\n";
    return kExitOk;
  }
  // For packaging: the manual page and the bash completion, from the table.
  if (i < words.size() && words[i] == "--man") {
    std::cout << cli::man_page(program(), specs(), LIAISON_VERSION);
    return kExitOk;
  }
  if (i < words.size() && words[i] == "--bash-completion") {
    std::cout << cli::bash_completion(program(), specs());
    return kExitOk;
  }
  const bool help = std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
                    std::find(words.begin() + static_cast<std::ptrdiff_t>(i), options_end, "--help") != options_end ||
                    std::find(words.begin() + static_cast<std::ptrdiff_t>(i), options_end, "-h") != options_end;
  if (i == words.size() || words[i] == "help") {
    if (i == words.size() && !help) {
      cli::print_help(std::cerr, program(), specs());
      return kExitUsage;
    }
    cli::print_help(std::cout, program(), specs());
    return kExitOk;
  }
  if (is_option(words[i])) {
    if (help) {
      cli::print_help(std::cout, program(), specs());
      return kExitOk;
    }
    return usage_error("unknown option " + words[i] + " before the command");
  }
  auto found = cli::find_command(specs(), words, i);
  if (!found) {
    // `case --help`: every case command in full.
    if (help && cli::is_group(specs(), words[i])) {
      cli::print_group_help(std::cout, program(), specs(), words[i]);
      return kExitOk;
    }
    return usage_error(found.error().message);
  }
  const auto& command = commands()[found->index];
  if (help) {
    cli::print_command_help(std::cout, program(), command.spec);
    return kExitOk;
  }
  i += found->words;
  rest.insert(rest.end(), words.begin() + static_cast<std::ptrdiff_t>(i), words.end());

  Invocation in{cli::Args(std::move(rest)), false, {}};
  in.json = in.args.flag("json");
  if (auto data = in.args.option("data")) {
    in.data_dir = *data;
  } else if (const char* env = std::getenv("LIAISON_DATA"); env && *env) {
    in.data_dir = env;
  }
  if (in.data_dir.empty()) return usage_error("no data folder — give --data DIR, or set LIAISON_DATA");
  if (command.run.stream) return command.run.stream(in);
  return finish(command.run.run(in), in.json);
}

}  // namespace liaison::client
