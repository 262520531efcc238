// Fuzz target: decode, then merge, through the entry points the programs use.
// A Push is answered by a HubSession (greeted with a Hello first) over a
// scratch hub replica; Changes are merged into a scratch client replica with
// apply_remote, as ClientSession does with a page from the hub, and a
// PushAck's refusals and corrections are recorded there as it does too.
// Afterwards:
// the answer has the right shape, every accepted cell is on the hub, sending
// the same batch again changes nothing a user would see, the hub still
// answers a Pull, and every so often the SQLite files pass integrity_check.
// The replicas live in memory for the whole process and are replaced when
// they have grown, so each input costs a merge, not a schema creation.
#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "fuzz/targets.hpp"
#include "sync/codec.hpp"
#include "sync/session.hpp"

namespace liaison::fuzz {
namespace {

// Replaced after this many inputs or feed positions, so that a long run
// neither slows down nor grows without bound.
constexpr std::uint64_t kInputsPerReplica = 2000;
constexpr std::uint64_t kMaxFeed = 50'000;
constexpr std::uint64_t kIntegrityEvery = 256;

const NodeId& default_peer() {
  static const NodeId peer = NodeId::parse("longyou:office-1").value();
  return peer;
}

std::unique_ptr<sync::Replica> open_scratch(const char* node, bool hub, std::uint64_t seed) {
  sync::ReplicaOptions options;
  options.path = ":memory:";
  options.self = NodeId::parse(node).value();
  options.hub = hub;
  options.wall = [] { return kFuzzWallMs; };
  options.seed = seed;
  options.durable = false;
  auto replica = sync::Replica::open(options);
  if (!replica) fuzz_failure("cannot open a scratch replica: " + replica.error().message);
  return std::move(replica).value();
}

struct Scratch {
  std::unique_ptr<sync::Replica> hub;
  std::unique_ptr<sync::Replica> client;
  std::uint64_t inputs = 0;

