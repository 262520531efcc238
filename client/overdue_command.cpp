// `overdue`: what this node's county owes and is late with (a city desk:
// every county's), from its replica, as it stood at the last sync.
#include "client/commands.hpp"
#include "shared/field_format.hpp"
#include "sync/overdue.hpp"

namespace liaison::client {

Outcome cmd_overdue(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "overdue"));
  auto context = open_context(in);
  if (!context) return context.error();
  const std::string today = china_date(context->now_ms());
  const auto county =
      context->node.is_city() ? std::nullopt : std::optional<std::string>(std::string(context->node.scope()));
  auto items = sync::find_overdue(*context->replica, today, county);
  if (!items) return items.error();
  return sync::overdue_report(*items, today);
}

}  // namespace liaison::client
