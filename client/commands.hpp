// The commands of liaison-client. Each reads its options from the
// invocation, refuses malformed arguments (a usage error, exit 2) before
// touching the data folder, then opens it and does its work. Each returns
// its result as a Report (one renderer prints it as a table or as JSON) or
// the error; `sync`, which reports progress as it goes and exits 75 when
// the hub can't be reached, prints for itself and returns the exit status.
#pragma once

#include <string>

#include "client/context.hpp"
#include "client/output.hpp"

namespace liaison::client {

// setup_commands.cpp
Outcome cmd_init(Invocation& in);
Outcome cmd_pin_hub(Invocation& in);

// case_commands.cpp
Outcome cmd_case_new(Invocation& in);
Outcome cmd_case_list(Invocation& in);
Outcome cmd_case_search(Invocation& in);
Outcome cmd_case_show(Invocation& in);
Outcome cmd_case_history(Invocation& in);
Outcome cmd_case_set(Invocation& in);
Outcome cmd_case_submit(Invocation& in);
Outcome cmd_note_add(Invocation& in);

// child_commands.cpp: records of a case, one set of commands per kind.
struct ChildKind;
extern const ChildKind kPerson, kItinerary, kGift;
Outcome child_add(Invocation& in, const ChildKind& kind);
Outcome child_list(Invocation& in, const ChildKind& kind);
Outcome child_set(Invocation& in, const ChildKind& kind);
Outcome child_remove(Invocation& in, const ChildKind& kind);

// directive_commands.cpp
Outcome cmd_directive_list(Invocation& in);
Outcome cmd_directive_show(Invocation& in);
Outcome cmd_directive_ack(Invocation& in);

// overdue_command.cpp
Outcome cmd_overdue(Invocation& in);
Outcome cmd_settings(Invocation& in);
Outcome cmd_directive_issue(Invocation& in);
Outcome cmd_incident_report(Invocation& in);
Outcome cmd_alerts(Invocation& in);
Outcome cmd_passport_list(Invocation& in);
Outcome cmd_passport_lend(Invocation& in);
Outcome cmd_passport_return(Invocation& in);

// log_commands.cpp
Outcome cmd_conflicts(Invocation& in);
Outcome cmd_conflicts_restore(Invocation& in);
Outcome cmd_rejections(Invocation& in);

// staff_commands.cpp
Outcome cmd_staff_signin(Invocation& in);
Outcome cmd_staff_signout(Invocation& in);
Outcome cmd_staff_whoami(Invocation& in);
Outcome cmd_staff_list(Invocation& in);
Outcome cmd_staff_add(Invocation& in);
Outcome cmd_staff_disable(Invocation& in);
Outcome cmd_staff_enable(Invocation& in);
Outcome cmd_staff_reset(Invocation& in);

// sync_commands.cpp
Outcome cmd_status(Invocation& in);
int cmd_sync(Invocation& in);

}  // namespace liaison::client
