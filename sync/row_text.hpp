// How a replica's rows read, for people and for scripts, the same in both
// programs: a row as one JSON object of its set columns, a value for people
// (times in local time, kinds, statuses, counties and choices by their
// labels), and a "field / value" table of a row. Pure functions of the row
// and the language chosen (shared/labels.hpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared/cli.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

// {"id": ..., "<column>": value, ...}: the row's non-null columns in schema
// order (plus `extra` members, already JSON, at the end).
std::string row_json(const Row& row, const std::vector<std::pair<std::string, std::string>>& extra = {});

// A value as stored, for people: integer `*_at` columns (ms since the
// epoch) in local time, the rest as text.
std::string display_value(std::string_view column, const Value& value);
// A column of `table` by its schema name; "#N" for an index the schema
// does not have (a damaged file).
std::string column_name(TableId table, std::uint16_t column);
// A value for JSON: json_value, but never a password's hash (null).
std::string json_cell(std::string_view column, const Value& value);

// A case's value for people: display_value, then a kind, status, county or
// choice by its label.
std::string labelled_value(const Row& row, std::string_view column);

// "field / value" of a row's non-null columns, each by its label.
cli::Table row_table(const Row& row);

}  // namespace liaison::sync
