// Text that people typed or another node sent: what a field may hold (valid
// UTF-8, no control characters, a length limit per field), and how any text
// is shown safely on a terminal or in a log line. The same rules run at the
// command line, in every replica's local writes and in the hub's authority
// check, so a value refused in one place is refused everywhere.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace liaison {

struct TextRule {
  bool multiline = false;     // newlines and tabs allowed (a summary, a note's body)
  std::size_t max_chars = 0;  // Unicode characters, not bytes: 200 Chinese characters are 600 bytes
};

inline constexpr std::size_t kSingleLineMaxChars = 200;
inline constexpr std::size_t kMultiLineMaxChars = 10'000;

bool is_valid_utf8(std::string_view text) noexcept;

// Unicode characters in valid UTF-8 text.
std::size_t count_chars(std::string_view utf8) noexcept;

// What is wrong with `text` under `rule`, for a person ("is 230 characters
// long; at most 200"), or nothing when it is fine.
std::optional<std::string> text_problem(std::string_view text, const TextRule& rule);

// Whether `text` (valid UTF-8) holds a character that shows nothing: a
// zero-width space or joiner, a word joiner, a byte-order mark, a soft
// hyphen, a text-direction mark. Such a character makes two names that
// look the same different: refused where a name identifies someone.
bool has_invisible_char(std::string_view text) noexcept;

// The pieces of a list such as "longyou,kaihua" between `separator`s,
// empty pieces included ("a," is "a" and ""), each a view into `list`.
std::vector<std::string_view> split_list(std::string_view list, char separator);

// The text with everything a terminal would act on made visible: control
// characters (escape sequences, NUL, carriage returns) and the invisible
// characters that reorder what follows them, as \n, \t, \x1b or \u202e;
// bytes that are not UTF-8 as \xff. Printable text, Chinese included, is
// unchanged. For tables, messages and log lines built from stored or
// received text.
std::string escape_for_terminal(std::string_view text);

// Valid UTF-8: every byte that is not part of a valid sequence becomes
// U+FFFD. For JSON, which must be UTF-8.
std::string to_valid_utf8(std::string_view text);

}  // namespace liaison
