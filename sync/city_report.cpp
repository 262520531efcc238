// The city's consolidated report; what each figure counts is in
// city_report.hpp. One pass over the cases opened in the period (through
// the id index: ids begin with their creation time) and one over the
// trips, visits and incidents by their own days; people are counted
// through their case's index.
#include "sync/city_report.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include "shared/field_format.hpp"
#include "shared/node_id.hpp"
#include "shared/schema.hpp"
#include "sync/directives.hpp"
#include "sync/review.hpp"
#include "sync/replica_impl.hpp"

namespace liaison::sync {
namespace {

enum class Standing { pending, approved, rejected, closed };

// The statuses a case of `kind` reaches through its approval and holds
// while the approved work goes on (a trip: briefed, travelling, home,
// reported): every status reachable from "approved" that is not finished.
std::set<std::string_view> approved_statuses(const CaseKind& kind) {
  std::set<std::string_view> out;
  if (!kind.status("approved")) return out;
  std::vector<std::string_view> todo = {"approved"};
  while (!todo.empty()) {
    const auto status = todo.back();
    todo.pop_back();
    if (finished_status(status) || !out.insert(status).second) continue;
    for (const auto& t : kind.transitions)
      if (t.from == status) todo.push_back(t.to);
  }
  return out;
}

// The six counties in their order, then the city: the report's row order.
int county_rank(std::string_view county) {
  for (std::size_t i = 0; i < kCounties.size(); ++i)
    if (kCounties[i] == county) return static_cast<int>(i);
  return static_cast<int>(kCounties.size());
}

std::string text_at(const sql::Statement& st, int column) {
  return st.column_is_null(column) ? std::string() : st.column_text(column);
}

double number_at(const sql::Statement& st, int column) {
  const Value value = st.column_value(column);
  if (const auto* real = std::get_if<double>(&value)) return *real;
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return static_cast<double>(*integer);
  return 0.0;
}

class ReportBuilder {
 public:
  ReportBuilder(Replica& replica, Replica::Impl& impl, ReportQuery query) : replica_(replica), I(impl) {
    report_.query = std::move(query);
    for (const auto& kind : Schema::get().case_kinds()) approved_[std::string(kind.name)] = approved_statuses(kind);
    status_column_ = *Schema::get().table(TableId::cases).column_index("status");
  }

  Result<CityReport> build() {
    LIAISON_TRY(prepare());
    LIAISON_TRY(count_opened());
    LIAISON_TRY(count_by_own_days());
    LIAISON_TRY(count_directives());
    sort_rows();
    return std::move(report_);
  }

 private:
  bool wanted(std::string_view county) const {
    const auto& counties = report_.query.counties;
    return std::find(counties.begin(), counties.end(), county) != counties.end();
  }

  Status prepare() {
    auto rejected = I.db->prepare(
        "SELECT 1 FROM _history WHERE row = ? AND tbl = 0 AND col = ? AND new_value = 'rejected' LIMIT 1");
    auto people = I.db->prepare("SELECT count(*) FROM people WHERE case_id = ? AND COALESCE(deleted, 0) = 0");
    auto guests = I.db->prepare("SELECT count(*) FROM guests WHERE case_id = ? AND COALESCE(deleted, 0) = 0");
    for (auto* st : {&rejected, &people, &guests})
      if (!*st) return st->error();
    was_rejected_ = std::move(*rejected);
    people_ = std::move(*people);
    guests_ = std::move(*guests);
    return {};
  }

  // Whether the hub's history saw the case rejected (a case closed after a
  // rejection is counted as rejected, not approved).
  Result<bool> ever_rejected(std::span<const std::uint8_t> id) {
    was_rejected_.bind_blob(1, id).bind(2, static_cast<std::int64_t>(status_column_));
    auto found = was_rejected_.step();
    was_rejected_.reset();
    if (!found) return found.error();
    return *found;
  }

  Result<Standing> standing(std::span<const std::uint8_t> id, const std::string& kind, const std::string& status) {
    if (status == "rejected") return Standing::rejected;
    static const std::set<std::string_view> kNone;
    const auto found = approved_.find(kind);
    const auto& approved = found == approved_.end() ? kNone : found->second;
    if (approved.count(status)) return Standing::approved;
    if (status == "closed" && !approved.empty()) {
      auto rejected = ever_rejected(id);
      if (!rejected) return rejected.error();
      return *rejected ? Standing::rejected : Standing::approved;
    }
    return finished_status(status) ? Standing::closed : Standing::pending;
  }

