// Fuzz target: the frame decoder. The stream is fed in chunks whose sizes the
// input chooses, and the frames that come out are compared with a direct
// reading of the whole stream: chunking must never change what is decoded,
// a length above the limit must fail before its payload is buffered, and
// every error must be a typed one. Each frame is also decoded as a message,
// which is what the transport does with it next.
#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz/targets.hpp"
#include "sync/codec.hpp"
#include "sync/framing.hpp"

namespace liaison::fuzz {
namespace {

using Bytes = std::vector<std::uint8_t>;

// What a correct decoder yields for the whole stream: the complete frames
// before the first oversize header, and whether that header was reached.
struct Expected {
  std::vector<Bytes> frames;
  bool too_large = false;
  std::size_t too_large_header_end = 0;  // stream offset just past the oversize header
};

Expected read_directly(std::span<const std::uint8_t> stream, std::uint32_t limit) {
  Expected out;
  std::size_t at = 0;
  while (stream.size() - at >= sync::kFrameHeaderBytes) {
    const std::uint32_t length = (std::uint32_t{stream[at]} << 24) | (std::uint32_t{stream[at + 1]} << 16) |
                                 (std::uint32_t{stream[at + 2]} << 8) | std::uint32_t{stream[at + 3]};
    if (length > limit) {
      out.too_large = true;
      out.too_large_header_end = at + sync::kFrameHeaderBytes;
      break;
    }
    if (stream.size() - at - sync::kFrameHeaderBytes < length) break;
    const auto begin = stream.begin() + static_cast<std::ptrdiff_t>(at + sync::kFrameHeaderBytes);
    out.frames.emplace_back(begin, begin + length);
    at += sync::kFrameHeaderBytes + length;
  }
  return out;
}

void check_typed(const Error& error, const char* what) {
  if (error.code == Errc::ok || error.message.empty())
    fuzz_failure(std::string(what) + " failed without a code or a message");
}

}  // namespace

int fuzz_frames(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the limit (small ones make oversize frames easy to
  // reach; the default is what connections use) and seeds the chunk sizes.
  const std::uint8_t control = data[0];
  const std::uint32_t limit = (control & 0x80) != 0 ? sync::kDefaultMaxFrameBytes : 16u + (control & 0x3f) * 8u;
  const std::span<const std::uint8_t> stream(data + 1, size - 1);
  const Expected expected = read_directly(stream, limit);

  sync::FrameDecoder decoder(limit);
  std::vector<Bytes> frames;
  std::optional<Error> failure;
  std::uint32_t rng = 0x9e3779b9u ^ control;
  std::size_t fed = 0;
  auto drain = [&] {
    while (!failure) {
      auto next = decoder.next();
      if (!next) {
        failure = next.error();
        break;
      }
      if (!next->has_value()) break;
      frames.push_back(std::move(**next));
    }
  };
  while (fed < stream.size()) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    // Mostly small pieces (headers split across reads), sometimes large ones.
    const std::size_t piece = (rng & 3) == 0 ? 1 + rng % 4096 : 1 + rng % 7;
    const std::size_t n = std::min(piece, stream.size() - fed);
    const std::size_t buffered_before = decoder.buffered();
    decoder.feed(stream.subspan(fed, n));
    // Once a header announcing more than the limit is in, nothing after it
    // may be buffered: a peer must not make us hold what it sends next.
    if (expected.too_large && fed >= expected.too_large_header_end && decoder.buffered() > buffered_before)
      fuzz_failure("decoder kept buffering after a header above the limit");
    fed += n;
    if (decoder.buffered() > fed) fuzz_failure("decoder buffers more bytes than it was fed");
    // Sometimes feed several reads before draining, as a busy reader does.
    if ((rng & 0x30) != 0x30) drain();
  }
  drain();

  if (frames.size() > expected.frames.size() || !std::equal(frames.begin(), frames.end(), expected.frames.begin()))
    fuzz_failure("decoded frames differ from the stream's frames (" + std::to_string(frames.size()) + " vs " +
                 std::to_string(expected.frames.size()) + ")");
  if (failure) {
    check_typed(*failure, "frame decoder");
    if (failure->code != Errc::frame_too_large)
      fuzz_failure("frame decoder failed with " + std::string(errc_name(failure->code)) + ": " + failure->message);
    if (!expected.too_large) fuzz_failure("frame decoder refused a stream within the limit: " + failure->message);
    // A refused stream stays refused.
    auto again = decoder.next();
    if (again || again.error().code != Errc::frame_too_large) fuzz_failure("frame decoder recovered after an error");
  } else {
    if (expected.too_large) fuzz_failure("frame decoder accepted a frame above the limit");
    if (frames.size() != expected.frames.size()) fuzz_failure("frame decoder lost complete frames");
    // What is left is exactly the incomplete tail.
    std::size_t consumed = 0;
    for (const Bytes& frame : frames) consumed += sync::kFrameHeaderBytes + frame.size();
    if (decoder.buffered() != stream.size() - consumed)
      fuzz_failure("frame decoder holds " + std::to_string(decoder.buffered()) + " bytes, expected " +
                   std::to_string(stream.size() - consumed));
  }

  for (const Bytes& frame : frames) {
    auto message = sync::decode(frame);
    if (!message) check_typed(message.error(), "decode");
  }
  return 0;
}

}  // namespace liaison::fuzz
