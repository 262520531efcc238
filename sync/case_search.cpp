// The full-text index of cases; see case_search.hpp.
#include "sync/case_search.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

#include "shared/field_format.hpp"
#include "shared/text.hpp"

namespace liaison::sync {
namespace {

// What people search a case by: its words, names and numbers.
constexpr std::array<std::string_view, 23> kSearchedColumns = {
    "ref",         "number",       "title",       "summary", "applicant",    "destination", "purpose",     "invitee",
    "nationality", "organisation", "passport_no", "holder",  "partner_city", "country",     "person",      "matter",
    "location",    "donor",        "partner",     "sector",  "course",       "letter_no",   "province_ref"};
// The days a case spans, besides the day it was opened.
constexpr std::array<std::string_view, 9> kDayColumns = {
    "depart_on", "return_on", "visit_from", "visit_to", "event_on", "occurred_on", "starts_on", "issued_on", "back_on"};

const std::string* text_in(const std::vector<Value>& values, std::string_view column) {
  const auto index = Schema::get().table(TableId::cases).column_index(column);
  return index && *index < values.size() ? std::get_if<std::string>(&values[*index]) : nullptr;
}

void append(std::string& body, std::string_view text) {
  if (text.empty()) return;
  // A line per value: a word never runs from one field into the next.
  if (!body.empty()) body += '\n';
  body += text;
}

// A word as an FTS5 phrase: quoted, its quotes doubled.
std::string phrase(std::string_view word) {
  std::string out = "\"";
  for (const char c : word) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A word as a LIKE pattern matching it anywhere, its wildcards escaped.
std::string anywhere(std::string_view word) {
  std::string out = "%";
  for (const char c : word) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

}  // namespace

Status CaseSearchIndex::prepare(sql::Database& db) {
  db_ = &db;
  auto exists = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = '_case_search'");
  if (!exists) return exists.error();
  auto row = exists->step();
  if (!row) return row.error();
  const bool created = !*row || exists->column_int(0) == 0;
  exists->reset();
  // opened_on: the day the case was made; first_day, last_day: the days
  // its dates span (a trip's departure to its return), all YYYY-MM-DD.
  if (created)
    LIAISON_TRY(
        db.exec("CREATE VIRTUAL TABLE _case_search USING fts5(body, opened_on UNINDEXED, first_day UNINDEXED,"
                " last_day UNINDEXED, tokenize = 'trigram');"
                "CREATE TABLE IF NOT EXISTS _search_dirty (id BLOB PRIMARY KEY) WITHOUT ROWID;"
                "DELETE FROM _search_dirty;"
                "DELETE FROM _meta WHERE key = '" +
                std::string(meta_key::kSearchIndexedThrough) + "';"));
  auto through = db.prepare("SELECT value FROM _meta WHERE key = ?");
  auto set_through =
      db.prepare("INSERT INTO _meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  auto new_cases = db.prepare("SELECT rowid, id FROM cases WHERE rowid > ? ORDER BY rowid LIMIT ?");
  auto mark = db.prepare("INSERT OR IGNORE INTO _search_dirty (id) VALUES (?)");
  // In the order of the cases' rowids, which are the index's: FTS5 keeps
  // ascending inserts in memory until the commit, and writes its buffer out
  // at every insert below the last (or delete of a row it holds).
  auto marked =
      db.prepare("SELECT d.id FROM _search_dirty d CROSS JOIN cases c ON c.id = d.id ORDER BY c.rowid LIMIT ?");
  auto indexed = db.prepare("SELECT 1 FROM _case_search WHERE rowid = ?");
  auto unmark = db.prepare("DELETE FROM _search_dirty WHERE id = ?");
  auto remove = db.prepare("DELETE FROM _case_search WHERE rowid = ?");
  auto insert =
      db.prepare("INSERT INTO _case_search (rowid, body, opened_on, first_day, last_day) VALUES (?, ?, ?, ?, ?)");
  auto people = db.prepare("SELECT name, name_latin, passport_no FROM people WHERE case_id = ? AND deleted IS NOT 1");
  auto guests = db.prepare("SELECT name, organisation FROM guests WHERE case_id = ? AND deleted IS NOT 1");
  auto case_by_id = db.prepare("SELECT rowid, * FROM cases WHERE id = ?");
  for (auto* st : {&through, &set_through, &new_cases, &mark, &marked, &indexed, &unmark, &remove, &insert, &people,
                   &guests, &case_by_id})
    if (!*st) return st->error();
  through_ = std::move(*through);
  set_through_ = std::move(*set_through);
  new_cases_ = std::move(*new_cases);
  mark_ = std::move(*mark);
  marked_ = std::move(*marked);
  indexed_ = std::move(*indexed);
  unmark_ = std::move(*unmark);
  remove_ = std::move(*remove);
  insert_ = std::move(*insert);
  people_ = std::move(*people);
  guests_ = std::move(*guests);
  case_by_id_ = std::move(*case_by_id);
  return reload();
}

Status CaseSearchIndex::reload() {
  if (!db_) return {};
  through_.bind(1, meta_key::kSearchIndexedThrough);
  auto row = through_.step();
  if (!row) return row.error();
  indexed_through_ = 0;
  if (*row) {
    const std::string text = through_.column_text(0);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), indexed_through_);
    if (ec != std::errc() || end != text.data() + text.size()) indexed_through_ = 0;  // damaged: index all again
  }
  through_.reset();
  return {};
}

Status CaseSearchIndex::mark(const Uuid& id) {
  mark_.bind_blob(1, id.bytes);
  return mark_.run();
}

Status CaseSearchIndex::stored_case(std::int64_t rowid, const Uuid& id) {
  return rowid <= indexed_through_ ? mark(id) : Status{};  // a new one is indexed by its rowid
}

Status CaseSearchIndex::stored_record(const Value& case_id) {
  const auto* text = std::get_if<std::string>(&case_id);
  const auto id = text ? Uuid::parse(*text) : std::nullopt;
  return id ? mark(*id) : Status{};  // a record without a case is found by nothing
}

Result<bool> CaseSearchIndex::behind() {
  new_cases_.bind(1, indexed_through_).bind(2, std::int64_t{1});
  auto fresh = new_cases_.step();
  new_cases_.reset();
  if (!fresh) return fresh.error();
  if (*fresh) return true;
  marked_.bind(1, std::int64_t{1});
  auto row = marked_.step();
  marked_.reset();
  if (!row) return row.error();
  return *row;
}

Result<std::size_t> CaseSearchIndex::catch_up(std::size_t max_cases) {
  const std::int64_t budget = max_cases ? static_cast<std::int64_t>(max_cases) : -1;
  std::vector<Uuid> fresh, changed;
  std::int64_t through = indexed_through_;
  new_cases_.bind(1, indexed_through_).bind(2, budget);
  LIAISON_TRY(new_cases_.for_each_row([&]() -> Status {
    through = new_cases_.column_int(0);
    if (const auto id = new_cases_.column_uuid(1)) fresh.push_back(*id);
    return {};
  }));
  const std::size_t left = max_cases ? max_cases - fresh.size() : 0;
  if (!max_cases || left > 0) {
    marked_.bind(1, max_cases ? static_cast<std::int64_t>(left) : std::int64_t{-1});
    LIAISON_TRY(marked_.for_each_row([&]() -> Status {
      if (const auto id = marked_.column_uuid(0)) changed.push_back(*id);
      return {};
    }));
  }
  for (const Uuid& id : fresh) LIAISON_TRY(index_case(id));
  if (through != indexed_through_) {
    set_through_.bind(1, meta_key::kSearchIndexedThrough).bind(2, std::to_string(through));
    LIAISON_TRY(set_through_.run());
    indexed_through_ = through;
  }
  for (const Uuid& id : changed) {
    LIAISON_TRY(index_case(id));
    unmark_.bind_blob(1, id.bytes);
    LIAISON_TRY(unmark_.run());
  }
  return fresh.size() + changed.size();
}

Status CaseSearchIndex::index_case(const Uuid& id) {
  case_by_id_.bind_blob(1, id.bytes);
  auto found = case_by_id_.step();
  if (!found) return found.error();
  if (!*found) {
    case_by_id_.reset();
    return {};  // a person whose case has not arrived yet: indexed when it does
  }
  const std::int64_t rowid = case_by_id_.column_int(0);
  const auto& columns = Schema::get().table(TableId::cases).columns;
  std::vector<Value> values(columns.size());
  // SELECT rowid, *: rowid, id, then the schema's columns in order.
  for (std::size_t i = 0; i < columns.size(); ++i) values[i] = case_by_id_.column_value(static_cast<int>(i) + 2);
  case_by_id_.reset();

  indexed_.bind(1, rowid);
  auto was_indexed = indexed_.step();
  indexed_.reset();
  if (!was_indexed) return was_indexed.error();
  if (*was_indexed) {
    remove_.bind(1, rowid);
    LIAISON_TRY(remove_.run());
  }
  const auto deleted_column = *Schema::get().table(TableId::cases).column_index("deleted");
  if (const auto* deleted = std::get_if<std::int64_t>(&values[deleted_column]); deleted && *deleted != 0) return {};
  std::string body;
  for (const auto column : kSearchedColumns)
    if (const auto* text = text_in(values, column)) append(body, *text);
  const std::string case_id = id.to_string();
  for (auto* records : {&people_, &guests_}) {
    records->bind(1, std::string_view(case_id));
    LIAISON_TRY(records->for_each_row([&]() -> Status {
      for (int i = 0; i < 3 && !records->column_is_null(i); ++i) append(body, records->column_text(i));
      return {};
    }));
  }
  std::string opened, first, last;
  if (const auto ms = uuid_v7_ms(id)) opened = china_date(*ms);
  for (const auto column : kDayColumns)
    if (const auto* day = text_in(values, column); day && is_calendar_date(*day)) {
      first = first.empty() ? *day : std::min(first, *day);
      last = std::max(last, *day);
    }
  insert_.bind(1, rowid).bind(2, std::string_view(body)).bind(3, std::string_view(opened));
  insert_.bind(4, std::string_view(first)).bind(5, std::string_view(last));
  return insert_.run();
}

Result<std::vector<Uuid>> CaseSearchIndex::find(const CaseSearch& query) {
  // Words of three characters or more go through the trigram index; a
  // shorter one (a two-character name, 李明) can only be scanned for.
  std::string match, sql = "SELECT c.id FROM _case_search s JOIN cases c ON c.rowid = s.rowid WHERE 1";
  std::vector<std::string> patterns;
  for (const auto& word : query.words) {
    if (count_chars(word) >= 3)
      match += (match.empty() ? "" : " ") + phrase(word);
    else
      patterns.push_back(anywhere(word));
  }
  if (!match.empty()) sql += " AND _case_search MATCH ?1";
  for (std::size_t i = 0; i < patterns.size(); ++i)
    sql += " AND s.body LIKE ?" + std::to_string(i + 5) + " ESCAPE '\\'";
  // In the days: opened in them, or its own dates meet them.
  if (!query.from_day.empty() || !query.to_day.empty()) {
    const std::string from = query.from_day.empty() ? "" : " >= ?2", to = query.to_day.empty() ? "" : " <= ?3";
    const auto both = [&](const char* column) {
      std::string test;
      if (!from.empty()) test += std::string(column) + from;
      if (!to.empty()) test += (test.empty() ? "" : " AND ") + std::string(column) + to;
      return test;
    };
    sql += " AND ((s.opened_on != '' AND " + both("s.opened_on") + ") OR (s.first_day != ''" +
           (from.empty() ? "" : " AND s.last_day" + from) + (to.empty() ? "" : " AND s.first_day" + to) + "))";
  }
  sql += " ORDER BY s.rowid DESC LIMIT ?4";
  auto st = db_->prepare(sql);
  if (!st) return st.error();
  if (!match.empty()) st->bind(1, std::string_view(match));
  if (!query.from_day.empty()) st->bind(2, std::string_view(query.from_day));
  if (!query.to_day.empty()) st->bind(3, std::string_view(query.to_day));
  st->bind(4, static_cast<std::int64_t>(query.limit ? query.limit : -1));
  for (std::size_t i = 0; i < patterns.size(); ++i) st->bind(static_cast<int>(i) + 5, std::string_view(patterns[i]));
  std::vector<Uuid> ids;
  LIAISON_TRY(st->for_each_row([&]() -> Status {
    if (const auto id = st->column_uuid(0)) ids.push_back(*id);
    return {};
  }));
  return ids;
}

}  // namespace liaison::sync
