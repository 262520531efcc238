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
#include "sync/protocol.hpp"

namespace liaison::sync {

struct DecodeLimits {
  std::size_t max_cells = 100'000;      // per batch
  std::size_t max_string_bytes = 1 << 20;
  std::size_t max_depth = 8;            // msgpack nesting
};

std::vector<std::uint8_t> encode(const Message& message);
Result<Message> decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

}  // namespace liaison::sync
