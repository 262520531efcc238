// The commands of liaison-client. Each reads its options from the
// invocation, reports malformed arguments (exit 2) before touching the data
// folder, then opens it and does its work; returns the exit status.
#pragma once

#include <string>

#include "client/context.hpp"

namespace liaison::client {

// setup_commands.cpp
int cmd_init(Invocation& in);
int cmd_pin_hub(Invocation& in);

// case_commands.cpp
int cmd_case_new(Invocation& in);
int cmd_case_list(Invocation& in);
int cmd_case_show(Invocation& in);
int cmd_case_set(Invocation& in);
int cmd_case_submit(Invocation& in);
int cmd_note_add(Invocation& in);

// directive_commands.cpp
int cmd_directive_list(Invocation& in);
int cmd_directive_show(Invocation& in);
int cmd_directive_ack(Invocation& in);

// log_commands.cpp
int cmd_conflicts(Invocation& in);
int cmd_conflicts_restore(Invocation& in);
int cmd_rejections(Invocation& in);

// sync_commands.cpp
int cmd_status(Invocation& in);
int cmd_sync(Invocation& in);

}  // namespace liaison::client
