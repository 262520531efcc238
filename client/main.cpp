// liaison-client: the command line of county offices and field laptops.
// Splits the command words from the options, finds the data folder
// (--data, else $LIAISON_DATA) and hands over to the command.
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "client/case_fields.hpp"
#include "client/commands.hpp"
#include "client/output.hpp"
#include "shared/private_files.hpp"
#include "sync/protocol.hpp"

namespace liaison::client {
namespace {

constexpr std::string_view kUsage = R"(liaison-client — case files of the Quzhou Foreign Affairs office, offline, synced with the city hub

usage: liaison-client [--data DIR] [--json] COMMAND [ARGUMENTS]

set up
  init --hub HOST:PORT --ca CA.pem --cert NODE.pem --key NODE.key [--crl CRL.pem]
       [--hub-id NODE (default city:hub)] [--hub-cert HUB.pem] [--force]
                                   check the TLS files, take the node id from the certificate's
                                   CN and create DIR (mode 0700) with client.json and replica.db;
                                   only the hub NODE is trusted as the hub, and its public key is
                                   pinned from HUB.pem, or else at the first sync
  pin-hub --hub-cert HUB.pem       trust the hub's new key (the city office renewed its certificate
                                   with a new key); the certificate is checked against the CA

cases (work offline; the hub gets them at the next sync)
  case new --kind K --title T [--county C] [--set FIELD=VALUE]...
                                   open a case (a city node must give --county); prints its id
  case list [--county C] [--kind K] [--status S]
  case show ID                     all fields of a case, and its notes
  case set ID FIELD=VALUE...       change fields (FIELD= clears one; status=... moves the case)
  case submit ID                   send a case to the city office for its decision
  note add ID TEXT                 add a note to a case

directives from the city office
  directive list                   with this county's receipt: received, acknowledged, reply
  directive show ID
  directive ack ID [--reply TEXT]  acknowledge (and answer) a directive

syncing with the city hub
  sync                             exchange changes with the hub once (exit 0 only if complete)
  sync --watch                     stay connected, exchanging changes as they happen (Ctrl-C stops)
     [--batch-cells N]             cells per batch each way (default 4000, capped by the hub);
                                   a broken link re-sends at most one batch
     [--heartbeat-ms MS]           ping the hub after this long without sending (default 10000)
     [--timeout-ms MS]             give up on a hub silent this long, or on an unanswered
                                   request (default 30000; a black-holed link is noticed in MS)
     [--recheck-ms MS]             with --watch: ask the hub for changes after this long
                                   without news, in case a notification was lost (default 60000)
     [--no-compress]               send and receive large batches uncompressed (they are
                                   compressed with zstd by default, about half the bytes)
  status                           node, hub, pending changes, last sync, clock offset
  conflicts [--all]                values that lost to someone else's concurrent edit
                                   (--all: also restored ones and updated_at)
  conflicts restore N              write lost value N back
  rejections                       writes the hub refused, and why

options for every command
  --data DIR    this node's data folder (default: $LIAISON_DATA)
  --json        print JSON (an object, or an array for lists) instead of tables
  --help        print this text
  --            end of options: the words after it are text, even if they start with --
                (or write --title=--VALUE)

IDs may be shortened to a unique prefix of at least 8 hex digits.
Exit status: 0 done, 1 failed (nothing half-written), 2 usage error, 75 the sync
could not reach the hub or was cut off: local changes are kept, try again later.
--version prints the version and the sync protocol it speaks.
)";

void print_usage(std::ostream& out) {
  out << kUsage << "Case kinds: " << kind_names() << "\n";
}

using Command = int (*)(Invocation&);

struct Entry {
  std::string_view group;  // first word
  std::string_view name;   // second word, or empty for one-word commands
  Command run;
};

constexpr Entry kCommands[] = {
    {"init", "", cmd_init},
    {"pin-hub", "", cmd_pin_hub},
    {"case", "new", cmd_case_new},
    {"case", "list", cmd_case_list},
    {"case", "show", cmd_case_show},
    {"case", "set", cmd_case_set},
    {"case", "submit", cmd_case_submit},
    {"note", "add", cmd_note_add},
    {"directive", "list", cmd_directive_list},
    {"directive", "show", cmd_directive_show},
    {"directive", "ack", cmd_directive_ack},
    {"conflicts", "restore", cmd_conflicts_restore},
    {"conflicts", "", cmd_conflicts},
    {"rejections", "", cmd_rejections},
    {"status", "", cmd_status},
    {"sync", "", cmd_sync},
};

bool is_option(const std::string& word) { return word.size() > 1 && word[0] == '-'; }

// Subcommands of a group, for messages: "new, list, show".
std::string names_in(std::string_view group) {
  std::string out;
  for (const auto& e : kCommands)
    if (e.group == group && !e.name.empty()) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

int run(std::vector<std::string> words) {
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
  if (i < words.size() && words[i] == "--version") {
    std::cout << "liaison-client " << LIAISON_VERSION << " (sync protocol " << sync::kProtocolVersion << ", schema "
              << kSchemaVersion << ")\n";
    return kExitOk;
  }
  const auto options_end = std::find(words.begin(), words.end(), "--");
  set_json_errors(std::find(words.begin(), options_end, "--json") != options_end);
  const bool help_first = std::find(rest.begin(), rest.end(), "--help") != rest.end();
  if (i == words.size() || help_first || words[i] == "help") {
    if (i == words.size() && !help_first) {
      print_usage(std::cerr);
      return kExitUsage;
    }
    print_usage(std::cout);
    return kExitOk;
  }
  if (is_option(words[i])) return usage_error("unknown option " + words[i] + " before the command");
  const std::string group = words[i++];
  const Entry* entry = nullptr;
  bool known_group = false;
  for (const auto& e : kCommands) {
    if (e.group != group) continue;
    known_group = true;
    if (e.name.empty() && !entry) entry = &e;
    if (!e.name.empty() && i < words.size() && words[i] == e.name) {
      entry = &e;
      break;
    }
  }
  if (!known_group) return usage_error("no command '" + group + "'");
  if (!entry) {
    const std::string sub = i < words.size() && !is_option(words[i]) ? words[i] : std::string();
    return usage_error((sub.empty() ? "'" + group + "' needs a subcommand" : "no command '" + group + " " + sub + "'") +
                       " (" + names_in(group) + ")");
  }
  if (!entry->name.empty()) ++i;
  rest.insert(rest.end(), words.begin() + static_cast<std::ptrdiff_t>(i), words.end());

  Invocation in{cli::Args(std::move(rest)), false, {}};
  if (in.args.flag("help")) {
    print_usage(std::cout);
    return kExitOk;
  }
  in.json = in.args.flag("json");
  if (auto data = in.args.option("data")) {
    in.data_dir = *data;
  } else if (const char* env = std::getenv("LIAISON_DATA"); env && *env) {
    in.data_dir = env;
  }
  if (in.data_dir.empty())
    return usage_error("no data folder — give --data DIR, or set LIAISON_DATA");
  return entry->run(in);
}

}  // namespace
}  // namespace liaison::client

int main(int argc, char** argv) {
  liaison::create_files_private();
  std::vector<std::string> words(argv + 1, argv + argc);
  try {
    return liaison::client::run(std::move(words));
  } catch (const std::exception& e) {
    // Startup failures and bugs only: every expected failure is a value.
    return liaison::client::fail(std::string("internal error: ") + e.what(), "please report this to the city office");
  }
}
