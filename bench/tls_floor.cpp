// A plain TLS stream of a given size, for bench/tls_floor.hpp. Blocking
// Asio calls on two threads: nothing here needs to scale.
#include "bench/tls_floor.hpp"

#include "sync/net/tls.hpp"

#include <thread>
#include <vector>

#include "bench/bench_support.hpp"

namespace liaison::bench {

using namespace sync::net;

double tls_stream_seconds(const TlsFiles& server, const TlsFiles& client, std::uint64_t up, std::uint64_t down,
                          const std::function<std::uint16_t(std::uint16_t)>& route) {
  auto server_ctx = must(make_tls_context(server, Role::hub), "server TLS context");
  auto client_ctx = must(make_tls_context(client, Role::client), "client TLS context");
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::uint16_t dial = route(acceptor.local_endpoint().port());
  std::vector<std::uint8_t> chunk(64 * 1024, 0x5a);
  std::string server_error;

  std::thread serving([&] {
    try {
      TlsStream stream(io, *server_ctx);
      acceptor.accept(stream.lowest_layer());
      stream.handshake(asio::ssl::stream_base::server);
      std::vector<std::uint8_t> in(64 * 1024);
      for (std::uint64_t got = 0; got < up;) got += stream.read_some(asio::buffer(in));
      for (std::uint64_t sent = 0; sent < down;) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), down - sent));
        sent += asio::write(stream, asio::buffer(chunk.data(), n));
      }
      error_code ignored;
      stream.shutdown(ignored);
    } catch (const std::exception& e) {
      server_error = e.what();
    }
  });

  Stopwatch clock;
  try {
    TlsStream stream(io, *client_ctx);
    stream.lowest_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), dial));
    stream.lowest_layer().set_option(tcp::no_delay(true));
    stream.handshake(asio::ssl::stream_base::client);
    for (std::uint64_t sent = 0; sent < up;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), up - sent));
      sent += asio::write(stream, asio::buffer(chunk.data(), n));
    }
    std::vector<std::uint8_t> in(64 * 1024);
    for (std::uint64_t got = 0; got < down;) got += stream.read_some(asio::buffer(in));
  } catch (const std::exception& e) {
    serving.join();
    throw BenchFailure(std::string("TLS floor stream: ") + e.what() +
                       (server_error.empty() ? "" : "; server: " + server_error));
  }
  const double seconds = clock.seconds();
  serving.join();
  if (!server_error.empty()) throw BenchFailure("TLS floor stream, server: " + server_error);
  return seconds;
}

}  // namespace liaison::bench
