// Error and result output; see output.hpp.
#include "client/output.hpp"

#include <iostream>

#include "shared/labels.hpp"

namespace liaison::client {
namespace {

constexpr std::string_view kDash = " — ";

}  // namespace

namespace {

bool g_json_errors = false;

// The error line for people, on stderr; returns it.
std::string complain_line(std::string_view what, std::string_view todo) {
  std::string line(what);
  if (!todo.empty() && what.find(kDash) == std::string_view::npos) {
    line += kDash;
    line += todo;
  }
  std::cout.flush();
  std::cerr << "liaison-client: " << escape_for_terminal(line) << '\n';
  return line;
}

// With --json, scripts also get the error as one object on stdout.
void json_error(std::string_view code, const std::string& message) {
  if (g_json_errors)
    print_line(cli::json_object({{"error", cli::json_quote(code)}, {"message", cli::json_quote(message)}}));
}

}  // namespace

void set_json_errors(bool json) { g_json_errors = json; }

void complain(std::string_view what, std::string_view todo) { complain_line(what, todo); }

int fail(std::string_view what, std::string_view todo) {
  json_error("failed", complain_line(what, todo));
  return kExitFailure;
}

int fail(const Error& error, std::string_view todo) {
  std::string_view advice = todo;
  if (advice.empty()) {
    switch (error.code) {
      case Errc::storage_busy: advice = "another program is writing this replica; try again in a moment"; break;
      case Errc::storage_failed: advice = "check the data folder's free space and permissions"; break;
      default: advice = "nothing was changed"; break;
    }
  }
  json_error(errc_name(error.code), complain_line(error.message, advice));
  return kExitFailure;
}

Error advised(Error error, std::string_view todo) {
  if (!todo.empty() && error.message.find(kDash) == std::string::npos)
    error.message +=
        std::string(kDash) + (todo == "nothing was written" ? in_language(todo, "未写入任何内容") : std::string(todo));
  return error;
}

Error advised(Errc code, std::string_view what, std::string_view todo) {
  return advised(make_error(code, std::string(what)), todo);
}

int finish(const Outcome& outcome, bool json) {
  if (outcome) {
    cli::render(std::cout, *outcome, json);
    return kExitOk;
  }
  if (outcome.error().code == Errc::usage) return usage_error(outcome.error().message);
  return fail(outcome.error());
}

int usage_error(std::string_view what) {
  json_error("usage", complain_line(what, "see liaison-client --help"));
  return kExitUsage;
}

std::string row_json_columns(const sync::Row& row, std::span<const std::string_view> columns) {
  std::vector<std::pair<std::string, std::string>> members;
  members.emplace_back("id", cli::json_quote(row.id.to_string()));
  for (const auto column : columns) members.emplace_back(std::string(column), cli::json_value(row[column]));
  return cli::json_object(members);
}

void print_line(const std::string& text) { std::cout << text << '\n'; }

std::string id_text(const Uuid& id) { return id.to_string(); }

}  // namespace liaison::client
