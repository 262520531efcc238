// The two ends of a sync connection as state machines with no I/O: messages
// in, messages out, time as an input. The TLS transport and the simulation
// drive the same code. One session per connection; a failed session is
// discarded and a new one started on reconnect (everything durable lives in
// the replica, so nothing is lost with it).
//
// Client: Hello -> Welcome -> push own changes batch by batch (one in
// flight) -> pull the hub's changes page by page -> done, or live (watch
// mode: pull on Notify, push on local change). Hub: answers Hello, merges
// pushes through the authority check, serves the scope-filtered feed,
// notifies a caught-up client of new changes.
//
// Not thread-safe; the Replica must outlive the session.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "shared/error.hpp"
#include "sync/framing.hpp"
#include "sync/hub_store.hpp"
#include "sync/protocol.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

using Outbox = std::vector<Message>;

inline constexpr std::string_view kHubPeer = "hub";

struct SessionStats {
  std::uint64_t cells_pushed = 0;
  std::uint64_t cells_pulled = 0;
  std::uint64_t push_batches = 0;
  std::uint64_t pull_pages = 0;
  std::uint64_t rejections = 0;
  std::uint64_t cells_ahead = 0;          // sent or merged ahead of the pull (Urgent)
  std::uint64_t rechecks = 0;             // pulls a watching client made unprompted (recheck_ms)
  std::uint64_t stale_copies = 0;         // copies of old messages recognised and ignored
  std::uint64_t directives_received = 0;  // receipts this client marked received (mark_received)
  std::uint32_t hub_schema = 0;           // from the welcome; 0 for a hub of protocol 4
};

struct ClientSessionOptions {
  std::uint32_t batch_cells = kDefaultBatchCells;  // capped by the hub's max_batch_cells
  std::uint64_t heartbeat_ms = 10'000;             // ping after this long without sending
  std::uint64_t timeout_ms = 30'000;               // fail after this long without hearing anything,
                                                   // or without an answer to a request (time a
                                                   // request takes to leave on a slow link not counted)
  std::uint64_t skew_tolerance_ms = 2'000;
  // Watch mode: pull anyway after this long without news from the hub (no
  // notify, changes or urgent cells), in case a notification was lost. A
  // pull with nothing new costs one small round trip.
  std::uint64_t recheck_ms = 60'000;
  bool stay_live = false;  // watch mode: stay connected after the first pass
  bool compress = true;    // offer zstd: large batches and pages travel compressed if the hub agrees
  // A county device: each time it has caught up with the hub, it marks the
  // directives it now holds received (sync/receipts.hpp) and pushes that.
  bool mark_received = false;
};

enum class ClientState { start, await_welcome, await_push_ack, await_changes, live, done, failed };

class ClientSession {
 public:
  ClientSession(Replica& replica, ClientSessionOptions options = {});

  Outbox start(std::uint64_t now_ms);
  Outbox on_message(const Message& message, std::uint64_t now_ms);
  Outbox on_tick(std::uint64_t now_ms);
  // The transport saw the link move part of a message: bytes of ours taken
  // by the hub's side, or bytes from the hub. A slow link is not a dead
  // one: the silence and unanswered-request timers start again.
  void on_link_progress(std::uint64_t now_ms);
  // New local writes while live (or right after a pass finished): push them.
  Outbox on_local_change(std::uint64_t now_ms);
  // The transport has sent what it was given and waits for the hub: merge a
  // page received ahead, read the next push batch. Optional (everything
  // also happens without it), but it overlaps our work with the hub's.
  Outbox on_idle();
  bool has_idle_work() const noexcept;

  ClientState state() const noexcept { return state_; }
  const std::optional<Error>& failure() const noexcept { return failure_; }
  // A full pass (everything pushed, everything pulled) completed.
  bool synced() const noexcept { return synced_; }
  // Both sides agreed to compress large messages (encode_for_wire).
  bool compressing() const noexcept { return compressing_; }
  const SessionStats& stats() const noexcept { return stats_; }
  std::int64_t clock_offset_ms() const noexcept;

 private:
  Outbox fail(Error error);
  Outbox on_urgent(const Urgent& urgent);
  Outbox on_welcome(const Welcome& welcome);
  Outbox on_push_ack(const PushAck& ack);
  Outbox on_changes(const Changes& changes);
  Outbox next_push();
  Outbox pull();
  Outbox pull_from(FeedCursor cursor);
  bool is_stale_copy(const Message& message) const;
  Status raise_confirmed(std::uint64_t hlc);
  Status rewind_if_ahead(FeedCursor pushed);
  Status apply_changes(const Changes& changes);

