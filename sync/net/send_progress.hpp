// How far a TCP socket's outgoing bytes have got: what the peer's side has
// acknowledged, and what still waits in our queue. Lets a link tell a slow
// peer (bytes still leaving) from a silent one. Linux only, like the rest
// of the transport. Plain functions on a socket descriptor; no Asio here
// (its <netinet/tcp.h> and the kernel's <linux/tcp.h> don't mix).
#pragma once

#include <cstdint>
#include <optional>

namespace liaison::sync::net {

struct SendProgress {
  std::uint64_t acknowledged = 0;  // bytes the peer's TCP has acknowledged, in all
  std::uint64_t queued = 0;        // bytes written but not yet acknowledged
};

// Empty when the descriptor is not a connected TCP socket.
std::optional<SendProgress> send_progress(int socket_fd);

}  // namespace liaison::sync::net
