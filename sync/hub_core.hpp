// The hub's decisions for all of its connections at once, with no I/O:
// which connections are admitted, pushes that arrive together merged as one
// group (all kept, or none and everyone resends), the page budget shared by
// the clients pulling, notifications when the feed grows (by a push, or by a
// commit of another process), session timers, and what a new revocation
// list means for the sessions already open.
//
// Events go in (a verified connection, a decoded message, a commit, a tick,
// a poll of the store, a new revocation list, a connection gone); what comes
// out is, per connection, the messages to send and whether to close it.
// The Asio server (sync/net/hub_server.cpp) keeps the sockets, TLS, timers,
// read budgets and send queues; the simulation (tests/sim) drives this same
// core with many clients at once, store failures included.
//
// Not thread-safe: one owner thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sync/hub_store.hpp"
#include "sync/session.hpp"

namespace liaison::sync {

using ConnectionId = std::uint64_t;

struct HubCoreOptions {
  HubSessionOptions session;
  // One device holds one or two (sync --watch, and a sync or command line
  // beside it); more from one certificate is a fault or an attack.
  std::size_t max_connections_per_node = 8;
  // Pages being sent to all clients together stay within about this many
  // bytes: with many clients pulling at once, each gets smaller pages.
  std::size_t page_budget_bytes = 64u << 20;
};

// The CA's revocation list as the hub holds it. The transport reads the
// file, checks the CA's signature and refuses everyone while the list is out
// of date; what the list means for sessions is decided here.
struct HubRevocations {
  std::set<std::string> serials;  // revoked certificate serials (hex)
  std::string pem;                // handed to every client; empty: too large to hand over
};

// What the transport is to do after an event, in this order: send each
// connection its messages, then close the connections listed once what was
// queued for them is sent. `log` holds lines for the hub's log.
struct HubActions {
  struct Send {
    ConnectionId to = 0;
    Outbox messages;
  };
  struct Close {
    ConnectionId connection = 0;
    std::string why;  // for the log's "disconnected" line
  };
  std::vector<Send> sends;
  std::vector<Close> closes;
  std::vector<std::string> log;

  void send(ConnectionId to, Outbox messages);
  void close(ConnectionId connection, std::string why);
};

// The answer to a connection whose certificate was verified.
struct Admission {
  bool admitted = false;
  std::string refusal;  // why not, for the log
};

class HubCore {
 public:
  explicit HubCore(HubStore& store, HubCoreOptions options = {});

  // `node` is the certificate's CN, `serial` its serial number (hex),
  // `remote` where it comes from (an address, for messages).
  Admission connect(ConnectionId id, const NodeId& node, const std::string& serial, const std::string& remote,
                    std::uint64_t now_ms);
  // A decoded message from `id`. A push waits for the next commit().
  HubActions receive(ConnectionId id, const Message& message, std::uint64_t now_ms);
  // Pushes are waiting: the transport calls commit() once the messages
  // already read have been received, so that they join one group.
  bool commit_due() const noexcept { return !pending_.empty(); }
  // Merges the waiting pushes in one unit, answers them, and notifies the
  // clients whose scope changed. When the store fails, nothing of the group
  // is kept: each of its connections is told and closed, and its client
  // resends from its last acknowledged batch.
  HubActions commit(std::uint64_t now_ms);
  // Bytes of a message arrived on `id` (a large push on a slow link).
  void progress(ConnectionId id, std::uint64_t now_ms);
  // Session timers: idle connections are closed.
  HubActions tick(std::uint64_t now_ms);
  // Commits made by other processes (admin commands) grew the feed: notify.
  HubActions poll_store(std::uint64_t now_ms);
  // A new list: sessions of revoked certificates end now; every other
  // client gets the list at once.
  HubActions set_revocations(HubRevocations list);
  // The transport closed `id` (on our word, or the peer left).
  void disconnected(ConnectionId id);

  // The agreed compression of `id` (the transport encodes with it).
  bool compressing(ConnectionId id) const;
  std::size_t size() const noexcept { return connections_.size(); }
  // Figures for the simulation's report.
  struct Stats {
    std::uint64_t groups = 0;         // commits of at least one push
    std::uint64_t largest_group = 0;  // pushes in one commit
    std::uint64_t failed_groups = 0;  // commits the store refused
  };
  const Stats& stats() const noexcept { return stats_; }

 private:
  struct Connection {
    Connection(HubStore& store, const NodeId& node, HubSessionOptions options, std::string serial, std::string remote)
        : session(store, node, options, serial), serial(std::move(serial)), remote(std::move(remote)) {}
    HubSession session;
    std::string serial;
    std::string remote;
    bool closing = false;  // told to close; nothing more is sent
  };
  struct PendingPush {
    ConnectionId from = 0;
    Push push;
  };

  std::optional<std::string> certificate_shared(ConnectionId id, const Connection& conn) const;
  std::size_t connections_of(const NodeId& node) const;
  void share_page_budget();
  void notify_all(std::uint64_t now_ms, HubActions& actions);
  // Sends `out` to `id`, and closes it if its session ended.
  void answer(ConnectionId id, Connection& conn, Outbox out, HubActions& actions);
  void end(ConnectionId id, Connection& conn, Errc code, const std::string& message, HubActions& actions);

  HubStore& store_;
  HubCoreOptions options_;
  std::map<ConnectionId, Connection> connections_;
  std::vector<PendingPush> pending_;
  std::uint64_t last_message_ms_ = 0;  // when a node last sent anything
  std::uint32_t page_cells_ = 0;       // current cap on pull pages (0: none yet)
  std::optional<HubRevocations> revocations_;
  Stats stats_;
};

}  // namespace liaison::sync
