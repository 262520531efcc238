// A directive as the city issues it, from the hub's shell or a city desk:
// the checks of its parts (kind, a due day not past, a decision's case,
// the counties it goes to) and the fields it is written with, in one
// place for both programs. And reminders: a task's reminder goes to the
// counties that have neither acknowledged nor answered it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "shared/command.hpp"
#include "shared/error.hpp"
#include "shared/node_id.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

struct DirectiveRequest {
  std::string to;    // "all" or "longyou,kaihua"
  std::string kind;  // notice | task | decision
  std::string title;
  std::optional<std::string> body;
  std::optional<std::string> due;  // YYYY-MM-DD
  std::optional<Uuid> case_id;     // the case a decision is about (found by the caller)
  std::optional<Uuid> reminds;     // the directive this one reminds of
};

// The fields of the directive `request` describes, issued by `issuer` at
// `now_ms`, or what is wrong with it (naming the option: "--due ...").
Result<Fields> directive_fields(const DirectiveRequest& request, const NodeId& issuer, std::int64_t now_ms);

// The counties a directive is addressed to that have neither acknowledged
// nor answered it (a reminder goes to them).
Result<std::vector<std::string>> counties_not_answered(Replica& replica, const Row& directive);

bool withdrawn(const Row& directive);

// The options of `directive issue`, the same in both programs.
const std::vector<cli::OptionSpec>& directive_issue_options();

}  // namespace liaison::sync
