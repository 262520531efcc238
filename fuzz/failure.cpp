// How a fuzz target reports a broken invariant: abort by default (libFuzzer
// records the input as a crash), or whatever the replay suite installs.
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "fuzz/targets.hpp"

namespace liaison::fuzz {
namespace {

FailureHandler& handler() {
  static FailureHandler installed;
  return installed;
}

}  // namespace

void set_failure_handler(FailureHandler handler_to_install) { handler() = std::move(handler_to_install); }

void fuzz_failure(const std::string& what) {
  if (handler()) handler()(what);
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

}  // namespace liaison::fuzz
