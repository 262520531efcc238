// Who did what, from the hub's history of every change it accepted:
// `case history` (a case and its records, oldest first), `audit verify`
// (the history's hash chain, recomputed) and `audit head` (its latest hash,
// for an auditor to keep apart from the hub, so that a rewrite of the
// whole chain is found too).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hub/commands.hpp"
#include "sync/case_history.hpp"
#include "shared/labels.hpp"

namespace liaison::hub {

Outcome cmd_case_history(Context& ctx, cli::Args& args) {
  const auto words = args.positionals();
  LIAISON_TRY(args.finish());
  if (words.size() != 1) return make_error(Errc::usage, "case history needs one case: its ref, number or id");
  auto id = resolve_id(*ctx.replica, TableId::cases, words[0]);
  if (!id) return id.error();
  return sync::case_history_report(*ctx.replica, *id);
}

Outcome cmd_audit_verify(Context& ctx, cli::Args& args) {
  const auto head = args.option("head");
  LIAISON_TRY(args.finish());
  if (head && (head->size() != 64 || head->find_first_not_of("0123456789abcdef") != std::string::npos))
    return make_error(Errc::usage,
                      "--head " + escape_for_terminal(*head) + ": give the 64 hex digits 'audit head' printed");
  auto check = ctx.replica->verify_history(head.value_or(""));
  if (!check) return check.error();
  if (check->broken_at) {
    auto entry = ctx.replica->history({.from_id = check->broken_at});
    std::string what;
    if (entry && !entry->empty() && entry->front().id == check->broken_at) {
      const auto& c = entry->front();
      what = " (" + cli::format_time(c.at_ms) + ", " + c.node + ", " + std::string(Schema::get().table(c.table).name) +
             " " + c.row.to_string() + ")";
    }
    return make_error(Errc::storage_failed, "the history is broken at entry " + std::to_string(check->broken_at) +
                                                what + ": " + check->problem + " — " + std::to_string(check->entries) +
                                                " entries before it verify; restore hub.db from a backup and compare");
  }
  if (!check->head_found)
    return make_error(Errc::storage_failed, "the exported head " + *head +
                                                " is not in the history: the chain was rewritten since it was "
                                                "exported — restore hub.db from a backup and compare");
  cli::Report report{
      cli::json_object(
          {{"entries", std::to_string(check->entries)}, {"head", cli::json_quote(check->head)}, {"verified", "true"}}),
      {}};
  return report.line(english() ? "history verified: " + std::to_string(check->entries) + " entries, head " + check->head
                               : "历史记录完整：共 " + std::to_string(check->entries) + " 条，末条哈希 " + check->head);
}

Outcome cmd_audit_head(Context& ctx, cli::Args& args) {
  const auto out = args.option("out");
  LIAISON_TRY(args.finish());
  auto head = ctx.replica->history_head();
  if (!head) return head.error();
  const std::string line = cli::format_time(head->at_ms) + " entries " + std::to_string(head->entries) + " last " +
                           std::to_string(head->last_id) + " head " + head->hash;
  if (out) {
    // Appended, one line a day: the auditor's file keeps every head exported.
    const int fd = ::open(out->c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(Errc::storage_failed, "can't write " + *out + ": " + std::strerror(errno));
    const std::string text = line + "\n";
    const ssize_t wrote = ::write(fd, text.data(), text.size());
    const std::string why = wrote < 0 ? std::strerror(errno) : "the disk is full";
    ::close(fd);
    if (wrote != static_cast<ssize_t>(text.size()))
      return make_error(Errc::storage_failed, "can't write " + *out + ": " + why);
  }
  cli::Report report{cli::json_object({{"entries", std::to_string(head->entries)},
                                       {"last_id", std::to_string(head->last_id)},
                                       {"at_ms", std::to_string(head->at_ms)},
                                       {"head", cli::json_quote(head->hash)}}),
                     {}};
  return report.line(line);
}

}  // namespace liaison::hub
