// Two sync sessions wired to each other in-process, over real replicas: a
// ClientSession and a HubSession (through a ReplicaHubStore) exchanging
// messages one at a time until neither has anything to send. For tests.
#pragma once

#include <doctest/doctest.h>

#include <deque>
#include <optional>
#include <vector>

#include "sync/hub_store.hpp"
#include "sync/session.hpp"

namespace liaison::sync {

using Types = std::vector<MessageType>;

// One connection: messages pass one at a time between the two sessions until
// neither has anything to send; `log` lists them in the order delivered.
struct Link {
  ClientSession client;
  ReplicaHubStore store;
  HubSession hub;
  std::uint64_t now;
  Types log;
  std::vector<Message> sent_to_hub, sent_to_client;  // every message delivered, for replaying copies
  std::deque<Message> to_hub, to_client;

  // `certificate`: the node the hub authenticated (by default the client's own id).
  Link(Replica& client_replica, Replica& hub_replica, std::uint64_t now_ms, ClientSessionOptions options = {},
       std::optional<NodeId> certificate = std::nullopt)
      : client(client_replica, options),
        store(hub_replica),
        hub(store, certificate ? *certificate : client_replica.self()),
        now(now_ms) {}

  void send_to_hub(Outbox out) { to_hub.insert(to_hub.end(), out.begin(), out.end()); }
  void send_to_client(Outbox out) { to_client.insert(to_client.end(), out.begin(), out.end()); }
  void pump() {
    for (int steps = 0; !to_hub.empty() || !to_client.empty(); ++steps) {
      REQUIRE(steps < 10'000);
      if (!to_hub.empty()) {
        const Message m = std::move(to_hub.front());
        to_hub.pop_front();
        log.push_back(type_of(m));
        sent_to_hub.push_back(m);
        send_to_client(hub.on_message(m, now));
      }
      if (!to_client.empty()) {
        const Message m = std::move(to_client.front());
        to_client.pop_front();
        log.push_back(type_of(m));
        sent_to_client.push_back(m);
        send_to_hub(client.on_message(m, now));
      }
    }
  }
  void start() {
    send_to_hub(client.start(now));
    pump();
  }
};

}  // namespace liaison::sync
