// Fuzz target: the message decoder. Any bytes either decode or give a typed
// decode error; whatever decodes re-encodes to a message that decodes to the
// same value (and to the same bytes again), and tighter limits never accept
// something different from what the defaults accept.
#include <cmath>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "fuzz/targets.hpp"
#include "shared/text.hpp"
#include "sync/codec.hpp"

namespace liaison::fuzz {
namespace {

// NaN is not equal to itself, so a message carrying one can only be compared
// by its encoding.
bool has_nan(const std::vector<sync::Cell>& cells) {
  for (const sync::Cell& cell : cells)
    if (const auto* d = std::get_if<double>(&cell.value); d != nullptr && std::isnan(*d)) return true;
  return false;
}

bool has_nan(const sync::Message& message) {
  if (const auto* push = std::get_if<sync::Push>(&message)) return has_nan(push->cells);
  if (const auto* changes = std::get_if<sync::Changes>(&message)) return has_nan(changes->cells);
  if (const auto* ack = std::get_if<sync::PushAck>(&message)) return has_nan(ack->corrections);
  return false;
}

// Every string of a decoded message is UTF-8: what is stored and shown later
// never holds bytes that break JSON or a terminal.
bool all_utf8(const std::vector<sync::Cell>& cells) {
  for (const sync::Cell& cell : cells) {
    const auto* text = std::get_if<std::string>(&cell.value);
    if ((text && !is_valid_utf8(*text)) || !is_valid_utf8(cell.stamp.node) || !is_valid_utf8(cell.base.node))
      return false;
  }
  return true;
}

bool all_utf8(const sync::Message& message) {
  if (const auto* m = std::get_if<sync::Push>(&message)) return all_utf8(m->cells);
  if (const auto* m = std::get_if<sync::Changes>(&message)) return all_utf8(m->cells);
  if (const auto* m = std::get_if<sync::Urgent>(&message)) return all_utf8(m->cells);
  if (const auto* m = std::get_if<sync::Hello>(&message)) return is_valid_utf8(m->node);
  if (const auto* m = std::get_if<sync::ErrorMessage>(&message)) return is_valid_utf8(m->message);
  if (const auto* m = std::get_if<sync::Revocations>(&message)) return is_valid_utf8(m->crl_pem);
  if (const auto* m = std::get_if<sync::PushAck>(&message)) {
    for (const auto& r : m->rejections)
      if (!is_valid_utf8(r.reason) || !is_valid_utf8(r.stamp.node)) return false;
    return all_utf8(m->corrections);
  }
  return true;
}

// frame_too_large: a compressed envelope announcing more than the limit.
void check_decode_error(const Error& error) {
  if (error.code != Errc::malformed && error.code != Errc::wrong_type && error.code != Errc::truncated &&
      error.code != Errc::frame_too_large)
    fuzz_failure("decode failed with unexpected code " + std::string(errc_name(error.code)) + ": " + error.message);
  if (error.message.empty()) fuzz_failure("decode failed without a message");
}

}  // namespace

int fuzz_messages(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  auto decoded = sync::decode(bytes);

  // Small limits reach the over-limit paths with small inputs; they may
  // refuse more, but never accept something else.
  const sync::DecodeLimits tight{.max_cells = 3, .max_string_bytes = 40, .max_depth = 4};
  auto decoded_tight = sync::decode(bytes, tight);
  if (!decoded_tight) {
    check_decode_error(decoded_tight.error());
  } else if (!decoded) {
    fuzz_failure("tight limits accepted what the default limits refuse: " + decoded.error().message);
  } else if (sync::encode(*decoded_tight) != sync::encode(*decoded)) {
    fuzz_failure("tight limits decoded another message than the default limits");
  }

  if (!decoded) {
    check_decode_error(decoded.error());
    return 0;
  }
  const sync::Message& message = *decoded;
  if (sync::message_name(sync::type_of(message)) == nullptr) fuzz_failure("decoded message has no type name");
  if (!all_utf8(message)) fuzz_failure("decoded message holds text that is not UTF-8");

  const std::vector<std::uint8_t> encoded = sync::encode(message);
  auto again = sync::decode(encoded);
  if (!again)
    fuzz_failure("re-encoded " + std::string(sync::message_name(sync::type_of(message))) +
                 " does not decode: " + again.error().message);
  if (!has_nan(message) && !(*again == message))
    fuzz_failure("re-encoded " + std::string(sync::message_name(sync::type_of(message))) +
                 " decodes to a different message");
  if (sync::encode(*again) != encoded)
    fuzz_failure("encoding of " + std::string(sync::message_name(sync::type_of(message))) + " is not stable");
  return 0;
}

}  // namespace liaison::fuzz