  Replica& replica_;
  ClientSessionOptions options_;
  ClientState state_ = ClientState::start;
  std::optional<Error> failure_;
  bool synced_ = false;
  bool compressing_ = false;
  PeerState peer_;
  std::uint64_t next_batch_ = 1;
  std::uint64_t pull_request_ = 0;  // the last Pull sent; its answer is awaited in await_changes
  FeedCursor pending_push_next_;
  std::vector<std::uint64_t> pending_push_stamps_;
  std::optional<FeedPage> prefetched_push_;  // the batch after the one in flight
  FeedCursor prefetched_from_;
  std::optional<Changes> deferred_changes_;  // received; merged while the next page comes
  std::uint64_t max_clock_ahead_ms_ = kDefaultMaxClockAheadMs;
  std::uint64_t hub_seq_seen_ = 0;
  bool pull_wanted_ = false;  // a Notify came while a push was in flight
  std::uint64_t last_sent_ms_ = 0;
  std::uint64_t last_heard_ms_ = 0;
  std::uint64_t request_sent_ms_ = 0;  // the push, pull or hello now awaiting an answer
  std::uint64_t last_news_ms_ = 0;     // the hub last told us of (or sent) new cells
  std::uint64_t next_nonce_ = 1;
  SessionStats stats_;
};

struct HubSessionOptions {
  std::uint32_t max_batch_cells = kDefaultBatchCells;  // cells per page, both ways (told in Welcome)
  std::uint32_t max_push_cells = kMaxPushCells;        // cells per Push accepted (plus kRowSlackCells)
  std::uint32_t max_frame_bytes = kDefaultMaxFrameBytes;
  std::uint64_t max_clock_ahead_ms = kDefaultMaxClockAheadMs;
  std::uint64_t idle_timeout_ms = 60'000;  // close after this long without hearing anything
  bool compress = true;                    // agree to compress large messages when the client offers it
};

class HubSession {
 public:
  // `peer` is the authenticated node (certificate CN), not what Hello
  // claims; `certificate` its serial number, recorded with every refusal.
  HubSession(HubStore& hub, NodeId peer, HubSessionOptions options = {}, std::string certificate = {});

  Outbox on_message(const Message& message, std::uint64_t now_ms);
  Outbox on_tick(std::uint64_t now_ms);
  // Bytes of a message arrived (a large push on a slow link takes a while):
  // the client is not idle.
  void on_link_progress(std::uint64_t now_ms) { last_heard_ms_ = now_ms; }
  // The hub's feed advanced (any writer): notify a caught-up client whose
  // scope has new cells.
  Outbox on_feed_advanced(std::uint64_t now_ms);

  // The connection should be closed (after sending what was returned).
  bool closed() const noexcept { return closed_; }
  const std::optional<Error>& failure() const noexcept { return failure_; }
  const NodeId& peer() const noexcept { return peer_; }
  // After hello: the client's replica (a device's own, made at its init).
  bool greeted() const noexcept { return greeted_; }
  const Uuid& client_id() const noexcept { return client_id_; }
  std::uint32_t peer_schema() const noexcept { return peer_schema_; }
  const SessionStats& stats() const noexcept { return stats_; }
  // Caps the cells of each page this client pulls from now on, below
  // max_batch_cells (0: no cap). The server shrinks pages when many clients
  // pull at once so that the pages in flight fit its memory.
  void limit_pages(std::uint32_t cells) noexcept { page_limit_ = cells; }
  bool compressing() const noexcept { return compression_ != 0; }

 private:
  Outbox refuse(Errc code, std::string message);
  Outbox dispatch(const Message& message, std::uint64_t now_ms);
  Outbox for_peer(Outbox out) const;
  Outbox on_hello(const Hello& hello);
  Outbox on_push(const Push& push);
  Outbox on_pull(const Pull& pull);
  Outbox directives_ahead();

  HubStore& hub_;
  NodeId peer_;
  HubSessionOptions options_;
  std::string certificate_;
  bool greeted_ = false;
  bool closed_ = false;
  bool caught_up_ = false;  // last pull reached the end of the feed
  FeedCursor cursor_;       // where the client's copy of our feed stands
  std::uint64_t notified_seq_ = 0;
  std::uint64_t last_push_batch_ = 0;
  std::uint64_t last_pull_request_ = 0;
  Uuid client_id_;                              // the client's replica
  bool include_own_ = false;                    // its replica is new: send back what it stamped before
  std::uint32_t peer_schema_ = kSchemaVersion;  // the client's, from its hello
  std::uint64_t last_heard_ms_ = 0;
  std::uint32_t page_limit_ = 0;
  std::uint32_t compression_ = 0;  // agreed in hello/welcome
  std::uint64_t urgent_seq_ = 0;   // directives up to here were sent (or are due in the pull)
  std::optional<Error> failure_;
  SessionStats stats_;
};

}  // namespace liaison::sync
