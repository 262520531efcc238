// Command-line support; see cli.hpp.
#include "shared/cli.hpp"

#include <locale.h>
#include <wchar.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <ostream>

#include "shared/field_format.hpp"
#include "shared/labels.hpp"

namespace liaison::cli {

void Args::mark(std::size_t i) {
  if (used_.size() < words_.size()) used_.resize(words_.size(), false);
  used_[i] = true;
}

std::optional<std::string> Args::option(std::string_view name) {
  auto all = options(name);
  if (all.empty()) return std::nullopt;
  // Keeping one of two silently would store what the person did not mean.
  if (all.size() > 1 && !problem_)
    problem_ = "--" + std::string(name) + " is given " + std::to_string(all.size()) + " times ('" + all[0] + "', '" +
               all[1] + "'" + (all.size() > 2 ? ", ..." : "") + ") — give it once";
  return all.back();
}

std::size_t Args::options_end() const {
  const auto it = std::find(words_.begin(), words_.end(), "--");
  return static_cast<std::size_t>(it - words_.begin());
}

std::vector<std::string> Args::options(std::string_view name) {
  std::vector<std::string> out;
  const std::string flag = "--" + std::string(name);
  const std::size_t end = options_end();
  for (std::size_t i = 0; i < end; ++i) {
    if (is_used(i)) continue;
    const std::string& w = words_[i];
    if (w == flag && i + 1 < end && words_[i + 1].rfind("--", 0) != 0) {
      mark(i);
      mark(i + 1);
      out.push_back(words_[i + 1]);
      ++i;
    } else if (w == flag) {
      // `--title --json` is a title forgotten, not a title "--json".
      mark(i);
      if (!problem_)
        problem_ = flag + " needs a value" +
                   (i + 1 < end ? " (a value that starts with --: write " + flag + "=VALUE)" : std::string());
    } else if (w.rfind(flag + "=", 0) == 0) {
      mark(i);
      out.push_back(w.substr(flag.size() + 1));
    }
  }
  return out;
}

bool Args::flag(std::string_view name) {
  const std::string flag = "--" + std::string(name);
  bool found = false;
  const std::size_t end = options_end();
  for (std::size_t i = 0; i < end; ++i)
    if (!is_used(i) && words_[i] == flag) {
      mark(i);
      found = true;
    }
  return found;
}

std::vector<std::string> Args::positionals() {
  std::vector<std::string> out;
  const std::size_t end = options_end();
  for (std::size_t i = 0; i < words_.size(); ++i) {
    if (i == end) {
      mark(i);  // the `--` itself
      continue;
    }
    if (is_used(i) || (i < end && words_[i].size() > 2 && words_[i].rfind("--", 0) == 0)) continue;
    mark(i);
    out.push_back(words_[i]);
  }
  return out;
}

Status Args::finish() const {
  if (problem_) return make_error(Errc::usage, *problem_);
  for (const std::string& w : words_)
    if (!is_valid_utf8(w))
      return make_error(Errc::invalid_argument,
                        "argument '" + escape_for_terminal(w) +
                            "' is not valid UTF-8 text — set the terminal to UTF-8 (LANG=zh_CN.UTF-8)");
  const std::size_t end = options_end();
  for (std::size_t i = 0; i < words_.size(); ++i)
    if (!is_used(i) && i != end) {
      const std::string& w = words_[i];
      if (w.rfind("--", 0) == 0 && i < end)
        return make_error(Errc::usage, "unknown option " + w + " (or it needs a value) — see --help");
      return make_error(Errc::usage, "unexpected argument '" + w + "' — see --help");
    }
  return {};
}

Result<std::string> Args::required(std::string_view name) {
  auto v = option(name);
  if (!v || v->empty()) return make_error(Errc::usage, "--" + std::string(name) + " is required");
  return *v;
}

Status choose_language(std::vector<std::string>& words) {
  set_language(language_from_environment());
  for (std::size_t i = 0; i < words.size() && words[i] != "--";) {
    std::optional<std::string> value;
    std::size_t taken = 1;
    if (words[i] == "--lang") {
      if (i + 1 >= words.size()) return make_error(Errc::usage, "--lang needs a language: zh or en");
      value = words[i + 1];
      taken = 2;
    } else if (words[i].starts_with("--lang=")) {
      value = words[i].substr(7);
    }
    if (!value) {
      ++i;
      continue;
    }
    const auto chosen = parse_language(*value);
    if (!chosen) return make_error(Errc::usage, "--lang " + *value + ": the languages are zh (中文) and en (English)");
    set_language(*chosen);
    words.erase(words.begin() + static_cast<std::ptrdiff_t>(i), words.begin() + static_cast<std::ptrdiff_t>(i + taken));
  }
  return {};
}

std::size_t display_width(std::string_view s) {
  // The C library's character widths (Unicode's East Asian Width and
  // emoji: two columns; combining marks: none), read in a UTF-8 locale of
  // this thread's own, whatever the process's locale is.
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  const locale_t before = utf8 ? uselocale(utf8) : static_cast<locale_t>(nullptr);
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    std::uint32_t cp = c;
    if (len > 1) {
      cp = c & (0x7f >> len);
      for (std::size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    }
    const int w = utf8 ? ::wcwidth(static_cast<wchar_t>(cp)) : 1;
    width += w < 0 ? 1 : static_cast<std::size_t>(w);  // a control character: shown escaped elsewhere
    i += len;
  }
  if (utf8) uselocale(before);
  return width;
}

void Table::print(std::ostream& out) const {
  // Cells hold stored text, some of it from other offices: a line break or
  // an escape sequence in it is shown, not acted on.
  std::vector<std::vector<std::string>> shown;
  for (const auto& row : rows) {
    shown.emplace_back();
    for (const auto& cell : row) shown.back().push_back(escape_for_terminal(cell));
  }
  std::vector<std::string> headings;
  for (const auto& header : headers) headings.push_back(heading_label(header));
  std::vector<std::size_t> widths(headers.size(), 0);
  for (std::size_t c = 0; c < headers.size(); ++c) widths[c] = display_width(headings[c]);
  for (const auto& row : shown)
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  const auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t c = 0; c < headers.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      out << cell;
      if (c + 1 < headers.size()) out << std::string(widths[c] - display_width(cell) + 2, ' ');
    }
    out << '\n';
  };
  line(headings);
  std::vector<std::string> rule;
  for (auto w : widths) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& row : shown) line(row);
}