  Result<std::int64_t> count_of(sql::Statement& st, std::string_view case_id) {
    st.bind(1, case_id);
    auto row = st.step();
    const std::int64_t n = row && *row ? st.column_int(0) : 0;
    st.reset();
    if (!row) return row.error();
    return n;
  }

  Status count_opened() {
    const auto& q = report_.query;
    const auto lo = uuid_v7_prefix(china_day_start_ms(q.from_day));
    const auto hi = uuid_v7_prefix(china_day_start_ms(date_after(q.to_day, 1)));
    auto st = I.db->prepare(
        "SELECT id, county, kind, status, amount, currency FROM cases"
        " WHERE id >= ? AND id < ? AND COALESCE(deleted, 0) = 0 AND kind IS NOT NULL");
    if (!st) return st.error();
    st->bind_blob(1, lo).bind_blob(2, hi);
    std::map<std::pair<std::string, std::string>, CaseCounts> counts;
    std::map<std::pair<std::string, std::string>, DonationSums> donations;
    LIAISON_TRY(st->for_each_row([&]() -> Status {
      const std::string county = text_at(*st, 1), kind = text_at(*st, 2);
      if (!wanted(county) || kind == "passport") return {};
      const auto id = st->column_blob(0);
      auto where = standing(id, kind, text_at(*st, 3));
      if (!where) return where.error();
      auto& c = counts[{county, kind}];
      c.county = county, c.kind = kind;
      ++c.opened;
      switch (*where) {
        case Standing::pending: ++c.pending; break;
        case Standing::approved: ++c.approved; break;
        case Standing::rejected: ++c.rejected; break;
        case Standing::closed: ++c.closed; break;
      }
      if (kind == "donation" && *where == Standing::approved) {
        const std::string currency = text_at(*st, 5);
        auto& d = donations[{county, currency}];
        d.county = county, d.currency = currency;
        ++d.donations;
        d.amount += number_at(*st, 4);
      }
      return {};
    }));
    for (auto& [key, c] : counts) report_.cases.push_back(std::move(c));
    for (auto& [key, d] : donations) report_.donations.push_back(std::move(d));
    return {};
  }

  // Trips by their departure, visits by their first day, incidents by the
  // day they occurred: one scan of those kinds.
  Status count_by_own_days() {
    const auto& q = report_.query;
    auto st = I.db->prepare(
        "SELECT id, county, kind, status, destination, depart_on, visit_from, participants, occurred_on, severity"
        " FROM cases WHERE kind IN ('outbound_trip', 'delegation_visit', 'foreign_invitation', 'foreign_incident')"
        " AND COALESCE(deleted, 0) = 0");
    if (!st) return st.error();
    std::map<std::pair<std::string, std::string>, TripCounts> trips;
    std::map<std::string, VisitCounts> visits;
    std::map<std::pair<std::string, std::string>, IncidentCounts> incidents;
    const auto in_period = [&](const std::string& day) { return !day.empty() && day >= q.from_day && day <= q.to_day; };
    LIAISON_TRY(st->for_each_row([&]() -> Status {
      const std::string county = text_at(*st, 1), kind = text_at(*st, 2), status = text_at(*st, 3);
      if (!wanted(county)) return {};
      const auto id_blob = st->column_blob(0);
      const Uuid id = Uuid::from_bytes(id_blob.data());
      if (kind == "foreign_incident") {
        std::string day = text_at(*st, 8);
        if (day.empty())
          if (const auto opened = uuid_v7_ms(id)) day = china_date(*opened);
        if (!in_period(day)) return {};
        const std::string severity = text_at(*st, 9);
        auto& c = incidents[{county, severity}];
        c.county = county, c.severity = severity;
        ++c.incidents;
        return {};
      }
      const bool trip = kind == "outbound_trip";
      if (!in_period(text_at(*st, trip ? 5 : 6))) return {};
      auto where = standing(id_blob, kind, status);
      if (!where) return where.error();
      if (*where != Standing::approved) return {};
      auto people = count_of(people_, id.to_string());
      if (!people) return people.error();
      if (trip) {
        std::set<std::string> countries;
        for (auto& country : destination_countries(text_at(*st, 4))) countries.insert(std::move(country));
        if (countries.empty()) countries.insert("");
        for (const auto& country : countries) {
          auto& t = trips[{county, country}];
          t.county = county, t.country = country;
          ++t.trips;
          t.person_trips += *people;
        }
        return {};
      }
      auto guests = count_of(guests_, id.to_string());
      if (!guests) return guests.error();
      std::int64_t visitors = *people + *guests;
      if (visitors == 0 && !st->column_is_null(7)) visitors = st->column_int(7);
      auto& v = visits[county];
      v.county = county;
      ++v.visits;
      v.visitors += visitors;
      return {};
    }));
    for (auto& [key, t] : trips) report_.trips.push_back(std::move(t));
    for (auto& [key, v] : visits) report_.visits.push_back(std::move(v));
    for (auto& [key, c] : incidents) report_.incidents.push_back(std::move(c));
    return {};
  }

