// libFuzzer entry point for fuzz_frames (fuzz build only; see targets.hpp).
#include "fuzz/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return liaison::fuzz::fuzz_frames(data, size);
}
