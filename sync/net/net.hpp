// The network transport: mutual TLS 1.3 over TCP (Boost.Asio, OpenSSL),
// carrying framed protocol messages between the session state machines of
// session.hpp. This header keeps Asio and OpenSSL out of its includers.
//
// The hub server runs one io_context thread: every connection, the group
// commit of pushes and the notifications share it, so no locks. A client
// link runs its own io_context for one pass (`sync`) or until stopped
// (`sync --watch`, reconnecting with exponential backoff and jitter).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "shared/error.hpp"
#include "sync/replica.hpp"
#include "sync/session.hpp"

namespace liaison::sync::net {

inline constexpr std::uint16_t kDefaultPort = 7443;

// PEM files of the project CA, this node's certificate and key, and the
// CA's certificate revocation list (optional; refused certificates are
// checked against it when present).
struct TlsFiles {
  std::string ca;
  std::string cert;
  std::string key;
  std::string crl;
};

// Checks that the files exist, parse, match each other and that the
// certificate's CN is a valid node id; returns that node id.
Result<NodeId> check_tls_files(const TlsFiles& files);

// A certificate's node id and the SHA-256 (hex) of its public key, after
// checking that it chains to `ca`: what a client pins as its hub.
struct CertificateIdentity {
  NodeId node;
  std::string key_sha256;
};
Result<CertificateIdentity> read_certificate_identity(const std::string& cert, const std::string& ca);

// The dates of the project CA's certificate revocation list, and how many it revokes.
struct CrlStatus {
  std::uint64_t last_update_ms = 0;
  std::uint64_t next_update_ms = 0;  // after this, the list has expired
  std::size_t revoked = 0;
  std::uint64_t number = 0;  // its CRL number (the CA counts them up); 0: none
};
// Whether `a` was issued after `b`: by CRL number, then by issue time (two
// lists made within one second differ only in their numbers).
bool issued_after(const CrlStatus& a, const CrlStatus& b);
// The revoked serials (hex) of a CRL the CA signed, its times, and its PEM
// text (what the hub hands to clients, and clients keep).
struct LoadedCrl {
  CrlStatus status;
  std::vector<std::string> revoked_serials;
  std::string pem;
};
// Reads `files.crl` and checks that the CA in `files.ca` signed it.
Result<LoadedCrl> load_crl(const TlsFiles& files);
// The same for a CRL received as text; `source` names it in errors. A list
// that does not parse is `malformed`, one the CA did not sign
// `not_permitted`; a CA file that can't be read `invalid_argument`.
Result<LoadedCrl> verify_crl(std::string pem, const std::string& ca_path, const std::string& source);
// How long before a CRL expires the hub starts warning.
inline constexpr std::uint64_t kCrlWarnAheadMs = 7ull * 24 * 3600 * 1000;
// For people: "expires 2026-12-20 08:00:00 (in 6 days)", "expired ...".
std::string describe_crl_expiry(const CrlStatus& crl, std::uint64_t now_ms);
// "warning: ..." within kCrlWarnAheadMs of the CRL's expiry, "error: ..."
// after it, with what to do about the file at `crl_path`; nothing before.
// What the hub logs and `liaison-hub nodes` prints.
std::optional<std::string> crl_expiry_warning(const CrlStatus& crl, std::uint64_t now_ms, const std::string& crl_path);

using LogLine = std::function<void(const std::string&)>;

struct HubServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = kDefaultPort;
  TlsFiles tls;
  HubSessionOptions session;
  std::uint64_t handshake_timeout_ms = 10'000;
  std::uint64_t tick_ms = 1'000;  // session timers
  std::uint64_t poll_ms = 50;     // notice writes by admin commands
  std::size_t max_connections = 10'000;
  // Connections not yet authenticated (silent, or in their TLS handshake),
  // overall and from one address; at the limit the oldest gives way.
  std::size_t max_unauthenticated = 1'024;
  std::size_t max_unauthenticated_per_source = 64;
  // Bytes of partly received frames the hub holds for all connections, and
  // for the connections of one node (a frame may be 16 MiB).
  std::size_t partial_frame_budget_bytes = 256u << 20;
  std::size_t partial_frame_budget_per_node = 32u << 20;
  // How often the CRL file is checked for a new version (its revocations
  // then take effect at once, live sessions included).
  std::uint64_t crl_check_ms = 1'000;
  // One device holds one or two (sync --watch, and a sync or command line
  // beside it); more from one certificate is a fault or an attack.
  std::size_t max_connections_per_node = 8;
  // Pages being sent to all clients together stay within about this many
  // bytes: with many clients pulling at once, each gets smaller pages.
  std::size_t page_budget_bytes = 64u << 20;
};

