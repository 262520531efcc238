// Opening the data folder and pre-checked writes;
// see context.hpp.
#include "client/context.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "client/output.hpp"
#include "shared/labels.hpp"
#include "shared/private_files.hpp"
#include "sync/authority.hpp"
#include "sync/hlc.hpp"
#include "sync/row_lookup.hpp"

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

Result<std::string> text_after_first(const std::vector<std::string>& words, std::string_view what,
                                     std::string_view synopsis) {
  std::string text;
  for (std::size_t i = 1; i < words.size(); ++i) text += (i > 1 ? " " : "") + words[i];
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    return make_error(Errc::usage,
                      "the " + std::string(what) + " is empty — usage: liaison-client " + std::string(synopsis));
  return text;
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
  auto signed_in = sync::load_signed_in(*context.replica);
  if (!signed_in) return signed_in.error();
  context.signed_in = std::move(signed_in->account);
  context.signed_out = std::move(signed_in->signed_out);
  return context;
}

Result<CaseAt> open_case(const Invocation& in, const std::string& reference) {
  if (!sync::plausible_reference(TableId::cases, reference))
    return make_error(Errc::usage, "'" + escape_for_terminal(reference) +
                                       "' names no case — give its ref (like K7Q-3M9), its official number, or its id "
                                       "or at least the id's first 8 hex digits, as 'case list' shows them");
  auto context = open_context(in);
  if (!context) return context.error();
  auto row = sync::find_row(*context->replica, TableId::cases, reference, "case");
  if (!row) return row.error();
  const std::string kind_name = to_display((*row)["kind"]);
  const CaseKind* kind = Schema::get().find_kind(kind_name);
  if (!kind)
    return make_error(Errc::schema_mismatch, "case " + row->id.to_string() + " has an unknown kind '" +
                                                 escape_for_terminal(kind_name) +
                                                 "' — upgrade liaison-client; the case is left as it is");
  return CaseAt{std::move(*context), std::move(*row), kind};
}

Status precheck(Context& context, TableId table, const Uuid& row, const sync::Fields& fields) {
  // Marking a directive read is the device's, whoever reads it.
  const bool device_only = std::all_of(fields.begin(), fields.end(),
                                       [&](const auto& field) { return sync::device_written(table, field.first); });
  if (!context.signed_in && !device_only) {
    auto since = context.replica->staff_since(context.node.scope());
    if (!since) return since.error();
    if (*since != 0 && !context.signed_out.empty())
      return make_error(Errc::not_permitted,
                        in_language("the account " + context.signed_out +
                                        " was disabled, and is signed out on this device — nothing was written; "
                                        "another person signs in with 'liaison-client staff signin NAME'",
                                    "账号 " + context.signed_out +
                                        " 已被停用，已在本设备退出登录 — 未作任何修改；请其他人员用 "
                                        "liaison-client staff signin 姓名 登录"));
    if (*since != 0)
      return make_error(Errc::not_permitted,
                        in_language("nobody is signed in on this device — sign in first with 'liaison-client staff "
                                    "signin NAME'; nothing was written",
                                    "本设备没有人员登录 — 请先用 liaison-client staff signin 姓名 登录；未作任何修改"));
  }
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
