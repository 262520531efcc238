// The simulated world: one hub replica and client replicas (two devices of
// one county, four other counties, one city desk), each a real SQLite file,
// exchanging encoded, framed messages through a network that drops,
// duplicates, delays and reorders them and partitions nodes. The hub is the
// production HubCore: the clients connected at once share it, and pushes
// arriving in the same step are merged as one group, which the store fails
// now and then in the middle (the whole group rolls back; its clients
// resend). County clients mark directives received as the real client does.
// Nodes crash (replica closed, in-flight work lost) and restart; client
// wall clocks are skewed by minutes and jump backwards. Everything random
// comes from one seed, so a failing run replays exactly. Single-threaded.
#pragma once

#include <cstdint>
#include <string>

namespace liaison::sim {

struct SimConfig {
  std::uint64_t seed = 1;
  std::string dir;               // scratch folder for the replica files
  bool verbose = false;          // print every event
  std::string trace_row;         // print every cell of rows whose id starts with this
  std::uint64_t trace_conn = 0;  // print every message of this connection (ids as --verbose shows them)
  int fault_steps = 500;         // steps of 50 simulated ms with faults and writes
  // Clients' ClientSessionOptions::recheck_ms. 0: no rechecks and no lost
  // notifications, which replays schedules from before rechecks existed.
  std::uint64_t recheck_ms = 10'000;
  // Bound on the liveness phase: after faults stop, every replica equals the
  // hub on its scope within this many steps. It covers the longest reconnect
  // backoff (20 s), a hub restart and a client's recheck of a notification
  // that never came, with room to spare.
  int max_heal_steps = 1200;
};

struct SimReport {
  bool ok = false;
  std::string failure;  // what invariant broke, when !ok
  std::uint64_t writes = 0, messages = 0, dropped = 0, duplicated = 0, delayed = 0, crashes = 0, partitions = 0,
                conflicts = 0, rejections = 0, heal_steps = 0, notifications_lost = 0, rechecks = 0, stale_copies = 0;
  // The hub's group commits: how many, the most pushes in one, how many the
  // store failed on purpose; and the most clients connected at one step.
  std::uint64_t groups = 0, largest_group = 0, failed_groups = 0, most_connected = 0;
  std::uint64_t numbered = 0;  // cases with an official number at the hub at the end
  // Changes the hub holds whose history entry names their person; changes
  // by a viewer or a disabled account, each of which the hub refused.
  std::uint64_t staff_named = 0, staff_refused = 0;
  double notify_loss = 0;
};

SimReport run_simulation(const SimConfig& config);

}  // namespace liaison::sim
