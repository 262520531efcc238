// Tests for the hub's core (sync/hub_core.hpp) with several client sessions
// connected at once over real replicas: pushes received together are one
// group, a store failure in the middle of a group keeps none of it and every
// client in it resends, refusals at admission, a new revocation list, and a
// certificate shared by two devices.
#include "sync/hub_core.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace liaison::sync {
namespace {

constexpr std::uint64_t kT0 = 1'760'000'000'000;

// The replica as the hub's store, failing the push at a chosen position
// of the next group (after applying it, so its writes must roll back).
class FailingStore final : public ForwardingHubStore {
 public:
  explicit FailingStore(HubStore& store) : ForwardingHubStore(store) {}
  std::size_t fail_at = 0;  // 1-based position in the group; 0: never
  std::size_t groups = 0;

  Status apply_group(const std::function<Status()>& body) override {
    ++groups;
    position_ = 0;
    return ForwardingHubStore::apply_group(body);
  }
  Result<PushResult> apply_push(const NodeId& from, std::span<const Cell> cells, std::uint64_t max_clock_ahead_ms,
                                std::string_view certificate) override {
    auto applied = ForwardingHubStore::apply_push(from, cells, max_clock_ahead_ms, certificate);
    if (applied && fail_at != 0 && ++position_ == fail_at) {
      fail_at = 0;
      return make_error(Errc::storage_failed, "disk full");
    }
    return applied;
  }

 private:
  std::size_t position_ = 0;
};

struct Office {
  std::unique_ptr<Replica> replica;
  std::unique_ptr<ClientSession> session;
  ConnectionId connection = 0;
};

struct Hub {
  std::string dir;
  std::uint64_t now = kT0;
  std::unique_ptr<Replica> replica;
  std::unique_ptr<ReplicaHubStore> replica_store;
  std::unique_ptr<FailingStore> store;
  std::unique_ptr<HubCore> core;
  std::map<std::string, Office> offices;
  std::map<ConnectionId, Outbox> inbox;  // what the core sent, per connection
  std::map<ConnectionId, std::string> closed;
  ConnectionId next_connection = 1;

  Hub() {
    char tmpl[] = "/tmp/liaison-hub-core-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    replica = open("hub.db", "city:hub", true);
    replica_store = std::make_unique<ReplicaHubStore>(*replica);
    store = std::make_unique<FailingStore>(*replica_store);
    core = std::make_unique<HubCore>(*store);
  }
  ~Hub() {
    core.reset();
    store.reset();
    replica_store.reset();
    replica.reset();
    offices.clear();
    std::filesystem::remove_all(dir);
  }
  std::unique_ptr<Replica> open(const std::string& file, const std::string& node, bool is_hub = false) {
    ReplicaOptions options;
    options.path = dir + "/" + file;
    options.self = NodeId::parse(node).value();
    options.hub = is_hub;
    options.wall = [this] { return now; };
    options.seed = std::hash<std::string>{}(file);
    options.durable = false;
    auto r = Replica::open(options);
    REQUIRE(r.ok());
    return std::move(r).value();
  }
  Office& office(const std::string& node) {
    Office& o = offices[node];
    if (!o.replica) {
      std::string file = node;
      std::replace(file.begin(), file.end(), ':', '-');
      o.replica = open(file + ".db", node);
    }
    return o;
  }
  void carry_out(const HubActions& actions) {
    for (const auto& s : actions.sends) inbox[s.to].insert(inbox[s.to].end(), s.messages.begin(), s.messages.end());
    for (const auto& c : actions.closes) {
      closed[c.connection] = c.why;
      core->disconnected(c.connection);
    }
  }
  // Connects `node` with a fresh session; returns what the client sends first.
  Outbox connect(const std::string& node, const std::string& serial = "01") {
    Office& o = office(node);
    o.session = std::make_unique<ClientSession>(*o.replica);
    o.connection = next_connection++;
    const Admission admission =
        core->connect(o.connection, o.replica->self(), serial, "10.0.0." + std::to_string(o.connection), now);
    REQUIRE_MESSAGE(admission.admitted, admission.refusal);
    return o.session->start(now);
  }
  // Hands the client's messages to the core; pushes wait for commit().
  void to_hub(const std::string& node, const Outbox& out) {
    for (const Message& m : out) carry_out(core->receive(offices.at(node).connection, m, now));
  }
  // Delivers what the core sent to `node`'s client; returns its answer.
  Outbox to_client(const std::string& node) {
    Office& o = offices.at(node);
    Outbox answer;
    Outbox delivered = std::move(inbox[o.connection]);
    inbox.erase(o.connection);
    for (const Message& m : delivered) {
      Outbox out = o.session->on_message(m, now);
      answer.insert(answer.end(), out.begin(), out.end());
    }
    return answer;
  }
  // Runs `node`'s connection until neither side has anything to say.
  void settle(const std::string& node) {
    for (int round = 0; round < 100; ++round) {
      Outbox answer = to_client(node);
      if (answer.empty() && !core->commit_due()) return;
      to_hub(node, answer);
      carry_out(core->commit(now));
    }
    FAIL("the connection never settled");
  }
};

Fields a_case(const std::string& title, const std::string& county) {
  return {
      {"kind", std::string("outbound_trip")}, {"county", county}, {"title", title}, {"status", std::string("draft")}};
}

bool has(const Outbox& out, MessageType type) {
  for (const Message& m : out)
    if (type_of(m) == type) return true;
  return false;
}

std::size_t cases_at(Replica& r) { return r.list(TableId::cases).value().size(); }

const std::vector<std::string> kOffices = {"longyou:office-1", "kaihua:office-1", "qujiang:office-1"};

// Three offices each write a case, connect, and get to the point where
// their pushes are waiting for the hub's commit.
void three_pushes_waiting(Hub& hub) {
  for (const auto& node : kOffices) {
    const std::string county(NodeId::parse(node)->scope());
    REQUIRE(hub.office(node).replica->insert(TableId::cases, a_case("出访 " + county, county)).ok());
    hub.to_hub(node, hub.connect(node));  // hello is answered at once
  }
  REQUIRE_FALSE(hub.core->commit_due());
  for (const auto& node : kOffices) {
    const Outbox push = hub.to_client(node);  // welcome -> the first push
    REQUIRE(has(push, MessageType::push));
    hub.to_hub(node, push);
  }
  REQUIRE(hub.core->commit_due());
}

}  // namespace

