// Framing on a byte stream: 4-byte big-endian length, then that many bytes of
// one encoded message. The decoder refuses a length above its limit before
// allocating anything for it. Not thread-safe: one per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "shared/error.hpp"

namespace liaison::sync {

inline constexpr std::size_t kFrameHeaderBytes = 4;
inline constexpr std::uint32_t kDefaultMaxFrameBytes = 16u << 20;  // 16 MiB

// Appends header + payload to `out`. REQUIRES: payload.size() fits in 32 bits.
void append_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload);

class FrameDecoder {
 public:
  explicit FrameDecoder(std::uint32_t max_frame_bytes = kDefaultMaxFrameBytes) : max_(max_frame_bytes) {}

  // Appends received bytes. After an error the decoder stays failed.
  void feed(std::span<const std::uint8_t> bytes);
  // The next complete frame's payload, nullopt if more bytes are needed, or
  // an error (frame_too_large) once a header announces too much.
  Result<std::optional<std::vector<std::uint8_t>>> next();
  // Bytes received but not yet returned as frames.
  std::size_t buffered() const noexcept { return buffer_.size() - read_; }
  // True when the stream ended cleanly between frames (no partial frame).
  bool at_boundary() const noexcept { return buffered() == 0; }

 private:
  std::uint32_t max_;
  std::vector<std::uint8_t> buffer_;
  std::size_t read_ = 0;
  // Offset of the first header not yet checked against the limit: complete
  // frames waiting to be drained are skipped, so an oversize header behind
  // them stops buffering too. REQUIRES: read_ <= scan_ <= buffer_.size().
  std::size_t scan_ = 0;
  bool refusing_ = false;  // an oversize header has arrived; next() reports it on reaching it
  bool failed_ = false;
};

}  // namespace liaison::sync
