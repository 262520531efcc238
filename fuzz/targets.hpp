// The fuzz targets as plain functions, so that the same code runs under
// libFuzzer (fuzz/libfuzzer_*.cpp, clang build) and in the doctest suite that
// replays the seed corpus and every saved crash (regressions_test.cpp, any
// compiler). Each takes arbitrary bytes and returns 0; a broken invariant is
// reported through fuzz_failure(), never by a return value, so that libFuzzer
// sees a crash and the replay suite sees a failed check.
//
// Not thread-safe: fuzz_merge keeps scratch replicas for the whole process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace liaison::fuzz {

// The wall clock of fuzz_merge's scratch replicas, and the time the seed
// corpus is stamped at, so that seeds are judged as fresh writes.
inline constexpr std::uint64_t kFuzzWallMs = 1'760'000'000'000;

// FrameDecoder over a byte stream cut into input-chosen chunks. Input:
// [limit+chunking seed byte][stream bytes...].
int fuzz_frames(const std::uint8_t* data, std::size_t size);
// sync::decode on the input as one message; what decodes must re-encode to
// an equal message.
int fuzz_messages(const std::uint8_t* data, std::size_t size);
// Decodes the input as one message; a Push goes to a scratch hub through
// HubSession (Hello first), Changes and PushAck to a scratch client replica,
// as the programs do; then checks that the replicas stay consistent.
int fuzz_merge(const std::uint8_t* data, std::size_t size);
// PRAGMA integrity_check on fuzz_merge's scratch replicas (it runs it every
// few hundred inputs itself); a failure is reported through fuzz_failure().
void check_merge_integrity();
// Starts fuzz_merge over with empty replicas, so that an input replayed on
// its own sees what it saw when libFuzzer ran it first in a fresh process.
void reset_merge_replicas();

// What a broken invariant does. The default prints `what` and aborts (a
// crash for libFuzzer); the replay suite installs a handler that throws.
using FailureHandler = std::function<void(const std::string& what)>;
void set_failure_handler(FailureHandler handler);
[[noreturn]] void fuzz_failure(const std::string& what);

}  // namespace liaison::fuzz