  Status count_directives() {
    const auto& q = report_.query;
    auto st = I.db->prepare(
        "SELECT id, due_on, withdrawn FROM directives WHERE issued_at >= ? AND issued_at < ?"
        " AND COALESCE(deleted, 0) = 0 AND reminds IS NULL");
    if (!st) return st.error();
    st->bind(1, static_cast<std::int64_t>(china_day_start_ms(q.from_day)))
        .bind(2, static_cast<std::int64_t>(china_day_start_ms(date_after(q.to_day, 1))));
    std::map<std::string, DirectiveCounts> counts;
    LIAISON_TRY(st->for_each_row([&]() -> Status {
      const Uuid id = Uuid::from_bytes(st->column_blob(0).data());
      const std::string due = text_at(*st, 1);
      const bool withdrawn = !st->column_is_null(2) && st->column_int(2) != 0;
      // Answered as the receipt matrix says: acknowledged or replied, to
      // the directive or to one of its reminders.
      auto directive = replica_.get(TableId::directives, id);
      if (!directive) return directive.error();
      if (!*directive) return {};
      auto not_answered = counties_not_answered(replica_, **directive);
      if (!not_answered) return not_answered.error();
      for (const auto county : kCounties) {
        if (!wanted(county) || !scope_visible((*directive)->scope, county)) continue;
        auto& c = counts[std::string(county)];
        c.county = county;
        ++c.issued;
        if (std::find(not_answered->begin(), not_answered->end(), county) == not_answered->end())
          ++c.answered;
        else if (!withdrawn && !due.empty() && due < q.today)
          ++c.overdue;
      }
      return {};
    }));
    for (auto& [key, c] : counts) report_.directives.push_back(std::move(c));
    return {};
  }

  void sort_rows() {
    const auto by = [](auto key) {
      return [key](const auto& a, const auto& b) {
        return std::tuple(county_rank(a.county), key(a)) < std::tuple(county_rank(b.county), key(b));
      };
    };
    std::stable_sort(report_.cases.begin(), report_.cases.end(), by([](const CaseCounts& c) { return c.kind; }));
    std::stable_sort(report_.trips.begin(), report_.trips.end(), by([](const TripCounts& c) { return c.country; }));
    std::stable_sort(report_.visits.begin(), report_.visits.end(), by([](const VisitCounts&) { return 0; }));
    std::stable_sort(report_.incidents.begin(), report_.incidents.end(),
                     by([](const IncidentCounts& c) { return c.severity; }));
    std::stable_sort(report_.donations.begin(), report_.donations.end(),
                     by([](const DonationSums& c) { return c.currency; }));
    std::stable_sort(report_.directives.begin(), report_.directives.end(),
                     by([](const DirectiveCounts&) { return 0; }));
  }

  Replica& replica_;
  Replica::Impl& I;
  CityReport report_;
  std::map<std::string, std::set<std::string_view>, std::less<>> approved_;
  std::uint16_t status_column_ = 0;
  sql::Statement was_rejected_, people_, guests_;
};

}  // namespace

Result<CityReport> city_report(Replica& replica, ReportQuery query) {
  if (query.counties.empty()) {
    query.counties.assign(kCounties.begin(), kCounties.end());
    query.counties.emplace_back(kCityScope);
  }
  auto& I = *replica.impl_;
  // One read transaction: every figure from the same state of the file.
  LIAISON_TRY(I.db->exec("BEGIN"));
  auto report = ReportBuilder(replica, I, std::move(query)).build();
  (void)I.db->exec("COMMIT");
  return report;
}

}  // namespace liaison::sync
