// A field value as stored and synced: null, integer, real or UTF-8 text.
// Mirrors SQLite's storage classes (BLOB is not a field type here).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace liaison {

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

inline bool is_null(const Value& v) noexcept { return v.index() == 0; }
// Human-readable rendering (null as empty), for tables and messages.
std::string to_display(const Value& v);

}  // namespace liaison
