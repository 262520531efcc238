// liaison-sim: runs the deterministic simulation for one or many seeds.
//   liaison-sim --seed S [--verbose]      replay one seed exactly
//   liaison-sim --seeds N [--first-seed F] run seeds F..F+N-1
//   liaison-sim --seeds N --random-first-seed  a new block each run (CI), its first seed printed
#include <cstdlib>
#include <random>
#include <filesystem>
#include <iostream>
#include <string>

#include <unistd.h>

#include "world.hpp"

namespace {

int usage(const std::string& why) {
  std::cerr << "liaison-sim: " << why << "\n"
            << "usage: liaison-sim [--seed S | --seeds N [--first-seed F | --random-first-seed]] [--steps N] "
               "[--verbose] [--trace-row ID-PREFIX] [--trace-conn N] [--recheck-ms N] [--keep]\n";
  return 2;
}

bool parse_number(const char* text, std::uint64_t& out) {
  char* end = nullptr;
  out = std::strtoull(text, &end, 10);
  return end && *end == '\0' && end != text;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t first = 1, count = 1, steps = 500;
  bool verbose = false, keep = false;
  std::string trace_row;
  std::uint64_t trace_conn = 0;
  std::uint64_t recheck_ms = liaison::sim::SimConfig{}.recheck_ms;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seed" && has_value) {
      if (!parse_number(argv[++i], first)) return usage("--seed needs a number");
      count = 1;
    } else if (arg == "--seeds" && has_value) {
      if (!parse_number(argv[++i], count) || count == 0) return usage("--seeds needs a positive number");
    } else if (arg == "--first-seed" && has_value) {
      if (!parse_number(argv[++i], first)) return usage("--first-seed needs a number");
    } else if (arg == "--random-first-seed") {
      // Above every fixed range CI and earlier explorations ran (all below 10^7).
      first = 10'000'000 + std::random_device{}() % 4'000'000'000ull;
      std::cout << "random block: first seed " << first << " (replay one: liaison-sim --seed S)\n";
    } else if (arg == "--steps" && has_value) {
      if (!parse_number(argv[++i], steps)) return usage("--steps needs a number");
    } else if (arg == "--trace-row" && has_value) {
      trace_row = argv[++i];
    } else if (arg == "--trace-conn" && has_value) {
      if (!parse_number(argv[++i], trace_conn) || trace_conn == 0)
        return usage("--trace-conn needs a connection number");
    } else if (arg == "--recheck-ms" && has_value) {
      if (!parse_number(argv[++i], recheck_ms)) return usage("--recheck-ms needs a number of milliseconds (0: none)");
    } else if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "--keep") {
      keep = true;
    } else {
      return usage("unknown argument '" + arg + "'");
    }
  }
  namespace fs = std::filesystem;
  std::uint64_t passed = 0, failed = 0;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const fs::path dir =
        fs::temp_directory_path() / ("liaison-sim-" + std::to_string(::getpid()) + "-" + std::to_string(seed));
    fs::remove_all(dir);
    fs::create_directories(dir);
    liaison::sim::SimConfig config;
    config.seed = seed;
    config.dir = dir.string();
    config.verbose = verbose;
    config.trace_row = trace_row;
    config.trace_conn = trace_conn;
    config.recheck_ms = recheck_ms;
    config.fault_steps = static_cast<int>(steps);
    liaison::sim::SimReport r;
    try {
      r = liaison::sim::run_simulation(config);
    } catch (const std::exception& e) {
      r.failure = std::string("exception: ") + e.what();
    }
    std::cout << (r.ok ? "ok   " : "FAIL ") << "seed " << seed << ": writes=" << r.writes << " messages=" << r.messages
              << " dropped=" << r.dropped << " duplicated=" << r.duplicated << " delayed=" << r.delayed
              << " crashes=" << r.crashes << " partitions=" << r.partitions << " conflicts=" << r.conflicts
              << " rejections=" << r.rejections << " heal_steps=" << r.heal_steps
              << " notify_loss=" << static_cast<int>(r.notify_loss * 100) << "% lost=" << r.notifications_lost
              << " rechecks=" << r.rechecks << " stale_copies=" << r.stale_copies << " groups=" << r.groups
              << " largest_group=" << r.largest_group << " failed_groups=" << r.failed_groups
              << " most_connected=" << r.most_connected << " numbered=" << r.numbered
              << " staff_named=" << r.staff_named << " staff_refused=" << r.staff_refused << "\n";
    if (!r.ok) {
      std::cout << "     " << r.failure << "\n     replay: liaison-sim --seed " << seed << " --steps " << steps
                << " --verbose\n";
      ++failed;
    } else {
      ++passed;
    }
    if (!keep || r.ok) fs::remove_all(dir);
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
