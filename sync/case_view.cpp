// How a case is placed among the counties (sync/case_view.hpp).
#include "sync/case_view.hpp"

#include "shared/node_id.hpp"

namespace liaison::sync {

bool case_involves(const Row& case_row, std::string_view county) {
  if (county == kCityScope) return to_display(case_row["county"]) == kCityScope;
  return scope_visible(case_row.scope, county);
}

std::string case_place(const Row& case_row) {
  std::string place = to_display(case_row["county"]);
  const std::string also = to_display(case_row["also_counties"]);
  for (std::size_t start = 0; !also.empty() && start <= also.size();) {
    const auto end = std::min(also.find(',', start), also.size());
    place += "+" + also.substr(start, end - start);
    start = end + 1;
  }
  return place;
}

}  // namespace liaison::sync
