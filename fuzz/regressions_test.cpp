// Replays the seed corpus and every saved crash input (fuzz/regressions/) of
// each fuzz target through the same functions libFuzzer drives, in the
// normal and the sanitizer builds: an input that once broke a target stays a
// test. A broken invariant fails the check naming the file.
#include "fuzz/targets.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "sync/codec.hpp"

namespace liaison::fuzz {
namespace {

namespace fs = std::filesystem;
using Target = int (*)(const std::uint8_t*, std::size_t);

const fs::path kFuzzDir = LIAISON_FUZZ_DIR;

struct InvariantBroken : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot read " << path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The inputs of one target, sorted so that failures are reported stably.
std::vector<fs::path> inputs_of(const char* folder, const char* target) {
  std::vector<fs::path> out;
  const fs::path dir = kFuzzDir / folder / target;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Runs every input, each after `before_each`; returns how many ran.
std::size_t replay(const char* target, Target run, void (*before_each)() = nullptr) {
  set_failure_handler([](const std::string& what) { throw InvariantBroken(what); });
  std::size_t count = 0;
  for (const char* folder : {"corpus", "regressions"}) {
    for (const fs::path& path : inputs_of(folder, target)) {
      const std::vector<std::uint8_t> bytes = read_bytes(path);
      CAPTURE(path.string());
      if (before_each != nullptr) before_each();
      CHECK_NOTHROW(run(bytes.data(), bytes.size()));
      ++count;
    }
  }
  set_failure_handler(nullptr);
  return count;
}

}  // namespace

TEST_CASE("frames: the seed corpus and saved crash inputs replay cleanly") {
  CHECK(replay("frames", fuzz_frames) >= 5);
}

TEST_CASE("messages: the seed corpus and saved crash inputs replay cleanly") {
  CHECK(replay("messages", fuzz_messages) >= 10);
}

TEST_CASE("merge: the seed corpus and saved crash inputs replay cleanly") {
  CHECK(replay("merge", fuzz_merge, reset_merge_replicas) >= 3);
  set_failure_handler([](const std::string& what) { throw InvariantBroken(what); });
  CHECK_NOTHROW(check_merge_integrity());
  set_failure_handler(nullptr);
}

// Seeds that no longer decode would waste the fuzzer's time on the first
// byte: regenerate them (liaison-fuzz-corpus fuzz/corpus) when the protocol
// changes.
TEST_CASE("corpus: every seed message decodes with the current protocol") {
  const auto seeds = inputs_of("corpus", "messages");
  std::vector<bool> types_seen(11, false);
  for (const fs::path& path : seeds) {
    if (path.extension() != ".msgpack") continue;  // inputs merged in by libFuzzer may be anything
    const std::vector<std::uint8_t> bytes = read_bytes(path);
    auto message = sync::decode(bytes);
    CHECK_MESSAGE(message.ok(), path.string() << ": " << (message ? std::string() : message.error().message));
    if (message) types_seen[static_cast<std::size_t>(sync::type_of(*message))] = true;
  }
  for (std::size_t type = 1; type < types_seen.size(); ++type) {
    CAPTURE(sync::message_name(static_cast<sync::MessageType>(type)));
    CHECK(types_seen[type]);
  }
}

}  // namespace liaison::fuzz
