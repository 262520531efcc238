// What the hub's sync core (HubSession, HubCore) needs of its storage, and
// nothing more: apply a group of pushes as one unit, read a page of the feed
// for a scope, the feed's end, the clients' cursors, the replica's id and
// the hub's clock, and a cheap probe for commits made by other processes.
// The SQLite replica is the one implementation (ReplicaHubStore); a store on
// PostgreSQL would be another. No SQL above this line.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "shared/error.hpp"
#include "shared/ids.hpp"
#include "shared/node_id.hpp"
#include "sync/replica.hpp"

namespace liaison::sync {

class HubStore {
 public:
  virtual ~HubStore() = default;

  virtual const NodeId& self() const = 0;
  // Changes when the hub is rebuilt from a backup: clients then start over.
  virtual const Uuid& replica_id() const = 0;
  // The hub's wall clock: the time reference of every client.
  virtual std::uint64_t wall_ms() = 0;
  virtual std::uint64_t feed_end() const = 0;
  virtual Result<FeedPage> read_feed(FeedCursor from, std::size_t max_cells, const FeedFilter& filter) = 0;

  // Runs `body`, which calls apply_push once per push of the group, as one
  // unit: everything it applied is kept, or (when it fails) nothing.
  virtual Status apply_group(const std::function<Status()>& body) = 0;
  // Authority check and merge of one node's cells; see Replica::apply_push.
  virtual Result<PushResult> apply_push(const NodeId& from, std::span<const Cell> cells,
                                        std::uint64_t max_clock_ahead_ms, std::string_view certificate) = 0;

  // True when commits made elsewhere (an admin command in another process)
  // grew the feed since the last call.
  virtual Result<bool> poll_changes() = 0;

  // Where each client's copy of the feed stands, for `liaison-hub nodes`
  // and for knowing a client that comes back with a new replica.
  virtual Result<PeerState> cursor(std::string_view node) = 0;
  virtual Status set_cursor(std::string_view node, const PeerState& state) = 0;

  // Indexes for `case search` some cases stored since they were last
  // indexed (Replica::index_for_search): the hub's work while idle.
  virtual Result<std::size_t> index_for_search(std::size_t max_cases) = 0;
};

// A HubStore that passes everything to another: the base of stores that
// change one operation (the simulation's, which fails pushes on purpose).
class ForwardingHubStore : public HubStore {
 public:
  explicit ForwardingHubStore(HubStore& inner) : inner_(inner) {}

  const NodeId& self() const override { return inner_.self(); }
  const Uuid& replica_id() const override { return inner_.replica_id(); }
  std::uint64_t wall_ms() override { return inner_.wall_ms(); }
  std::uint64_t feed_end() const override { return inner_.feed_end(); }
  Result<FeedPage> read_feed(FeedCursor from, std::size_t max_cells, const FeedFilter& filter) override {
    return inner_.read_feed(from, max_cells, filter);
  }
  Status apply_group(const std::function<Status()>& body) override { return inner_.apply_group(body); }
  Result<PushResult> apply_push(const NodeId& from, std::span<const Cell> cells, std::uint64_t max_clock_ahead_ms,
                                std::string_view certificate) override {
    return inner_.apply_push(from, cells, max_clock_ahead_ms, certificate);
  }
  Result<bool> poll_changes() override { return inner_.poll_changes(); }
  Result<PeerState> cursor(std::string_view node) override { return inner_.cursor(node); }
  Status set_cursor(std::string_view node, const PeerState& state) override { return inner_.set_cursor(node, state); }
  Result<std::size_t> index_for_search(std::size_t max_cases) override { return inner_.index_for_search(max_cases); }

 private:
  HubStore& inner_;
};

// The hub's SQLite replica as a HubStore.
class ReplicaHubStore final : public HubStore {
 public:
  explicit ReplicaHubStore(Replica& replica) : replica_(replica) {}

  const NodeId& self() const override { return replica_.self(); }
  const Uuid& replica_id() const override { return replica_.replica_id(); }
  std::uint64_t wall_ms() override { return replica_.clock().wall_ms(); }
  std::uint64_t feed_end() const override { return replica_.feed_end(); }
  Result<FeedPage> read_feed(FeedCursor from, std::size_t max_cells, const FeedFilter& filter) override {
    return replica_.read_feed(from, max_cells, filter);
  }
  Status apply_group(const std::function<Status()>& body) override { return replica_.transact(body); }
  Result<PushResult> apply_push(const NodeId& from, std::span<const Cell> cells, std::uint64_t max_clock_ahead_ms,
                                std::string_view certificate) override {
    return replica_.apply_push(from, cells, max_clock_ahead_ms, certificate);
  }
  Result<bool> poll_changes() override { return replica_.refresh(); }
  Result<PeerState> cursor(std::string_view node) override { return replica_.peer(node); }
  Status set_cursor(std::string_view node, const PeerState& state) override { return replica_.set_peer(node, state); }
  Result<std::size_t> index_for_search(std::size_t max_cases) override { return replica_.index_for_search(max_cases); }

 private:
  Replica& replica_;
};

}  // namespace liaison::sync
