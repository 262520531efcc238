// Plumbing shared by the hub server and the client link: building a TLS
// 1.3-only context with the project CA (and CRL), reading the node id from a
// peer certificate, turning OpenSSL failures into messages that say what to
// do, and the sessions' timer clock. Internal to sync/net; includes Asio and
// OpenSSL headers.
#pragma once

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include "sync/net/net.hpp"

namespace liaison::sync::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::awaitable;
using TlsStream = asio::ssl::stream<tcp::socket>;
using boost::system::error_code;
inline constexpr auto kAwait = asio::use_awaitable;

enum class Role { hub, client };

// Milliseconds on the monotonic clock: what the sessions' timers run on.
std::uint64_t steady_ms();

// A context that verifies peers against the CA and CRL of `files`. A
// verification that failed only because the CRL is out of date (expired, or
// not yet valid) is let through, revocations still checked: the hub then
// tells the client what is wrong in words, which a TLS alert can't
// ("certificate expired" would blame the client's certificate).
Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const TlsFiles& files, Role role);

// Makes `context` verify peers against the CA in `ca` and `crl` (already
// read and verified; `source` names it in errors) from now on: a new
// certificate store, connections already verified keep going. The list
// installed is the one the caller checked, not a second reading of a file
// that may have changed since.
Status install_crl(boost::asio::ssl::context& context, const std::string& ca, const LoadedCrl& crl,
                   const std::string& source);

// The CN of the peer's verified certificate, if any.
std::optional<std::string> peer_common_name(SSL* ssl);
// The serial number of the peer's certificate in hex, or "" without one.
std::string peer_serial(SSL* ssl);
// The SHA-256 (hex) of the peer certificate's public key, or "".
std::string peer_key_sha256(SSL* ssl);

// What went wrong in a TLS handshake or read, for a person: which side
// refused which certificate and why, and what to do about it.
std::string explain_tls_failure(const boost::system::error_code& ec, SSL* ssl, Role role);

}  // namespace liaison::sync::net
