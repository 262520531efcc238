// Alerts for the city: foreign incidents reported by a county that the city
// has not acknowledged yet, most severe first, with how long ago the first
// report was made. And the labels of an incident's reports (首报, 续报一 ...
// 终报). Read from a replica; not thread-safe, like the replica.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/command.hpp"
#include "shared/error.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

// The label of an incident's report after `earlier` reports: 首报, then
// 续报一, 续报二 ..., or 终报 for the final one (首报暨终报: the first is also
// the last).
std::string report_label(int earlier, bool final_report);

struct Alert {
  Uuid id;
  std::string ref, county, title, severity;
  std::uint64_t first_report_ms = 0;  // when the first report was written
  int reports = 0;                    // how many reports so far
};

Result<std::vector<Alert>> find_alerts(Replica& replica);

// As both programs show them: a table (or "no incident awaits..."), and for
// --json an array of {id, ref, county, title, severity, first_report_at,
// minutes_ago, reports}.
cli::Report alerts_report(const std::vector<Alert>& alerts, std::uint64_t now_ms);

}  // namespace liaison::sync
