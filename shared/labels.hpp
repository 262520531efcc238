// What people read, in their language: Chinese by default, English with
// `--lang en` or an English locale (LANGUAGE, LC_ALL, LC_MESSAGES or LANG
// starting with "en"). Case kinds, statuses, field names, counties and the headings
// of tables have a label in each; command names, JSON keys and the values
// stored stay ASCII. The language is chosen once, at the start of a
// program; reading it is thread-safe after that.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace liaison {

enum class Language { zh, en };

Language language() noexcept;
void set_language(Language language) noexcept;
// "zh" or "en" (as --lang takes them; zh_CN, en_US.UTF-8 too), or nothing.
std::optional<Language> parse_language(std::string_view text) noexcept;
// From the locale variables, the first one set in the order GNU programs
// read them for messages (LANGUAGE, LC_ALL, LC_MESSAGES, LANG): English
// when it starts with "en", Chinese otherwise (C, POSIX, zh_CN and an unset
// locale alike).
Language language_from_environment() noexcept;

inline bool english() noexcept { return language() == Language::en; }

// `en` or `zh`, whichever the language is.
std::string in_language(std::string_view en, std::string_view zh);

// 因公出国（境） / "Official trip abroad"; an unknown kind as it is.
std::string kind_label(std::string_view kind);
// 已批准 / "approved": a passport's `returned` is 已归还, an approval's 退回修改.
std::string status_label(std::string_view kind, std::string_view status);
// 出发日期 / "depart_on": a column's name for people.
std::string field_label(std::string_view column);
// A field named in a message: 「回国日期」（return_on）, as people read it and
// as they type it; 'return_on' in English.
std::string field_in_message(std::string_view column);
// 龙游县 / "longyou"; the city office is 市外办.
std::string county_label(std::string_view county);
// 人员 / "people": a table of the schema by what its rows are.
std::string table_label(std::string_view table);
// A table's heading: a column's label, or one of the headings the programs
// print ("ref" 编号, "overdue" 逾期).
std::string heading_label(std::string_view heading);
// A case's place (sync/case_view.hpp: "city+longyou+kaihua") in labels:
// 市外办、龙游县、开化县.
std::string place_label(std::string_view place);

// A value of a case's column for people: a kind, a status, a county or a
// choice by its label; anything else as it is.
std::string value_label(std::string_view column, std::string_view kind, std::string_view value);

}  // namespace liaison