  void renew_if_worn() {
    if (hub && inputs < kInputsPerReplica && hub->feed_end() < kMaxFeed && client->feed_end() < kMaxFeed) return;
    renew();
  }
  void renew() {
    hub = open_scratch("city:hub", true, 1);
    client = open_scratch("longyou:office-1", false, 2);
    inputs = 0;
  }
};

Scratch& scratch() {
  static Scratch instance;
  return instance;
}

std::uint64_t city_hash(sync::Replica& replica, const char* what) {
  auto hash = replica.content_hash("city");
  if (!hash) fuzz_failure(std::string("content_hash of the ") + what + " failed: " + hash.error().message);
  return *hash;
}

bool was_rejected(const sync::Cell& cell, const std::vector<sync::Rejection>& rejections) {
  return std::any_of(rejections.begin(), rejections.end(), [&](const sync::Rejection& r) {
    return r.table == cell.table && r.row == cell.row && r.column == cell.column && r.stamp == cell.stamp;
  });
}

// One message from the hub session, of the expected type, or a failure.
template <class T>
const T& only(const sync::Outbox& out, const char* after) {
  if (out.size() != 1)
    fuzz_failure(std::string("hub answered ") + after + " with " + std::to_string(out.size()) + " messages");
  if (const auto* error = std::get_if<sync::ErrorMessage>(&out[0]))
    fuzz_failure(std::string("hub refused ") + after + ": " + errc_name(error->code) + ": " + error->message);
  const T* m = std::get_if<T>(&out[0]);
  if (m == nullptr)
    fuzz_failure(std::string("hub answered ") + after + " with " + sync::message_name(sync::type_of(out[0])));
  return *m;
}

void push_to_hub(sync::Replica& hub, const sync::Push& push) {
  // The authenticated peer: the writer the cells name, which is who a real
  // client's certificate would say (any other is refused as forged).
  NodeId peer = default_peer();
  if (!push.cells.empty())
    if (auto named = NodeId::parse(push.cells.front().stamp.node)) peer = std::move(*named);
  sync::ReplicaHubStore store(hub);
  sync::HubSession session(store, peer);
  const sync::Hello hello{.node = peer.str(), .hub_id = hub.replica_id(), .client_time_ms = kFuzzWallMs};
  // Welcome, then the directives in the peer's scope sent ahead of its pull, if any.
  sync::Outbox greeting = session.on_message(hello, kFuzzWallMs);
  if (greeting.size() == 2 && !std::holds_alternative<sync::Urgent>(greeting[1]))
    fuzz_failure(std::string("hub followed welcome with ") + sync::message_name(sync::type_of(greeting[1])));
  if (greeting.size() == 2) greeting.pop_back();
  (void)only<sync::Welcome>(greeting, "hello");

  const sync::Outbox answer = session.on_message(push, kFuzzWallMs);
  if (push.batch == 0) {
    // Not above the last batch seen on this connection: a resent copy.
    if (!answer.empty()) fuzz_failure("hub answered a push of batch 0, which it must ignore as a copy");
    return;
  }
  if (answer.size() == 1 && std::holds_alternative<sync::ErrorMessage>(answer[0])) {
    const auto& error = std::get<sync::ErrorMessage>(answer[0]);
    // An oversize push is refused; a storage failure on a well-formed
    // message is a hub bug (the connection would drop for good).
    if (error.code != Errc::malformed)
      fuzz_failure(std::string("hub failed on a push: ") + errc_name(error.code) + ": " + error.message);
    return;
  }
  const auto& ack = only<sync::PushAck>(answer, "a push");
  if (ack.batch != push.batch) fuzz_failure("push ack names another batch");
  if (ack.rejections.size() > push.cells.size()) fuzz_failure("more rejections than cells pushed");

  // Last writer wins: a cell the hub accepted is there, or lost to a newer one.
  for (const sync::Cell& cell : push.cells) {
    if (was_rejected(cell, ack.rejections)) continue;
    auto stored = hub.cell_of(cell.table, cell.row, cell.column);
    if (!stored) fuzz_failure("hub cannot read a cell back: " + stored.error().message);
    if (!stored->has_value() || (*stored)->stamp < cell.stamp)
      fuzz_failure("hub acknowledged a cell it does not hold (table " + std::to_string(static_cast<int>(cell.table)) +
                   ", column " + std::to_string(cell.column) + ")");
  }

  // The same push again, as after a lost ack, changes nothing visible.
  if (push.batch < UINT64_MAX) {
    const std::uint64_t before = city_hash(hub, "hub");
    sync::Push again = push;
    again.batch = push.batch + 1;
    (void)only<sync::PushAck>(session.on_message(again, kFuzzWallMs), "a resent push");
    if (city_hash(hub, "hub") != before) fuzz_failure("the same push applied twice changed the hub's data");
  }

  // The connection still works: the client can pull.
  (void)only<sync::Changes>(session.on_message(sync::Pull{.request = 1, .max_cells = 100}, kFuzzWallMs), "a pull");
}

void merge_changes(sync::Replica& client, const sync::Changes& changes) {
  auto first = client.apply_remote(changes.cells);
  if (!first) fuzz_failure("client failed to merge changes: " + first.error().message);
  // Merging is idempotent: a page received twice changes nothing.
  const std::uint64_t before = city_hash(client, "client");
  auto second = client.apply_remote(changes.cells);
  if (!second) fuzz_failure("client failed to merge changes a second time: " + second.error().message);
  if (second->applied != 0 || city_hash(client, "client") != before)
    fuzz_failure("the same changes merged twice changed the client's data");
}

// What ClientSession does with a hub's answer to its push: record the
// refusals and converge to the corrections.
void record_ack(sync::Replica& client, const sync::PushAck& ack) {
  const Status recorded = client.transact([&] { return client.record_push_outcome(ack.rejections, ack.corrections); });
  if (!recorded) fuzz_failure("client failed to record a push ack: " + recorded.error().message);
}

}  // namespace

int fuzz_merge(const std::uint8_t* data, std::size_t size) {
  auto message = sync::decode(std::span<const std::uint8_t>(data, size));
  if (!message) return 0;  // rejected before it reaches a replica
  Scratch& s = scratch();
  s.renew_if_worn();
  ++s.inputs;
  if (const auto* push = std::get_if<sync::Push>(&*message)) push_to_hub(*s.hub, *push);
  if (const auto* changes = std::get_if<sync::Changes>(&*message)) merge_changes(*s.client, *changes);
  if (const auto* urgent = std::get_if<sync::Urgent>(&*message))
    merge_changes(*s.client, sync::Changes{.cells = urgent->cells});
  if (const auto* ack = std::get_if<sync::PushAck>(&*message)) record_ack(*s.client, *ack);
  if (s.inputs % kIntegrityEvery == 0) check_merge_integrity();
  return 0;
}

void reset_merge_replicas() { scratch().renew(); }

void check_merge_integrity() {
  Scratch& s = scratch();
  s.renew_if_worn();
  for (sync::Replica* replica : {s.hub.get(), s.client.get()}) {
    auto ok = replica->integrity_ok();
    if (!ok || !*ok) fuzz_failure("scratch replica failed PRAGMA integrity_check");
  }
  // Whatever the hub accepted is what its fields may hold (no control
  // characters, within the length limits, finite numbers).
  for (const auto& def : Schema::get().tables()) {
    auto rows = s.hub->list(def.id);
    if (!rows) fuzz_failure("hub failed to list " + std::string(def.name) + ": " + rows.error().message);
    for (const sync::Row& row : *rows)
      for (std::size_t c = 0; c < def.columns.size() && c < row.values.size(); ++c)
        if (auto problem = value_problem(def.columns[c], row.values[c]))
          fuzz_failure("the hub stored a value it must refuse: " + std::string(def.name) + " " + *problem);
  }
}

}  // namespace liaison::fuzz
