// What every command works with: the parsed command line (Invocation) and,
// once its arguments are known to be well-formed, the opened data folder
// (Context: configuration, node id, replica). Also what most commands
// share: finding the case a person names, and writing through the hub's authority rules first, so that a refusal
// is reported at once rather than after the next sync. Not thread-safe; one command per process.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/config.hpp"
#include "shared/cli.hpp"
#include "shared/node_id.hpp"
#include "sync/authority.hpp"
#include "sync/replica.hpp"
#include "sync/staff_accounts.hpp"

namespace liaison::client {

struct Invocation {
  cli::Args args;
  bool json = false;
  std::string data_dir;  // from --data or LIAISON_DATA, as given
};

struct Context {
  std::string data_dir;  // absolute
  ClientConfig config;
  NodeId node;
  std::unique_ptr<sync::Replica> replica;
  bool json = false;
  // Who is signed in on this device (sync/staff_accounts.hpp); and who was
  // signed out on opening, their account disabled or removed since.
  std::optional<sync::StaffAccount> signed_in;
  std::string signed_out;

  // Current time in ms, corrected by the offset to the hub's clock.
  std::uint64_t now_ms() const { return replica->clock().wall_ms(); }
  bool county_node() const { return !node.is_city(); }
};

// Takes the words left after a command read its options. A usage error
// (an unknown option, too few or too many words, naming `synopsis`) when
// they don't fit.
Status take_words(cli::Args& args, std::vector<std::string>& words, std::size_t min, std::size_t max,
                  std::string_view synopsis);

// The free text after a command's first word (a note, a report), joined
// with spaces; a usage error "the WHAT is empty — usage: ..." when blank.
Result<std::string> text_after_first(const std::vector<std::string>& words, std::string_view what,
                                     std::string_view synopsis);

// Opens DIR/client.json and DIR/replica.db (never creates either).
Result<Context> open_context(const Invocation& invocation);

// A case found in an opened data folder, with its kind.
struct CaseAt {
  Context context;
  sync::Row row;
  const CaseKind* kind = nullptr;
};

// Checks that `reference` could name a case (a usage error saying what to
// give if not), opens the data folder and finds the case: by id, id prefix,
// ref or official number (sync/row_lookup.hpp).
Result<CaseAt> open_case(const Invocation& in, const std::string& reference);

// A row as the hub's authority check sees it (values, per-cell stamps, scope).
std::optional<sync::CurrentRow> current_row(sync::Replica& replica, TableId table, const Uuid& id);

// Runs check_authority on `fields` written to `row` by this node and the
// person signed in, against what this replica holds. The error carries the
// hub's reasons; once the county has staff accounts, it says to sign in
// when nobody is.
Status precheck(Context& context, TableId table, const Uuid& row, const sync::Fields& fields);

// Pre-check and write in one transaction: nothing is written when refused.
Result<Uuid> checked_insert(Context& context, TableId table, const sync::Fields& fields,
                            std::optional<Uuid> id = std::nullopt);
Status checked_update(Context& context, TableId table, const Uuid& row, const sync::Fields& fields);

}  // namespace liaison::client
