// Length-prefixed framing: writes frames and reassembles them from a byte
// stream that arrives in arbitrary pieces, refusing oversize frames early.
#include "sync/framing.hpp"

#include <cassert>
#include <limits>
#include <string>

namespace liaison::sync {
namespace {

// Consumed bytes are dropped once they are this many and at least half the
// buffer, so erasing costs O(1) amortised per byte.
constexpr std::size_t kCompactBytes = 64 * 1024;
// A drained buffer bigger than this gives its memory back: one large frame
// should not pin megabytes for the life of an idle connection.
constexpr std::size_t kKeepCapacityBytes = 1 << 20;

static_assert(kFrameHeaderBytes == sizeof(std::uint32_t));

std::uint32_t read_header(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

}  // namespace

void append_frame(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload) {
  assert(payload.size() <= std::numeric_limits<std::uint32_t>::max());
  const auto size = static_cast<std::uint32_t>(payload.size());
  out.reserve(out.size() + kFrameHeaderBytes + payload.size());
  out.push_back(static_cast<std::uint8_t>(size >> 24));
  out.push_back(static_cast<std::uint8_t>(size >> 16));
  out.push_back(static_cast<std::uint8_t>(size >> 8));
  out.push_back(static_cast<std::uint8_t>(size));
  out.insert(out.end(), payload.begin(), payload.end());
}

void FrameDecoder::feed(std::span<const std::uint8_t> bytes) {
  // A failed stream is dead: buffering more of it would only let a peer that
  // announced 4 GiB make us hold what it sends next.
  if (failed_ || refusing_ || bytes.empty()) return;
  if (read_ == buffer_.size()) {
    buffer_.clear();
    read_ = 0;
    scan_ = 0;
  } else if (read_ >= kCompactBytes && read_ * 2 >= buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_));
    scan_ -= read_;
    read_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  // Check headers now, not only in next(), so that a caller who feeds several
  // reads before draining never buffers an oversize frame, even one queued
  // behind complete frames. The frames before it are still delivered.
  while (buffer_.size() - scan_ >= kFrameHeaderBytes) {
    const std::uint32_t size = read_header(buffer_.data() + scan_);
    if (size > max_) {
      refusing_ = true;
      break;
    }
    if (buffer_.size() - scan_ - kFrameHeaderBytes < size) break;
    scan_ += kFrameHeaderBytes + size;
  }
}

Result<std::optional<std::vector<std::uint8_t>>> FrameDecoder::next() {
  using Frame = std::optional<std::vector<std::uint8_t>>;
  if (buffered() < kFrameHeaderBytes) return Frame();
  const std::uint32_t size = read_header(buffer_.data() + read_);
  if (failed_ || size > max_) {
    failed_ = true;
    return make_error(Errc::frame_too_large, "peer sent a frame of " + std::to_string(size) +
                                                 " bytes, above the limit of " + std::to_string(max_) +
                                                 " bytes — closing the connection");
  }
  if (buffered() - kFrameHeaderBytes < size) return Frame();
  const auto begin = buffer_.begin() + static_cast<std::ptrdiff_t>(read_ + kFrameHeaderBytes);
  std::vector<std::uint8_t> payload(begin, begin + static_cast<std::ptrdiff_t>(size));
  read_ += kFrameHeaderBytes + size;
  if (read_ == buffer_.size()) {
    read_ = 0;
    scan_ = 0;
    if (buffer_.capacity() > kKeepCapacityBytes) {
      std::vector<std::uint8_t>().swap(buffer_);
    } else {
      buffer_.clear();
    }
  }
  return Frame(std::move(payload));
}

}  // namespace liaison::sync
