// `settings`: the limits and deadlines of the workflows in force on this
// replica (the city's settings as of the last sync, over the defaults). They
// are changed at the hub ('liaison-hub settings set').
#include "client/commands.hpp"
#include "sync/review.hpp"

namespace liaison::client {

Outcome cmd_settings(Invocation& in) {
  std::vector<std::string> words;
  LIAISON_TRY(take_words(in.args, words, 0, 0, "settings"));
  auto context = open_context(in);
  if (!context) return context.error();
  auto rules = sync::load_rules(*context->replica);
  if (!rules) return rules.error();
  return sync::settings_report(*rules);
}

}  // namespace liaison::client