TEST_CASE("pushes from three offices received together are merged in one commit, and each is acknowledged") {
  Hub hub;
  three_pushes_waiting(hub);
  CHECK(cases_at(*hub.replica) == 0);
  hub.carry_out(hub.core->commit(hub.now));
  CHECK(hub.store->groups == 1);
  CHECK(hub.core->stats().largest_group == 3);
  CHECK(cases_at(*hub.replica) == 3);
  for (const auto& node : kOffices) {
    CHECK(has(hub.inbox[hub.offices.at(node).connection], MessageType::push_ack));
    hub.settle(node);
    CHECK(hub.offices.at(node).session->state() == ClientState::done);
  }
  CHECK(hub.closed.empty());
}

TEST_CASE("a store failure in the middle of a group keeps none of it; every office in it resends and nothing is lost") {
  Hub hub;
  three_pushes_waiting(hub);
  hub.store->fail_at = 2;  // the second push of the group, after it was applied
  hub.carry_out(hub.core->commit(hub.now));
  CHECK(hub.core->stats().failed_groups == 1);
  CHECK(cases_at(*hub.replica) == 0);  // the first push of the group rolled back too
  for (const auto& node : kOffices) {
    const ConnectionId c = hub.offices.at(node).connection;
    CAPTURE(node);
    REQUIRE(hub.closed.count(c) == 1);
    CHECK(hub.closed[c].find("disk full") != std::string::npos);
    REQUIRE(hub.inbox[c].size() == 1);
    const auto* error = std::get_if<ErrorMessage>(&hub.inbox[c][0]);
    REQUIRE(error != nullptr);
    CHECK(error->code == Errc::storage_failed);
    hub.to_client(node);
    CHECK(hub.offices.at(node).session->state() == ClientState::failed);
  }
  CHECK(hub.core->size() == 0);
  // Each office reconnects and pushes again from its last acknowledged batch.
  for (const auto& node : kOffices) {
    hub.to_hub(node, hub.connect(node));
    hub.settle(node);
    CHECK(hub.offices.at(node).session->state() == ClientState::done);
  }
  CHECK(cases_at(*hub.replica) == 3);
  // Each case is in the hub's history once: nothing was applied twice.
  std::size_t created = 0;
  const std::vector<Change> history = hub.replica->history().value();
  for (const Change& change : history) created += change.created_row;
  CHECK(created == 3);
}

