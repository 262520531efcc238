// Finding rows by what people type; see row_lookup.hpp.
#include "sync/row_lookup.hpp"

#include <cctype>

#include "shared/case_ref.hpp"
#include "shared/labels.hpp"
#include "shared/text.hpp"

namespace liaison::sync {
namespace {

// Lowercase hex digits of an id or prefix, dashes dropped; empty if any
// other character appears.
std::string hex_digits(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool has_non_ascii(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

std::string where_to_look(std::string_view what) {
  return english() ? " on this replica — list them with '" + std::string(what) + " list', or sync first if it is new"
                   : " — 用 '" + std::string(what) + " list' 查看，新的请先同步";
}

// "case" as people read it: 案件.
std::string noun(std::string_view what) {
  if (english()) return std::string(what);
  return what == "case" ? "案件" : what == "directive" ? "文件" : std::string(what);
}

// `missing`: what the error says when nothing matched; `several`: how it
// names what matched more than one row.
Result<Row> the_one(std::vector<Row> matches, std::string_view what, const std::string& missing,
                    const std::string& several) {
  if (matches.size() == 1) return std::move(matches.front());
  if (matches.empty()) return make_error(Errc::not_found, missing + where_to_look(what));
  std::string some;
  for (std::size_t i = 0; i < matches.size() && i < 5; ++i) some += (i ? ", " : "") + matches[i].id.to_string();
  if (matches.size() > 5) some += ", ...";
  return make_error(Errc::invalid_argument, several + " matches " + std::to_string(matches.size()) + " " +
                                                std::string(what) + "s (" + some + ") — give more of the id");
}

}  // namespace

bool plausible_reference(TableId table, std::string_view text) {
  if (table == TableId::cases && (normalize_case_ref(text) || (has_non_ascii(text) && is_valid_utf8(text))))
    return true;
  const std::string hex = hex_digits(text);
  return hex.size() >= 8 && hex.size() <= 32;
}

Result<Row> find_row(Replica& replica, TableId table, std::string_view text, std::string_view what,
                     bool include_deleted) {
  const auto wanted = [&](const Row& row) { return include_deleted || !row.deleted(); };
  if (auto full = Uuid::parse(text)) {
    auto row = replica.get(table, *full);
    if (!row) return row.error();
    if (*row && wanted(**row)) return std::move(**row);
    return make_error(Errc::not_found, (english() ? "no " + std::string(what) + " " + std::string(text)
                                                  : "本机没有" + noun(what) + " " + std::string(text)) +
                                           where_to_look(what));
  }
  if (table == TableId::cases) {
    const auto ref = normalize_case_ref(text);
    if (ref || has_non_ascii(text)) {
      const char* column = ref ? "ref" : "number";
      auto rows = replica.list(table, {{{column, ref ? *ref : std::string(text)}}, include_deleted, 0});
      if (!rows) return rows.error();
      const std::string shown = ref ? *ref : escape_for_terminal(text);
      return the_one(std::move(*rows), what,
                     english() ? "no " + std::string(what) + (ref ? " with ref " : " numbered ") + shown
                               : "本机没有" + std::string(ref ? "编号" : "文号") + "为 " + shown + " 的" + noun(what),
                     (ref ? "ref " : "number ") + shown);
    }
  }
  const std::string prefix = hex_digits(text);
  auto rows = replica.list(table, {{}, include_deleted, 0});
  if (!rows) return rows.error();
  std::vector<Row> matches;
  for (auto& row : *rows)
    if (hex_digits(row.id.to_string()).starts_with(prefix) && wanted(row)) matches.push_back(std::move(row));
  const std::string shown = escape_for_terminal(text);
  return the_one(std::move(matches), what,
                 english() ? "no " + std::string(what) + " with an id starting " + shown
                           : "本机没有标识以 " + shown + " 开头的" + noun(what),
                 "id prefix " + shown);
}

}  // namespace liaison::sync