// Serves until SIGINT/SIGTERM (or `stop` becomes true): accepts mutual-TLS
// connections, runs a HubSession per connection, merges pushes in group
// commits, notifies connected clients of new changes. Returns once every
// connection is closed and the last commit is done. `on_listening` gets the
// bound port (useful with port 0).
Status run_hub_server(Replica& hub, const HubServerOptions& options, const LogLine& log,
                      const std::function<void(std::uint16_t)>& on_listening = {}, std::atomic<bool>* stop = nullptr);

struct ClientLinkOptions {
  std::string host;
  std::uint16_t port = kDefaultPort;
  TlsFiles tls;
  ClientSessionOptions session;
  std::uint64_t connect_timeout_ms = 10'000;
  std::uint64_t tick_ms = 500;
  std::uint64_t backoff_min_ms = 500;  // watch mode: first retry delay
  std::uint64_t backoff_max_ms = 60'000;
  std::uint64_t poll_ms = 300;  // watch mode: notice local writes by other commands
  // Called each time the replica has caught up with the hub (after a pull
  // that reached the end of the feed), with the session's figures so far.
  std::function<void(Replica&, const SessionStats&)> on_caught_up;
  // Called after cells the hub sent ahead of the pull (a new directive)
  // were merged.
  std::function<void(Replica&)> on_ahead;
  // Called when the hub's welcome has been handled: the session is set up.
  std::function<void()> on_welcome;
  // The hub this node trusts: a hub whose certificate names another node,
  // or (once pinned) has another public key, is refused. Empty: any city
  // node of the CA (tools and benchmarks).
  std::string hub_node;
  std::string hub_key;  // SHA-256 of its public key, hex; empty: not pinned yet
  // Called with the hub's key at a connection while hub_key is empty, to pin it.
  std::function<void(const std::string&)> on_hub_key_seen;
  // Where a revocation list the hub hands over is kept when it is newer
  // than tls.crl (written privately, whole or not at all; the next
  // connections verify the hub against it). Empty: checked, not kept.
  std::string crl_store;
};

struct SyncProgress {
  std::uint64_t cells_pushed = 0;
  std::uint64_t cells_pulled = 0;
  std::uint64_t hub_seq = 0;  // how far the hub's feed goes (for percent)
};

struct SyncReport {
  bool synced = false;  // a full pass completed
  SessionStats stats;
  std::int64_t clock_offset_ms = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};

// One pass: connect, push everything, pull everything, disconnect.
// `attempt`, when given, gets the figures of the pass whether or not it
// completed (what a failed pass sent before the link broke).
Result<SyncReport> sync_once(Replica& replica, const ClientLinkOptions& options,
                             const std::function<void(const SyncProgress&)>& progress = {},
                             SyncReport* attempt = nullptr);

// Stays connected, applying live changes and pushing local writes as they
// happen; reconnects with backoff and jitter; returns when `stop` is set
// (SIGINT/SIGTERM also set it).
Status sync_watch(Replica& replica, const ClientLinkOptions& options, const LogLine& log,
                  std::atomic<bool>* stop = nullptr);

}  // namespace liaison::sync::net
