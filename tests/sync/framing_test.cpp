// Tests for stream framing: frames survive any split of the byte stream, and
// an oversize length is refused before anything is allocated for it.
#include "sync/framing.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace liaison::sync {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::vector<Bytes> drain(FrameDecoder& decoder) {
  std::vector<Bytes> frames;
  for (;;) {
    auto next = decoder.next();
    REQUIRE_MESSAGE(next.ok(), next.error().message);
    if (!next.value()) return frames;
    frames.push_back(std::move(*next.value()));
  }
}

Bytes stream_of(const std::vector<Bytes>& payloads) {
  Bytes stream;
  for (const Bytes& p : payloads) append_frame(stream, p);
  return stream;
}

const std::vector<Bytes> kPayloads = {text("hello"), Bytes{}, text("外事办"), Bytes(1000, 0xab), text("x")};

}  // namespace

TEST_CASE("append_frame writes a big-endian length then the payload") {
  Bytes out{0xee};
  append_frame(out, text("abc"));
  CHECK(out == Bytes{0xee, 0, 0, 0, 3, 'a', 'b', 'c'});
  Bytes big;
  append_frame(big, Bytes(0x010203, 0));
  CHECK(Bytes(big.begin(), big.begin() + 4) == Bytes{0x00, 0x01, 0x02, 0x03});
}

TEST_CASE("several frames in one feed come out in order") {
  FrameDecoder decoder;
  decoder.feed(stream_of(kPayloads));
  CHECK(drain(decoder) == kPayloads);
  CHECK(decoder.at_boundary());
  CHECK(decoder.buffered() == 0);
}

TEST_CASE("byte-by-byte delivery gives the same frames") {
  const Bytes stream = stream_of(kPayloads);
  FrameDecoder decoder;
  std::vector<Bytes> frames;
  for (std::uint8_t byte : stream) {
    decoder.feed(std::span(&byte, 1));
    for (Bytes& f : drain(decoder)) frames.push_back(std::move(f));
  }
  CHECK(frames == kPayloads);
  CHECK(decoder.at_boundary());
}

TEST_CASE("random splits give the same frames") {
  for (std::uint64_t seed : {1ull, 7ull, 2026ull}) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    std::vector<Bytes> payloads;
    for (int i = 0; i < 200; ++i) payloads.push_back(Bytes(rng() % 300, static_cast<std::uint8_t>(i)));
    const Bytes stream = stream_of(payloads);
    FrameDecoder decoder;
    std::vector<Bytes> frames;
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 700, stream.size() - at);
      decoder.feed(std::span(stream.data() + at, n));
      at += n;
      for (Bytes& f : drain(decoder)) frames.push_back(std::move(f));
    }
    CHECK(frames == payloads);
    CHECK(decoder.at_boundary());
  }
}

TEST_CASE("a partial frame is not at a boundary") {
  FrameDecoder decoder;
  const Bytes stream = stream_of({text("abcdef")});
  decoder.feed(std::span(stream.data(), 6));
  CHECK(drain(decoder).empty());
  CHECK_FALSE(decoder.at_boundary());
  CHECK(decoder.buffered() == 6);
}

TEST_CASE("zero-length frames are allowed") {
  FrameDecoder decoder(0);
  decoder.feed(Bytes{0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(drain(decoder) == std::vector<Bytes>{Bytes{}, Bytes{}});
}

TEST_CASE("a 4 GiB length prefix is refused without allocating for it") {
  FrameDecoder decoder;
  decoder.feed(Bytes{0xff, 0xff, 0xff, 0xff, 1, 2, 3});
  auto next = decoder.next();
  REQUIRE_FALSE(next.ok());
  CHECK(next.error().code == Errc::frame_too_large);
  CHECK(next.error().message.find("4294967295") != std::string::npos);
  // The decoder holds only what it was given and takes nothing more.
  CHECK(decoder.buffered() == 7);
  decoder.feed(Bytes(100'000, 0));
  CHECK(decoder.buffered() == 7);
}

TEST_CASE("an oversize header is refused even before next() is called") {
  FrameDecoder decoder(100);
  decoder.feed(Bytes{0, 0, 0, 101});
  decoder.feed(Bytes(1000, 0));  // a caller that feeds several reads before draining
  CHECK(decoder.buffered() == 4);
  auto next = decoder.next();
  REQUIRE_FALSE(next.ok());
  CHECK(next.error().code == Errc::frame_too_large);
}

// Regression (found by fuzz/frames): only the header at the read position was
// checked, so one queued behind frames not yet drained let the decoder buffer
// whatever the peer sent after it.
TEST_CASE("an oversize header behind undrained frames stops buffering, and the frames before it still arrive") {
  FrameDecoder decoder(100);
  Bytes stream = stream_of({text("first"), text("second")});
  stream.insert(stream.end(), {0, 0, 0, 101});
  decoder.feed(stream);
  const std::size_t held = decoder.buffered();
  decoder.feed(Bytes(1000, 0));
  CHECK(decoder.buffered() == held);
  for (const char* expected : {"first", "second"}) {
    auto next = decoder.next();
    REQUIRE_MESSAGE(next.ok(), next.error().message);
    REQUIRE(next.value().has_value());
    CHECK(*next.value() == text(expected));
  }
  auto next = decoder.next();
  REQUIRE_FALSE(next.ok());
  CHECK(next.error().code == Errc::frame_too_large);
}

TEST_CASE("a frame exactly at the limit passes; one byte more fails and stays failed") {
  constexpr std::uint32_t kLimit = 4096;
  {
    FrameDecoder decoder(kLimit);
    decoder.feed(stream_of({Bytes(kLimit, 7)}));
    auto frames = drain(decoder);
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].size() == kLimit);
  }
  FrameDecoder decoder(kLimit);
  decoder.feed(stream_of({text("ok"), Bytes(kLimit + 1, 7), text("after")}));
  auto first = decoder.next();
  REQUIRE(first.ok());
  CHECK(*first.value() == text("ok"));
  for (int i = 0; i < 3; ++i) {
    auto next = decoder.next();
    REQUIRE_FALSE(next.ok());
    CHECK(next.error().code == Errc::frame_too_large);
  }
  decoder.feed(stream_of({text("more")}));
  auto later = decoder.next();
  REQUIRE_FALSE(later.ok());
  CHECK(later.error().code == Errc::frame_too_large);
}

TEST_CASE("frames stay intact while consumed bytes are compacted away") {
  FrameDecoder decoder;
  const Bytes frame = stream_of({Bytes(1000, 1)});
  // Chunks straddle frames, so the buffer never drains and must be compacted.
  decoder.feed(std::span(frame.data(), 500));
  for (int i = 0; i < 5000; ++i) {
    Bytes chunk(frame.begin() + 500, frame.end());
    chunk.insert(chunk.end(), frame.begin(), frame.begin() + 500);
    decoder.feed(chunk);
    auto frames = drain(decoder);
    REQUIRE(frames.size() == 1);
    REQUIRE(decoder.buffered() == 500);
  }
}

}  // namespace liaison::sync
