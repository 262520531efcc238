// Case references and official numbers: the statements behind CaseRegister,
// and the hub's assignment of both when it stores a case (see
// case_register.hpp and docs/PROTOCOL.md, "References and numbers").
#include "sync/case_register.hpp"

#include <string>

#include "shared/case_ref.hpp"
#include "shared/field_format.hpp"
#include "sync/replica_impl.hpp"

namespace liaison::sync {

Status CaseRegister::prepare(sql::Database& db, bool hub) {
  if (!hub) return {};
  auto taken = db.prepare("SELECT 1 FROM cases WHERE ref = ?1 AND id <> ?2 LIMIT 1");
  if (!taken) return taken.error();
  ref_taken_ = std::move(*taken);
  auto next = db.prepare(
      "INSERT INTO _case_numbers (kind, county, year, last) VALUES (?1, ?2, ?3, 1)"
      " ON CONFLICT (kind, county, year) DO UPDATE SET last = last + 1 RETURNING last");
  if (!next) return next.error();
  next_number_ = std::move(*next);
  return {};
}

Result<bool> CaseRegister::ref_taken(std::string_view ref, const Uuid& by_other_than) {
  ref_taken_.bind(1, ref).bind_blob(2, by_other_than.bytes);
  auto row = ref_taken_.step();
  ref_taken_.reset();
  if (!row) return row.error();
  return *row;
}

Result<std::string> CaseRegister::free_ref(std::mt19937_64& rng, const Uuid& for_case) {
  for (;;) {
    std::string ref = new_case_ref(rng);
    auto taken = ref_taken(ref, for_case);
    if (!taken) return taken.error();
    if (!*taken) return ref;
  }
}

Result<std::int64_t> CaseRegister::next_number(std::string_view kind, std::string_view county, int year) {
  next_number_.bind(1, kind).bind(2, county).bind(3, std::int64_t{year});
  auto row = next_number_.step();
  if (!row) {
    next_number_.reset();
    return row.error();
  }
  const std::int64_t number = next_number_.column_int(0);
  next_number_.reset();
  return number;
}

int china_year(std::uint64_t unix_ms) { return std::stoi(china_date(unix_ms).substr(0, 4)); }

namespace {

const std::string* text_at(const StoredRow& row, std::string_view column) {
  return std::get_if<std::string>(&row.values[*Schema::get().table(TableId::cases).column_index(column)]);
}

}  // namespace

Result<std::vector<Cell>> Replica::Impl::register_case(const Uuid& id, StoredRow& row, std::uint64_t seq,
                                                       std::optional<std::uint64_t> entered_ms) {
  const auto& def = Schema::get().table(TableId::cases);
  std::vector<Cell> written;
  const auto write = [&](std::string_view column, std::string value) -> Status {
    const auto col = *def.column_index(column);
    CellMeta& m = row.meta[col];
    const Stamp old_stamp = m.present() ? stamp_of(m) : Stamp{};
    const Stamp stamp{clock.now(), options.self.str()};
    LIAISON_TRY(history.record_change(clock.wall_ms(), stamp.node, "", "", TableId::cases, id, col, row.values[col],
                                      old_stamp, Value{value}, stamp));
    row.values[col] = Value{value};
    m = CellMeta{stamp.hlc, self_ref, seq, m.hlc, m.node};
    written.push_back(Cell{TableId::cases, id, col, Value{std::move(value)}, stamp, old_stamp});
    return {};
  };
  const std::string* kind = text_at(row, "kind");
  if (!kind) return written;  // not a case anyone made: nothing to name

  const std::string* ref = text_at(row, "ref");
  bool ref_ok = ref && is_case_ref(*ref);
  if (ref_ok) {
    auto taken = case_register.ref_taken(*ref, id);
    if (!taken) return taken.error();
    ref_ok = !*taken;
  }
  if (!ref_ok) {
    auto fresh = case_register.free_ref(rng, id);
    if (!fresh) return fresh.error();
    LIAISON_TRY(write("ref", std::move(*fresh)));
  }

  const std::string* county = text_at(row, "county");
  const std::string* status = text_at(row, "status");
  if (text_at(row, "number") || !kind || !county || !status || *status == "draft") return written;
  const int year = china_year(entered_ms ? *entered_ms : clock.wall_ms());
  auto n = case_register.next_number(*kind, *county, year);
  if (!n) return n.error();
  LIAISON_TRY(write("number", options.case_numbers.format(*county, *kind, year, *n)));
  return written;
}

}  // namespace liaison::sync