// JSON is written by nlohmann/json: escaping, numbers (no NaN or infinity:
// JSON has none, they come out as null) and the composition of objects and
// arrays. Text that is not UTF-8 (stored before it was checked) comes out
// with U+FFFD in place of the bad bytes rather than as invalid JSON.
namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A member or item given as JSON text, read back so the whole is written by
// the library (and a fragment that is not JSON fails loudly, not quietly).
Json parsed(const std::string& text) { return Json::parse(text); }

}  // namespace

std::string json_quote(std::string_view raw) { return dump(Json(to_valid_utf8(raw))); }

std::string json_value(const Value& v) {
  switch (v.index()) {
    case 1: return dump(Json(std::get<std::int64_t>(v)));
    case 2: return dump(Json(std::get<double>(v)));
    case 3: return json_quote(std::get<std::string>(v));
    default: return "null";
  }
}

std::string json_object(const std::vector<std::pair<std::string, std::string>>& members) {
  Json object = Json::object();
  for (const auto& [name, value] : members) object[to_valid_utf8(name)] = parsed(value);
  return dump(object);
}

std::string json_array(const std::vector<std::string>& items) {
  Json array = Json::array();
  for (const auto& item : items) array.push_back(parsed(item));
  return dump(array);
}

Result<std::uint64_t> parse_time(std::string_view text) {
  const std::string s(text);
  std::tm tm{};
  tm.tm_isdst = -1;
  const char* end = nullptr;
  for (const char* format :
       {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"}) {
    tm = std::tm{};
    tm.tm_isdst = -1;
    end = strptime(s.c_str(), format, &tm);
    if (end && *end == '\0') break;
    end = nullptr;
  }
  if (!end)
    return make_error(Errc::invalid_argument,
                      "'" + escape_for_terminal(s) + "' is not a date and time — write 2026-11-26 or 2026-11-26 18:40");
  const int day = tm.tm_mday, month = tm.tm_mon;
  const std::time_t t = std::mktime(&tm);
  if (t == -1 || tm.tm_mday != day || tm.tm_mon != month)  // mktime carries 2026-02-30 into March
    return make_error(Errc::invalid_argument, "'" + escape_for_terminal(s) + "' is not a day of the calendar");
  return static_cast<std::uint64_t>(t) * 1000;
}

Status check_date(std::string_view text) {
  if (!is_calendar_date(text))
    return make_error(Errc::invalid_argument,
                      "'" + escape_for_terminal(text) + "' is not a day of the calendar like 2026-12-31");
  return {};
}

std::string format_time(std::uint64_t unix_ms) {
  if (unix_ms == 0) return "never";
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace liaison::cli
