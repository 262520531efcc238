// The domain schema as data, in one place: the tables every replica holds,
// their columns, who (county or city side) may write each, how each row's
// scope is found, and for cases the kinds, their fields, statuses and the
// transitions each side may make. Replicas create their tables from this;
// the hub's authority check and the CLI read it. Immutable after start-up;
// safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "shared/field_format.hpp"
#include "shared/text.hpp"
#include "shared/value.hpp"

namespace liaison {

// Bump when tables or columns change. Tables and columns are only ever
// appended, each marked with the version that added it (`since`), so a cell's
// column index means the same thing in every version that knows it. A
// replica made by an older version is migrated in place when opened; the hub
// serves a peer that is behind only the columns its version knows (see
// docs/PROTOCOL.md, "Schema versions").
inline constexpr std::uint32_t kSchemaVersion = 5;
// The oldest schema the hub still syncs with, and a replica file still opens
// (migrated) at.
inline constexpr std::uint32_t kOldestSchemaVersion = 1;

enum class ValueType : std::uint8_t { text, integer, real };

// Which side may write: county offices, the city office, or either.
enum class Side : std::uint8_t { county = 1, city = 2, both = 3 };
bool side_allows(Side allowed, bool writer_is_city) noexcept;
// Whether a writer acting for `acting` (a side, or both) may do what
// `allowed` permits.
bool side_meets(Side allowed, Side acting) noexcept;

struct ColumnDef {
  std::string_view name;
  ValueType type;
  Side writers;
  bool immutable = false;                  // set once at creation, never changed afterwards
  std::uint32_t since = 1;                 // the schema version that added it
  bool hub_assigned = false;               // written by the hub alone (an official number); every push of it is refused
  ValueFormat format = ValueFormat::free;  // what the value must look like (shared/field_format.hpp)
  std::span<const Choice> choices = {};    // ValueFormat::choice: the values it may take
  bool required = false;                   // a row is not made without it
};

// What a text column may hold: one line of at most kSingleLineMaxChars, or
// for the few free-text columns (a summary, a note, a reason) several lines
// of at most kMultiLineMaxChars.
TextRule text_rule(const ColumnDef& column) noexcept;

// Columns that say who wrote a row or when: `writer` columns must name the
// node that writes them (the hub checks it against the certificate), `time`
// columns (ms since the epoch) may not lie ahead of the hub's clock.
enum class Attribution : std::uint8_t { none, writer, time };
Attribution attribution(const ColumnDef& column) noexcept;

// What is wrong with `value` for `column` (type, text rule, a number that is
// not finite, its format), as "'title' is 230 characters long; ...", or
// nothing.
std::optional<std::string> value_problem(const ColumnDef& column, const Value& value);

// How the hub finds the county a row belongs to.
enum class ScopeRule : std::uint8_t {
  own_column,   // a column holds the county (cases.county, receipts.county)
  parent_row,   // same scope as the parent row named by a column (notes -> case)
  target_list,  // a column lists target counties, or "all" (directives)
};

enum class TableId : std::uint8_t {
  cases = 0,
  case_notes,
  itinerary_items,
  guests,
  directives,
  directive_receipts,
  people,             // schema 2: tables are only appended (their index travels in every cell)
  settings,           // schema 3
  gifts,              // schema 3
  directive_replies,  // schema 3
  staff,              // schema 5
};
inline constexpr std::size_t kTableCount = 11;

struct TableDef {
  TableId id;
  std::string_view name;
  bool append_only;  // child records that only grow: never edited after creation
  bool city_only;    // only city nodes may write any of its rows
  ScopeRule scope_rule;
  std::uint16_t scope_column;      // index into columns
  std::optional<TableId> parent;   // for parent_row
  std::vector<ColumnDef> columns;  // column 0 is always `deleted` (tombstone)
  std::uint32_t since = 1;         // the schema version that added it

  std::optional<std::uint16_t> column_index(std::string_view column) const noexcept;
  // How many of its columns (a prefix: columns are only appended) a peer at
  // schema `version` knows; 0 when the table is newer than that.
  std::size_t columns_known_at(std::uint32_t version) const noexcept;
};

inline constexpr std::uint16_t kDeletedColumn = 0;  // row tombstone: 1 = deleted

struct Transition {
  std::string_view from;
  std::string_view to;
  Side by;
  // Fields the case must hold (not empty, not 0) once moved: no approval of
  // a trip without its publicity recorded, no "home" without the day back.
  std::vector<std::string_view> needs = {};
};

struct StatusDef {
  std::string_view name;
  bool county_editable;  // county may edit case fields while in this status
  // Fields a county still sets in a status it can't otherwise edit (a trip
  // under way records its briefing, the day back, the report).
  std::vector<std::string_view> county_may_set = {};
};

struct CaseKind {
  std::string_view name;
  std::string_view label;  // for people: "Official trip abroad"
  std::string_view initial_status;
  std::vector<std::string_view> fields;  // kind-specific columns of `cases`
  std::vector<StatusDef> statuses;
  std::vector<Transition> transitions;
  Side made_by = Side::both;  // who opens such a case (training: the city)

  const StatusDef* status(std::string_view name) const noexcept;
  const Transition* transition(std::string_view from, std::string_view to) const noexcept;
  // The side that may move a case from `from` to `to`, if any.
  std::optional<Side> transition_side(std::string_view from, std::string_view to) const noexcept;
  bool has_field(std::string_view column) const noexcept;
};

// The severities of a foreign incident, as China grades emergencies.
std::span<const Choice> incident_severities() noexcept;

// Tables whose rows belong to a case (notes, itinerary items, guests, people, gifts).
bool belongs_to_case(const TableDef& table) noexcept;
// Where such a record names its case: every one starts deleted, case_id.
inline constexpr std::uint16_t kCaseIdColumn = 1;

// Records a county keeps up to date after the case's approval, until it is
// finished: a visit's programme (not a trip's: its routes were publicised
// and approved), and the gifts of a trip or a visit.
bool kept_after_approval(TableId table, std::string_view kind) noexcept;
// Statuses in which a case is finished: nothing of it changes any more.
bool finished_status(std::string_view status) noexcept;

inline constexpr std::string_view kAllCounties = "all";  // directive target list

class Schema {
 public:
  static const Schema& get();

  std::span<const TableDef> tables() const noexcept { return tables_; }
  const TableDef& table(TableId id) const noexcept { return tables_[static_cast<std::size_t>(id)]; }
  const TableDef* find_table(std::string_view name) const noexcept;
  const TableDef* table_at(std::uint32_t index) const noexcept;
  std::span<const CaseKind> case_kinds() const noexcept { return kinds_; }
  const CaseKind* find_kind(std::string_view name) const noexcept;
  // Columns every case has, whatever its kind.
  std::span<const std::string_view> common_case_fields() const noexcept { return common_case_fields_; }

 private:
  Schema();
  std::vector<TableDef> tables_;
  std::vector<CaseKind> kinds_;
  std::vector<std::string_view> common_case_fields_;
};

}  // namespace liaison
