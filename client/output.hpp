// How liaison-client talks to people and to scripts. Errors go to stderr as
// `liaison-client: <what happened> — <what to do>`; a failure exits 1, a
// usage error 2, a sync to try again later 75. Results go to stdout as tables (Chinese text lines up) or,
// with --json, as one JSON object or array. Plain functions; not
// thread-safe (they write to the process's standard streams).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "shared/cli.hpp"
#include "shared/command.hpp"
#include "shared/error.hpp"
#include "sync/replica.hpp"
#include "sync/row_text.hpp"

namespace liaison::client {

// The exit statuses both programs share (shared/command.hpp).
using cli::kExitFailure;
using cli::kExitOk;
using cli::kExitTryLater;
using cli::kExitUsage;

// What a command returns: its Report (printed as a table or as JSON by
// one renderer), or the error to report.
using Outcome = Result<cli::Report>;
// `error` with what to do added ("what — todo"), as people read it; left as
// it is when its message already says what to do.
Error advised(Error error, std::string_view todo);
Error advised(Errc code, std::string_view what, std::string_view todo);
// Prints a command's outcome: its report (as JSON with `json`), or its
// error as fail() and usage_error() do. Returns the exit status.
int finish(const Outcome& outcome, bool json);

// Prints the error and returns kExitFailure. `todo` is left out when `what`
// already says what to do (engine messages often carry their own " — ...").
// With --json (set_json_errors), the error is also printed on stdout as one
// object, {"error": "<code name>", "message": "..."}: "usage" for a usage
// error, the Errc name where the error has one, "failed" otherwise.
int fail(std::string_view what, std::string_view todo = {});
int fail(const Error& error, std::string_view todo = {});
// Prints the error with "see liaison-client --help" and returns kExitUsage.
int usage_error(std::string_view what);
// The error line on stderr only: for a command that prints its own JSON
// object about the failure.
void complain(std::string_view what, std::string_view todo = {});
void set_json_errors(bool json);

// Rows for people and scripts, as the hub shows them (sync/row_text.hpp).
using sync::display_value;
using sync::row_json;
using sync::row_table;
// {"id": ..., ...} with exactly `columns` (null where the row has none).
std::string row_json_columns(const sync::Row& row, std::span<const std::string_view> columns);

// Writes `text` and a newline to stdout.
void print_line(const std::string& text);

// Ids for people: the full id (unambiguous, copy-pasteable).
std::string id_text(const Uuid& id);

}  // namespace liaison::client
