// Text rules and safe display; see text.hpp.
#include "shared/text.hpp"

#include "shared/labels.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace liaison {
namespace {

// Length of the valid UTF-8 sequence starting at text[i] and its code point,
// or 0 when the bytes there are not one (overlong forms, surrogates and
// values above U+10FFFF are not valid UTF-8).
std::size_t decode_one(std::string_view text, std::size_t i, std::uint32_t& cp) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::size_t len;
  std::uint32_t min;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    len = 2, cp = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, cp = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (byte(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

bool is_control(std::uint32_t cp) noexcept { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

// Marks that change the direction of the text after them: a title could
// otherwise show a different case number or file name than it holds.
bool is_bidi_control(std::uint32_t cp) noexcept {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
         cp == 0x061c;
}

}  // namespace

bool has_invisible_char(std::string_view text) noexcept {
  std::uint32_t cp;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = decode_one(text, i, cp);
    if (len == 0) return false;
    if ((cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff || cp == 0x00ad || cp == 0x180e ||
        is_bidi_control(cp))
      return true;
    i += len;
  }
  return false;
}

bool is_valid_utf8(std::string_view text) noexcept {
  // Every cell a sync receives passes here: runs of ASCII (ids, dates,
  // codes, pinyin) are skipped eight bytes at a time.
  constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
  std::uint32_t cp;
  for (std::size_t i = 0; i < text.size();) {
    if (i + 8 <= text.size()) {
      std::uint64_t block;
      std::memcpy(&block, text.data() + i, 8);
      if ((block & kHighBits) == 0) {
        i += 8;
        continue;
      }
    }
    const std::size_t len = decode_one(text, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::size_t count_chars(std::string_view utf8) noexcept {
  std::size_t n = 0;
  for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

std::optional<std::string> text_problem(std::string_view text, const TextRule& rule) {
  std::uint32_t cp;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++chars) {
    const std::size_t len = decode_one(text, i, cp);
    if (len == 0)
      return english() ? "is not valid UTF-8 text (byte " + std::to_string(i + 1) + ")"
                       : "不是有效的 UTF-8 文字（第 " + std::to_string(i + 1) + " 字节）";
    if (cp == 0) return in_language("contains a NUL character", "含有空字符");
    const bool allowed_space = rule.multiline && (cp == '\n' || cp == '\t' || cp == '\r');
    if (is_control(cp) && !allowed_space) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      return cp == '\n' || cp == '\t'
                 ? in_language("must be one line: it contains a line break or tab", "应为一行，不能含换行或制表符")
                 : in_language("contains the control character ", "含有控制字符 ") + code;
    }
    if (is_bidi_control(cp)) return in_language("contains an invisible text-direction mark", "含有不可见的文字方向符");
    i += len;
  }
  if (rule.max_chars && chars > rule.max_chars)
    return english() ? "is " + std::to_string(chars) + " characters long; at most " + std::to_string(rule.max_chars) +
                           " are allowed"
                     : "长 " + std::to_string(chars) + " 字，最多 " + std::to_string(rule.max_chars) + " 字";
  return std::nullopt;
}

std::vector<std::string_view> split_list(std::string_view list, char separator) {
  std::vector<std::string_view> pieces;
  for (std::size_t start = 0; start <= list.size();) {
    const auto end = std::min(list.find(separator, start), list.size());
    pieces.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return pieces;
}

std::string escape_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::uint32_t cp;
  char buf[16];
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = decode_one(text, i, cp);
    if (len == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(text[i]));
      out += buf;
      ++i;
      continue;
    }
    if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (is_control(cp)) {
      std::snprintf(buf, sizeof buf, cp < 0x80 ? "\\x%02x" : "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else if (is_bidi_control(cp)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string to_valid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  std::uint32_t cp;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = decode_one(text, i, cp);
    if (len == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace liaison