TEST_CASE("an office connected while another's push lands is notified, and pulls it") {
  Hub hub;
  // Two devices of Longyou: the field laptop is caught up and live.
  Office& field = hub.office("longyou:field-2");
  hub.connect("longyou:field-2");
  field.session = std::make_unique<ClientSession>(*field.replica, ClientSessionOptions{.stay_live = true});
  hub.to_hub("longyou:field-2", field.session->start(hub.now));
  hub.settle("longyou:field-2");
  REQUIRE(field.session->state() == ClientState::live);
  REQUIRE(hub.office("longyou:office-1").replica->insert(TableId::cases, a_case("接待 德国代表团", "longyou")).ok());
  hub.to_hub("longyou:office-1", hub.connect("longyou:office-1"));
  hub.settle("longyou:office-1");
  REQUIRE(has(hub.inbox[field.connection], MessageType::notify));
  hub.settle("longyou:field-2");
  CHECK(cases_at(*field.replica) == 1);
}

TEST_CASE("the hub refuses a node past its connection limit and a certificate revoked during its handshake") {
  Hub hub;
  HubCoreOptions options;
  options.max_connections_per_node = 2;
  hub.core = std::make_unique<HubCore>(*hub.store, options);
  const NodeId longyou = NodeId::parse("longyou:office-1").value();
  CHECK(hub.core->connect(1, longyou, "0A", "10.0.0.1", hub.now).admitted);
  CHECK(hub.core->connect(2, longyou, "0A", "10.0.0.1", hub.now).admitted);
  const Admission third = hub.core->connect(3, longyou, "0A", "10.0.0.1", hub.now);
  CHECK_FALSE(third.admitted);
  CHECK(third.refusal.find("at most 2") != std::string::npos);
  hub.carry_out(hub.core->set_revocations({{"0B"}, ""}));
  const Admission revoked = hub.core->connect(4, NodeId::parse("kaihua:office-1").value(), "0B", "10.0.0.2", hub.now);
  CHECK_FALSE(revoked.admitted);
  CHECK(revoked.refusal.find("revoked") != std::string::npos);
}

TEST_CASE("a new revocation list ends the sessions it revokes at once and reaches every other client") {
  Hub hub;
  hub.carry_out(hub.core->set_revocations({{}, "-----BEGIN X509 CRL-----\nfirst\n-----END X509 CRL-----\n"}));
  hub.to_hub("longyou:office-1", hub.connect("longyou:office-1", "0A"));
  hub.to_hub("kaihua:office-1", hub.connect("kaihua:office-1", "0B"));
  // The list comes just before the welcome.
  for (const auto& node : {"longyou:office-1", "kaihua:office-1"}) {
    const Outbox& greeting = hub.inbox[hub.offices.at(node).connection];
    REQUIRE(greeting.size() >= 2);
    CHECK(std::holds_alternative<Revocations>(greeting[0]));
    CHECK(std::holds_alternative<Welcome>(greeting[1]));
    hub.settle(node);
  }
  const std::string second = "-----BEGIN X509 CRL-----\nsecond\n-----END X509 CRL-----\n";
  const HubActions actions = hub.core->set_revocations({{"0A"}, second});
  hub.carry_out(actions);
  const ConnectionId longyou = hub.offices.at("longyou:office-1").connection;
  const ConnectionId kaihua = hub.offices.at("kaihua:office-1").connection;
  REQUIRE(hub.closed.count(longyou) == 1);
  CHECK(hub.closed[longyou].find("revoked") != std::string::npos);
  CHECK(hub.closed.count(kaihua) == 0);
  REQUIRE(hub.inbox[kaihua].size() == 1);
  const auto* list = std::get_if<Revocations>(&hub.inbox[kaihua][0]);
  REQUIRE(list != nullptr);
  CHECK(list->crl_pem == second);
}

TEST_CASE("two devices syncing with one certificate at once: the second is refused after its hello") {
  Hub hub;
  hub.to_hub("longyou:office-1", hub.connect("longyou:office-1"));
  hub.settle("longyou:office-1");
  const ConnectionId first = hub.offices.at("longyou:office-1").connection;
  // Another replica (a second PC) presenting the same certificate.
  auto other = hub.open("longyou-copy.db", "longyou:office-1");
  ClientSession session(*other);
  const ConnectionId second = hub.next_connection++;
  REQUIRE(hub.core->connect(second, other->self(), "01", "10.0.0.9", hub.now).admitted);
  for (const Message& m : session.start(hub.now)) hub.carry_out(hub.core->receive(second, m, hub.now));
  REQUIRE(hub.closed.count(second) == 1);
  CHECK(hub.closed[second].find("can't share a certificate") != std::string::npos);
  CHECK(hub.closed[second].find("already syncing from 10.0.0." + std::to_string(first)) != std::string::npos);
  CHECK(hub.closed.count(first) == 0);
}

}  // namespace liaison::sync
