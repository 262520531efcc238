// Message type tags and names for protocol messages (used by the codec, logs
// and session errors).
#include "sync/protocol.hpp"

#include <cassert>
#include <type_traits>

namespace liaison::sync {
namespace {

// type_of relies on the variant's alternatives being listed in MessageType
// order; these checks catch a reordering of either.
template <std::size_t I, class T>
constexpr bool alternative_is = std::is_same_v<std::variant_alternative_t<I, Message>, T>;

static_assert(std::variant_size_v<Message> == 12);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::hello) - 1, Hello>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::welcome) - 1, Welcome>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::push) - 1, Push>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::push_ack) - 1, PushAck>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::pull) - 1, Pull>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::changes) - 1, Changes>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::notify) - 1, Notify>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::ping) - 1, Ping>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::pong) - 1, Pong>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::error) - 1, ErrorMessage>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::urgent) - 1, Urgent>);
static_assert(alternative_is<static_cast<std::size_t>(MessageType::revocations) - 1, Revocations>);

}  // namespace

MessageType type_of(const Message& message) noexcept {
  assert(!message.valueless_by_exception());
  return static_cast<MessageType>(message.index() + 1);
}

const char* message_name(MessageType type) noexcept {
  switch (type) {
    case MessageType::hello: return "hello";
    case MessageType::welcome: return "welcome";
    case MessageType::push: return "push";
    case MessageType::push_ack: return "push_ack";
    case MessageType::pull: return "pull";
    case MessageType::changes: return "changes";
    case MessageType::notify: return "notify";
    case MessageType::ping: return "ping";
    case MessageType::pong: return "pong";
    case MessageType::error: return "error";
    case MessageType::urgent: return "urgent";
    case MessageType::revocations: return "revocations";
  }
  return "unknown";
}

}  // namespace liaison::sync
