// msgpack encoding of protocol messages. A message is a msgpack array whose
// first element is the MessageType; the layout of each type is in codec.cpp
// and docs/PROTOCOL.md. Decoding validates everything (types, lengths, table
// and column indices, node ids) and turns any bad input into a typed Error
// (malformed, wrong_type, truncated) without throwing. Stateless;
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "shared/error.hpp"
#include "sync/framing.hpp"
#include "sync/protocol.hpp"

namespace liaison::sync {

struct DecodeLimits {
  std::size_t max_cells = 100'000;  // per batch
  std::size_t max_string_bytes = kMaxStringBytes;
  std::size_t max_depth = 8;                              // msgpack nesting
  std::size_t max_message_bytes = kDefaultMaxFrameBytes;  // a compressed message, once inflated
};

std::vector<std::uint8_t> encode(const Message& message);
// What goes in a frame: encode(), or, when `compress` (negotiated) and the
// message is large enough to gain, a compressed envelope: the byte 0xC1
// (never valid msgpack), the codec (1 = zstd), a zstd frame holding the
// message with its size. decode() takes either.
std::vector<std::uint8_t> encode_for_wire(const Message& message, bool compress);
Result<Message> decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

}  // namespace liaison::sync
