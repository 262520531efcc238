// See send_progress.hpp. The kernel's own tcp_info (glibc's lacks
// tcpi_bytes_acked), hence a translation unit of its own.
#include "sync/net/send_progress.hpp"

#include <cstddef>

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace liaison::sync::net {
namespace {
constexpr int kTcpLevel = 6;  // IPPROTO_TCP, whose header would bring <netinet/tcp.h> back
}  // namespace

std::optional<SendProgress> send_progress(int socket_fd) {
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(socket_fd, kTcpLevel, TCP_INFO, &info, &size) != 0) return std::nullopt;
  int queued = 0;
  if (::ioctl(socket_fd, SIOCOUTQ, &queued) != 0) return std::nullopt;
  SendProgress progress;
  // Kernels before 4.1 don't fill it in: then no progress is ever seen, and
  // the timeouts work as if this did not exist.
  if (size >= offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
    progress.acknowledged = info.tcpi_bytes_acked;
  progress.queued = static_cast<std::uint64_t>(queued);
  return progress;
}

}  // namespace liaison::sync::net
