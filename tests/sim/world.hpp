// The simulated world: one hub replica and client replicas (two devices of
// one county, four other counties, one city desk), each a real SQLite file,
// exchanging encoded, framed messages through a network that drops,
// duplicates, delays and reorders them and partitions nodes. Nodes crash
// (replica closed, in-flight work lost) and restart; client wall clocks are
// skewed by minutes and jump backwards. Everything random comes from one
// seed, so a failing run replays exactly. Single-threaded.
#pragma once

#include <cstdint>
#include <string>

namespace liaison::sim {

struct SimConfig {
  std::uint64_t seed = 1;
  std::string dir;           // scratch folder for the replica files
  bool verbose = false;      // print every event
  std::string trace_row;     // print every cell of rows whose id starts with this
  int fault_steps = 500;     // steps of 50 simulated ms with faults and writes
  int max_heal_steps = 6000; // bound on the liveness phase
};

struct SimReport {
  bool ok = false;
  std::string failure;  // what invariant broke, when !ok
  std::uint64_t writes = 0, messages = 0, dropped = 0, duplicated = 0, delayed = 0, crashes = 0,
                partitions = 0, conflicts = 0, rejections = 0, heal_steps = 0;
};

SimReport run_simulation(const SimConfig& config);

}  // namespace liaison::sim
