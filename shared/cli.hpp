// Command-line support shared by liaison-hub and liaison-client: option
// parsing that names what was wrong, tables sized for Chinese text, and
// JSON output. Plain functions and values; thread-compatible.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/error.hpp"
#include "shared/text.hpp"
#include "shared/value.hpp"

namespace liaison::cli {

// The words after the command: `--name value`, `--name=value`, flags and
// positionals. Options are taken out as they are read; finish() reports any
// the command did not read. `--` ends the options: every word after it is a
// positional, even one that starts with `--`. An option's value never
// starts with `--` unless given as `--name=--value`.
class Args {
 public:
  explicit Args(std::vector<std::string> words) : words_(std::move(words)) {}

  std::optional<std::string> option(std::string_view name);
  std::vector<std::string> options(std::string_view name);  // repeatable
  bool flag(std::string_view name);
  // Remaining words that are not options, in order.
  std::vector<std::string> positionals();
  // An error naming the first word nobody asked for, a single-valued option
  // given twice, or a word that is not UTF-8.
  Status finish() const;
  // An option's value, or an error saying it is required.
  Result<std::string> required(std::string_view name);

 private:
  std::vector<std::string> words_;
  std::vector<bool> used_;
  std::optional<std::string> problem_;
  void mark(std::size_t i);
  std::size_t options_end() const;  // the index of `--`, or the number of words
  bool is_used(std::size_t i) const { return i < used_.size() && used_[i]; }
};

// Sets the language people read (shared/labels.hpp): from `--lang zh|en`
// (or --lang=en) among `words` before `--`, taken out of them, else from the
// locale variables. An error names a language it doesn't know.
Status choose_language(std::vector<std::string>& words);

// Terminal columns taken by UTF-8 text (CJK characters take two).
std::size_t display_width(std::string_view utf8);

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  void print(std::ostream& out) const;
};

// JSON text.
std::string json_quote(std::string_view text);
std::string json_value(const Value& v);
// {"k": v, ...} from pairs whose values are already JSON text.
std::string json_object(const std::vector<std::pair<std::string, std::string>>& members);
std::string json_array(const std::vector<std::string>& items);

// "2026-11-26 18:40:05" in local time, or "never" for 0.
std::string format_time(std::uint64_t unix_ms);

// A moment typed by a person, in local time: "2026-11-26" (its start),
// "2026-11-26 18:40" or "2026-11-26T18:40:05"; milliseconds since the epoch.
Result<std::uint64_t> parse_time(std::string_view text);
// A day typed by a person: exactly YYYY-MM-DD, and a day of the calendar
// (2027-02-30 is not). The error names the text and says how to write it.
Status check_date(std::string_view text);

}  // namespace liaison::cli
