// The floor a sync over a slow link is measured against: the same number of
// bytes carried as one plain mutual-TLS 1.3 stream (client to server, then
// back), through whatever the caller puts in between. Keeps Asio out of the
// benchmark's other files.
#pragma once

#include <cstdint>
#include <functional>

#include "sync/net/net.hpp"

namespace liaison::bench {

// Serves TLS as `server` on 127.0.0.1 (a port of its own); `route` gets that
// port and returns the port the client should dial (a proxy in front of
// it). The client, as `client`, sends `up` bytes; the server answers with
// `down` bytes. Returns the seconds from dialling to the last byte read.
double tls_stream_seconds(const sync::net::TlsFiles& server, const sync::net::TlsFiles& client, std::uint64_t up,
                          std::uint64_t down, const std::function<std::uint16_t(std::uint16_t)>& route);

}  // namespace liaison::bench
