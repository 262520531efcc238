// Opening the data folder, finding rows by id prefix, pre-checked writes;
// see context.hpp.
#include "client/context.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "client/output.hpp"
#include "shared/private_files.hpp"
#include "sync/authority.hpp"
#include "sync/hlc.hpp"

namespace liaison::client {

namespace fs = std::filesystem;

Status take_words(cli::Args& args, std::vector<std::string>& words, std::size_t min, std::size_t max,
                  std::string_view synopsis) {
  words = args.positionals();
  if (auto st = args.finish(); !st) return make_error(Errc::usage, st.error().message);
  if (words.size() < min || words.size() > max) {
    const std::string what = words.size() < min ? "missing arguments" : "unexpected argument '" + words[max] + "'";
    return make_error(Errc::usage, what + " — usage: liaison-client " + std::string(synopsis));
  }
  return {};
}

Result<Context> open_context(const Invocation& invocation) {
  std::error_code ec;
  const std::string dir = fs::absolute(invocation.data_dir, ec).lexically_normal().string();
  auto config = load_config(dir);
  if (!config) return config.error();
  // Kept private on every use: a folder made or copied by someone else, or a
  // file another tool created, is not left readable.
  LIAISON_TRY(make_private_folder(dir));
  auto node = NodeId::parse(config->node);
  if (!node)
    return make_error(Errc::invalid_argument, "configuration " + config_path(dir) + " names node '" + config->node +
                                                  "': " + node.error().message +
                                                  " — re-create it with 'liaison-client init --force'");
  const std::string db = replica_path(dir);
  if (!fs::exists(db, ec))
    return make_error(Errc::not_found, "replica " + db +
                                           " is missing — re-create it with 'liaison-client init --data " + dir +
                                           " --force ...' and sync to fetch the cases again");
  sync::ReplicaOptions options;
  options.path = db;
  options.self = *node;
  auto replica = sync::Replica::open(std::move(options));
  if (!replica) return replica.error();  // it names the file
  Context context;
  context.data_dir = dir;
  context.config = std::move(*config);
  context.node = std::move(*node);
  context.replica = std::move(*replica);
  context.json = invocation.json;
  return context;
}

namespace {

// Lowercase hex digits of an id or prefix, dashes dropped; empty if any
// other character appears.
std::string hex_digits(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

bool plausible_id(std::string_view text) {
  const std::string hex = hex_digits(text);
  return hex.size() >= 8 && hex.size() <= 32;
}

Result<sync::Row> find_row(sync::Replica& replica, TableId table, std::string_view text, std::string_view what) {
  const std::string thing(what);
  if (auto full = Uuid::parse(text)) {
    auto row = replica.get(table, *full);
    if (!row) return row.error();
    if (*row && !(*row)->deleted()) return std::move(**row);
    return make_error(Errc::not_found, "no " + thing + " " + std::string(text) + " on this replica — list them with '" +
                                           thing + " list', or sync first if it is new");
  }
  const std::string prefix = hex_digits(text);
  auto rows = replica.list(table);
  if (!rows) return rows.error();
  std::vector<sync::Row> matches;
  for (auto& row : *rows)
    if (hex_digits(row.id.to_string()).rfind(prefix, 0) == 0) matches.push_back(std::move(row));
  if (matches.size() == 1) return std::move(matches.front());
  if (matches.empty())
    return make_error(Errc::not_found, "no " + thing + " with an id starting " + std::string(text) +
                                           " on this replica — list them with '" + thing +
                                           " list', or sync first if it is new");
  std::string some;
  for (std::size_t i = 0; i < matches.size() && i < 5; ++i) some += (i ? ", " : "") + matches[i].id.to_string();
  if (matches.size() > 5) some += ", ...";
  return make_error(Errc::invalid_argument, "id prefix " + std::string(text) + " matches " +
                                                std::to_string(matches.size()) + " " + thing + "s (" + some +
                                                ") — give more of the id");
}

Status precheck(Context& context, TableId table, const Uuid& row, const sync::Fields& fields) {
  return context.replica->precheck(table, row, fields);
}

Result<Uuid> checked_insert(Context& context, TableId table, const sync::Fields& fields, std::optional<Uuid> id) {
  Uuid written;
  Status st = context.replica->transact([&]() -> Status {
    // A chosen id may name an existing row (a receipt): check it as that row.
    const Uuid target = id ? *id : Uuid{};
    LIAISON_TRY(precheck(context, table, target, fields));
    auto inserted = context.replica->insert(table, fields, id);
    if (!inserted) return inserted.error();
    written = *inserted;
    return {};
  });
  if (!st) return st.error();
  return written;
}

Status checked_update(Context& context, TableId table, const Uuid& row, const sync::Fields& fields) {
  return context.replica->transact([&]() -> Status {
    LIAISON_TRY(precheck(context, table, row, fields));
    return context.replica->update(table, row, fields);
  });
}

}  // namespace liaison::client
