// The simulated world and its end-of-run checks; see world.hpp.
#include "world.hpp"

#include <array>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <sstream>

#include "shared/case_ref.hpp"
#include "shared/staff.hpp"
#include "sync/authority.hpp"
#include "sync/case_register.hpp"
#include "sync/codec.hpp"
#include "sync/framing.hpp"
#include "sync/hub_core.hpp"
#include "sync/receipts.hpp"
#include "sync/session.hpp"
#include "workload.hpp"
#include "tests/password_hash_fixture.hpp"

namespace liaison::sim {
namespace {

using namespace liaison::sync;

constexpr std::uint64_t kStepMs = 50;
constexpr std::uint64_t kStartMs = 1'780'000'000'000;  // 2026-05-28, an arbitrary fixed epoch

struct Node {
  std::size_t index = 0;
  NodeId id;
  std::string path;
  bool hub = false;
  std::unique_ptr<Replica> replica;
  bool up = true;
  std::uint64_t down_until = 0;
  std::int64_t skew_ms = 0;
  bool partitioned = false;
  std::optional<std::uint64_t> conn;  // client: open connection id
  std::uint64_t next_attempt = 0;
  int failures = 0;
};

struct Connection {
  std::size_t client = 0;
  std::unique_ptr<ClientSession> client_session;
  FrameDecoder to_hub, to_client;
};

// The hub's store, failing a push in the middle of a group now and then:
// before it is applied, or after (its writes then roll back with the rest).
class FaultyHubStore final : public ForwardingHubStore {
 public:
  FaultyHubStore(HubStore& store, std::mt19937_64& rng, const bool& faults_on)
      : ForwardingHubStore(store), rng_(rng), faults_on_(faults_on) {}

  Status apply_group(const std::function<Status()>& body) override {
    position_ = 0;
    return ForwardingHubStore::apply_group(body);
  }
  Result<PushResult> apply_push(const NodeId& from, std::span<const Cell> cells, std::uint64_t max_clock_ahead_ms,
                                std::string_view certificate) override {
    const bool fail = faults_on_ && ++position_ >= 2 && rng_() % 100 < kFailPercent;
    if (!fail) return ForwardingHubStore::apply_push(from, cells, max_clock_ahead_ms, certificate);
    if (rng_() % 2) {
      auto applied = ForwardingHubStore::apply_push(from, cells, max_clock_ahead_ms, certificate);
      if (!applied) return applied;
    }
    return make_error(Errc::storage_failed, "disk I/O error (injected in the middle of a group)");
  }

 private:
  static constexpr std::uint64_t kFailPercent = 15;
  std::mt19937_64& rng_;
  const bool& faults_on_;
  std::size_t position_ = 0;  // of the push in the group being applied
};

struct InFlight {
  std::uint64_t at;
  std::uint64_t order;
  std::uint64_t conn;
  bool to_hub;
  std::vector<std::uint8_t> frame;
  bool operator>(const InFlight& o) const { return std::tie(at, order) > std::tie(o.at, o.order); }
};

using CellKey = std::tuple<std::uint8_t, Uuid, std::uint16_t>;
CellKey key_of(const Cell& c) { return {static_cast<std::uint8_t>(c.table), c.row, c.column}; }

std::string describe(const Cell& c) {
  return std::string(Schema::get().table(c.table).name) + " " + c.row.to_string() + "." +
         std::string(Schema::get().table(c.table).columns[c.column].name) + " = '" + to_display(c.value) +
         "' stamped " + std::to_string(c.stamp.hlc) + "@" + c.stamp.node;
}

class World {
 public:
  // Notification loss draws from its own generator, so runs with and
  // without it share every other choice of their schedule.
  explicit World(const SimConfig& config)
      : config_(config),
        rng_(config.seed),
        loss_rng_(config.seed ^ 0x6e6f74696679ull),
        staff_rng_(config.seed ^ 0x7374616666ull) {}

  SimReport run();

 private:
  void log(const std::string& line) {
    if (config_.verbose) std::cerr << "[" << (now_ - kStartMs) << "ms] " << line << "\n";
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + rng_() % (hi - lo + 1); }

  Status open_node(Node& node);
  void crash(Node& node);
  void close_connection(std::uint64_t id, const std::string& why);
  void add_session_stats(const Connection& c);
  void send(std::uint64_t conn, bool to_hub, const Outbox& out);
  void carry_out(const HubActions& actions);
  void deliver(const InFlight& msg);
  void trace(const InFlight& msg, const Message& message);
  void trace_message(const InFlight& msg, const Message& message);
  void handle_client_outcome(std::uint64_t conn_id);
  void step(bool faults);
  void faults_step();
  bool try_connect(Node& node);
  std::optional<std::string> converged();
  std::optional<std::string> receipts_missing();
  std::optional<std::string> check_invariants();
  std::optional<std::string> history_duplicates();
  std::optional<std::string> register_problems();
  std::optional<std::string> staff_problems();
  void add_core_stats();
  // Staff accounts: made at the hub before anyone writes, one disabled
  // halfway, each written as an admin command in a process of its own
  // would (another connection to the hub's file).
  Status write_at_hub(TableId table, const Uuid& row, const Fields& fields);
  Status add_staff_accounts();
  void disable_an_account();
  void sign_in_someone(Node& node);

  SimConfig config_;
  std::mt19937_64 rng_;
  std::mt19937_64 loss_rng_;
  double notify_loss_ = 0;  // share of the hub's Notify messages lost, faults or not
  std::uint64_t now_ = kStartMs;
  std::vector<std::unique_ptr<Node>> nodes_;            // [0] is the hub
  std::unique_ptr<ReplicaHubStore> hub_replica_store_;  // while the hub is up
  std::unique_ptr<FaultyHubStore> hub_store_;
  std::unique_ptr<HubCore> core_;
  std::map<std::uint64_t, Connection> conns_;
  std::uint64_t next_conn_ = 1, next_order_ = 0;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> network_;
  std::vector<WriteRecord> writes_;
  std::set<std::pair<CellKey, Stamp>> restamped_;
  // Who signs in where: its own generator, so that the schedule of
  // everything else is what it was before staff accounts.
  std::mt19937_64 staff_rng_;
  std::string disabled_staff_;  // the staff ref disabled halfway ("" until then)
  std::uint64_t disabled_at_hlc_ = 0;
  SimReport report_;
  bool faults_on_ = true;
};

Status World::open_node(Node& node) {
  ReplicaOptions options;
  options.path = node.path;
  options.self = node.id;
  options.hub = node.hub;
  options.durable = false;  // crashes here are process crashes, not power loss
  options.seed = config_.seed * 1000 + node.index + 1;
  Node* n = &node;
  options.wall = [this, n] { return static_cast<std::uint64_t>(static_cast<std::int64_t>(now_) + n->skew_ms); };
  // A re-stamped cell is the same write under a new stamp: follow it.
  options.on_restamp = [this, n](const Cell& before, const Cell& after) {
    restamped_.insert({key_of(before), before.stamp});
    writes_.push_back({n->index, after, false});
  };
  auto replica = Replica::open(options);
  if (!replica) return replica.error();
  node.replica = std::move(*replica);
  node.up = true;
  if (node.hub) {
    hub_replica_store_ = std::make_unique<ReplicaHubStore>(*node.replica);
    hub_store_ = std::make_unique<FaultyHubStore>(*hub_replica_store_, rng_, faults_on_);
    HubCoreOptions core_options;
    core_options.session.max_batch_cells = static_cast<std::uint32_t>(between(20, 200));  // many pages, many cut points
    core_options.session.idle_timeout_ms = 20'000;
    core_ = std::make_unique<HubCore>(*hub_store_, core_options);
  }
  return {};
}

void World::add_core_stats() {
  if (!core_) return;
  report_.groups += core_->stats().groups;
  report_.largest_group = std::max(report_.largest_group, core_->stats().largest_group);
  report_.failed_groups += core_->stats().failed_groups;
}

void World::crash(Node& node) {
  ++report_.crashes;
  log("crash " + node.id.str());
  if (node.hub) {
    std::vector<std::uint64_t> ids;
    for (auto& [id, c] : conns_) ids.push_back(id);
    for (auto id : ids) close_connection(id, "hub crashed");
    add_core_stats();
    core_.reset();
    hub_store_.reset();
    hub_replica_store_.reset();
  } else if (node.conn) {
    close_connection(*node.conn, "client crashed");
  }
  node.replica.reset();  // an open transaction, if any, is rolled back by SQLite
  node.up = false;
  node.down_until = now_ + between(200, 8000);
}

void World::close_connection(std::uint64_t id, const std::string& why) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Node& client = *nodes_[it->second.client];
  log("close connection " + std::to_string(id) + " of " + client.id.str() + ": " + why);
  client.conn.reset();
  if (core_) core_->disconnected(id);
  add_session_stats(it->second);
  const bool synced = it->second.client_session && it->second.client_session->synced();
  client.failures = synced ? 0 : client.failures + 1;
  // Exponential backoff with jitter, as the real client does.
  const std::uint64_t ceiling = std::min<std::uint64_t>(20'000, 250ull << std::min(client.failures, 7));
  client.next_attempt = now_ + ceiling / 2 + rng_() % (ceiling / 2 + 1);
  conns_.erase(it);
}

void World::add_session_stats(const Connection& c) {
  report_.rechecks += c.client_session->stats().rechecks;
  report_.stale_copies += c.client_session->stats().stale_copies;
}

void World::send(std::uint64_t conn, bool to_hub, const Outbox& out) {
  for (const Message& m : out) {
    // A hub that forgets to notify (a missed wake-up, a bug) must not leave a
    // watching client behind for long: its periodic recheck has to catch up.
    if (!to_hub && std::holds_alternative<Notify>(m) &&
        std::uniform_real_distribution<double>(0, 1)(loss_rng_) < notify_loss_) {
      ++report_.notifications_lost;
      continue;
    }
    std::vector<std::uint8_t> frame;
    append_frame(frame, encode(m));
    ++report_.messages;
    std::uint64_t delay = between(5, 120);
    if (faults_on_) {
      if (chance(0.02)) {
        ++report_.dropped;
        continue;
      }
      if (chance(0.05)) {
        ++report_.delayed;
        delay += between(100, 3000);  // overtaken by later messages
      }
      if (chance(0.02)) {
        ++report_.duplicated;
        network_.push({now_ + delay + between(0, 500), next_order_++, conn, to_hub, frame});
      }
    }
    network_.push({now_ + delay, next_order_++, conn, to_hub, std::move(frame)});
  }
}

// What the hub's core decided: messages go out on the network, and a
// connection it ends is closed at once (what it sent last is lost with it,
// as on a real link cut at that moment).
void World::carry_out(const HubActions& actions) {
  Replica& hub = *nodes_[0]->replica;
  for (const auto& line : actions.log) log("hub: " + line);
  for (const auto& s : actions.sends) {
    if (!conns_.count(s.to)) continue;
    // The hub's re-asserted values are writes too: account for them.
    for (const Message& m : s.messages)
      if (const auto* ack = std::get_if<PushAck>(&m)) {
        if (!ack->rejections.empty())
          log(nodes_[conns_.at(s.to).client]->id.str() + ": " + std::to_string(ack->rejections.size()) +
              " cells refused, first: " + errc_name(ack->rejections.front().code) + ": " +
              ack->rejections.front().reason);
        for (const Cell& cell : ack->corrections) {
          // A tombstone for a row the hub refused outright is not stored at
          // the hub; it only settles the writer's copy, so it isn't checked.
          auto row = hub.get(cell.table, cell.row);
          writes_.push_back({0, cell, false, row && *row});
        }
      }
    send(s.to, false, s.messages);
  }
  for (const auto& c : actions.closes) close_connection(c.connection, "hub: " + c.why);
}

void World::handle_client_outcome(std::uint64_t conn_id) {
  auto it = conns_.find(conn_id);
  if (it == conns_.end()) return;
  auto& cs = *it->second.client_session;
  if (cs.state() == ClientState::failed) close_connection(conn_id, "client: " + cs.failure()->message);
}

// Prints every cell of the traced row that crosses the network.
void World::trace(const InFlight& msg, const Message& message) {
  const auto show = [&](const char* what, const std::vector<Cell>& cells) {
    for (const Cell& c : cells)
      if (c.row.to_string().rfind(config_.trace_row, 0) == 0)
        std::cerr << "[" << (now_ - kStartMs) << "ms] conn " << msg.conn << (msg.to_hub ? " -> hub " : " -> client ")
                  << what << ": " << describe(c) << " base " << c.base.hlc << "\n";
  };
  if (const auto* m = std::get_if<Push>(&message)) show("push", m->cells);
  if (const auto* m = std::get_if<Changes>(&message)) show("changes", m->cells);
  if (const auto* m = std::get_if<PushAck>(&message)) {
    show("correction", m->corrections);
    for (const auto& r : m->rejections)
      if (r.row.to_string().rfind(config_.trace_row, 0) == 0)
        std::cerr << "[" << (now_ - kStartMs) << "ms] conn " << msg.conn << " rejected col " << r.column << " "
                  << r.stamp.hlc << ": " << r.reason << "\n";
  }
}

// Prints a message of the traced connection as it is delivered, with the
// order it was sent in: copies and overtaking show as orders out of sequence.
void World::trace_message(const InFlight& msg, const Message& message) {
  const auto cursor = [](FeedCursor c) { return std::to_string(c.low) + "/" + std::to_string(c.pos); };
  std::string detail;
  if (const auto* m = std::get_if<Pull>(&message))
    detail = " request " + std::to_string(m->request) + " from " + cursor(m->cursor);
  if (const auto* m = std::get_if<Changes>(&message))
    detail = " request " + std::to_string(m->request) + ": " + std::to_string(m->cells.size()) + " cells, next " +
             cursor(m->next) + (m->more ? ", more" : "");
  if (const auto* m = std::get_if<Notify>(&message)) detail = " hub seq " + std::to_string(m->hub_seq);
  if (const auto* m = std::get_if<Welcome>(&message)) detail = " hub seq " + std::to_string(m->hub_seq);
  if (const auto* m = std::get_if<Push>(&message))
    detail = " batch " + std::to_string(m->batch) + ": " + std::to_string(m->cells.size()) + " cells";
  if (const auto* m = std::get_if<PushAck>(&message)) detail = " batch " + std::to_string(m->batch);
  std::cerr << "[" << (now_ - kStartMs) << "ms] conn " << msg.conn << (msg.to_hub ? " -> hub " : " -> client ")
            << message_name(type_of(message)) << detail << " (sent as #" << msg.order << ")\n";
}

void World::deliver(const InFlight& msg) {
  auto it = conns_.find(msg.conn);
  if (it == conns_.end()) return;  // connection already gone: the bytes vanish
  Connection& c = it->second;
  Node& client = *nodes_[c.client];
  Node& hub = *nodes_[0];
  if (client.partitioned || !hub.up || !client.up) return;
  FrameDecoder& decoder = msg.to_hub ? c.to_hub : c.to_client;
  decoder.feed(msg.frame);
  auto frame = decoder.next();
  if (!frame || !*frame) return close_connection(msg.conn, "bad frame");
  auto message = decode(**frame);
  if (!message) return close_connection(msg.conn, "undecodable message: " + message.error().message);
  if (!config_.trace_row.empty()) trace(msg, *message);
  if (config_.trace_conn == msg.conn) trace_message(msg, *message);
  if (msg.to_hub) {
    // A push waits for the commit at the end of this step's deliveries.
    carry_out(core_->receive(msg.conn, *message, now_));
  } else {
    Outbox out = c.client_session->on_message(*message, now_);
    send(msg.conn, true, out);
    // The real transport does this work while waiting; here sometimes not at all.
    if (chance(0.7)) send(msg.conn, true, c.client_session->on_idle());
  }
  handle_client_outcome(msg.conn);
}

bool World::try_connect(Node& node) {
  if (node.conn || !node.up || node.partitioned || now_ < node.next_attempt) return false;
  if (!nodes_[0]->up) {
    node.failures++;
    node.next_attempt = now_ + 1000;
    return false;
  }
  const std::uint64_t id = next_conn_++;
  Connection c;
  c.client = node.index;
  ClientSessionOptions options;
  options.stay_live = true;
  options.batch_cells = static_cast<std::uint32_t>(between(20, 200));  // many batches, many cut points
  options.heartbeat_ms = 3'000;
  options.timeout_ms = 10'000;
  options.recheck_ms = config_.recheck_ms ? config_.recheck_ms : UINT64_MAX;
  options.mark_received = !node.id.is_city();
  c.client_session = std::make_unique<ClientSession>(*node.replica, options);
  const Admission admission =
      core_->connect(id, node.id, "sim-" + std::to_string(node.index), "conn " + std::to_string(id), now_);
  if (!admission.admitted) throw std::runtime_error("hub refused " + node.id.str() + ": " + admission.refusal);
  Outbox hello = c.client_session->start(now_);
  conns_.emplace(id, std::move(c));
  node.conn = id;
  log("connect " + node.id.str() + " as " + std::to_string(id));
  send(id, true, hello);
  return true;
}

void World::faults_step() {
  for (auto& n : nodes_) {
    if (!n->up) continue;
    if (chance(n->hub ? 0.002 : 0.003)) crash(*n);
  }
  for (auto& n : nodes_) {
    if (n->hub) continue;
    if (!n->partitioned && chance(0.002)) {
      ++report_.partitions;
      n->partitioned = true;
      log("partition " + n->id.str());
    } else if (n->partitioned && chance(0.02)) {
      n->partitioned = false;
      log("heal " + n->id.str());
    }
    if (chance(0.002)) {
      const auto jump = static_cast<std::int64_t>(between(1'000, 120'000));
      n->skew_ms -= jump;  // the wall clock jumps backwards
      log("clock of " + n->id.str() + " jumps back " + std::to_string(jump) + " ms");
    }
  }
}

// The people of each office: two directors and a colleague (whose account
// may be the one disabled), who between them may do all the workload does,
// and a viewer, who may change nothing.
constexpr std::array<std::string_view, 3> kWorkers = {"主任甲", "主任乙", "临时"};
constexpr std::string_view kViewer = "查阅";

std::vector<std::string> staff_scopes() {
  std::vector<std::string> scopes(kCounties.begin(), kCounties.end());
  scopes.emplace_back(kCityScope);
  return scopes;
}

Status World::write_at_hub(TableId table, const Uuid& row, const Fields& fields) {
  ReplicaOptions options;
  options.path = nodes_[0]->path;
  options.self = nodes_[0]->id;
  options.hub = true;
  options.durable = false;
  options.wall = [this] { return now_; };
  auto admin = Replica::open(options);
  if (!admin) return admin.error();
  auto written = (*admin)->insert(table, fields, row);
  return written ? Status{} : Status{written.error()};
}

Status World::add_staff_accounts() {
  for (const auto& scope : staff_scopes()) {
    std::vector<std::pair<std::string_view, std::string_view>> people;
    for (const auto name : kWorkers) people.emplace_back(name, "director");
    people.emplace_back(kViewer, "viewer");
    for (const auto& [name, role] : people) {
      const StaffRef who{scope, std::string(name)};
      // The hub never checks a password: one stored hash serves everyone.
      LIAISON_TRY(write_at_hub(TableId::staff, staff_row_id(who),
                               {{"name", who.name},
                                {"county", scope},
                                {"role", std::string(role)},
                                {"password", std::string(kTestPasswordHash)}}));
    }
  }
  return {};
}

void World::disable_an_account() {
  const auto scopes = staff_scopes();
  const StaffRef who{scopes[staff_rng_() % scopes.size()], std::string(kWorkers.back())};
  if (auto st = write_at_hub(TableId::staff, staff_row_id(who), {{"disabled", std::int64_t{1}}}); !st) {
    log("disabling " + who.str() + " failed: " + st.error().message);
    return;
  }
  auto cell = nodes_[0]->replica->cell_of(TableId::staff, staff_row_id(who),
                                          *Schema::get().table(TableId::staff).column_index("disabled"));
  if (!cell || !*cell) return;
  disabled_staff_ = who.str();
  disabled_at_hlc_ = (*cell)->stamp.hlc;
  log("hub disables " + disabled_staff_);
}

// Who works at the node for its next action: one of its people, as a shared
// PC switches between them, never one its replica shows disabled (the
// client signs such an account out); now and then the viewer.
void World::sign_in_someone(Node& node) {
  const std::string scope(node.id.scope());
  std::string name(staff_rng_() % 20 == 0 ? kViewer : kWorkers[staff_rng_() % kWorkers.size()]);
  const StaffRef who{scope, name};
  auto account = node.replica->get(TableId::staff, staff_row_id(who));
  if (account && *account && (**account)["disabled"] == Value{std::int64_t{1}}) name = kWorkers.front();
  node.replica->set_staff(StaffRef{scope, name}.str());
}

void World::step(bool faults) {
  now_ += kStepMs;
  while (!network_.empty() && network_.top().at <= now_) {
    InFlight msg = network_.top();
    network_.pop();
    deliver(msg);
  }
  // Pushes that arrived in this step are one group, as pushes read together
  // are in the real server.
  if (core_) carry_out(core_->commit(now_));
  for (auto& n : nodes_) {
    if (!n->up && now_ >= n->down_until) {
      if (auto st = open_node(*n); !st) throw std::runtime_error("reopen " + n->id.str() + ": " + st.error().message);
      log("restart " + n->id.str());
    }
  }
  if (faults) {
    faults_step();
    for (auto& n : nodes_) {
      if (n->hub || !n->up || !chance(0.08)) continue;
      const std::size_t before = writes_.size();
      sign_in_someone(*n);
      random_action(*n->replica, rng_, n->index, writes_);
      if (writes_.size() != before && n->conn) {
        auto& c = conns_.at(*n->conn);
        send(*n->conn, true, c.client_session->on_local_change(now_));
        handle_client_outcome(*n->conn);
      }
    }
  }
  for (auto& n : nodes_)
    if (!n->hub) try_connect(*n);
  report_.most_connected = std::max<std::uint64_t>(report_.most_connected, conns_.size());
  // Bytes to or from a partitioned node vanish; each side only learns by its own timeout.
  std::vector<std::uint64_t> ids;
  for (auto& [id, c] : conns_) ids.push_back(id);
  for (auto id : ids) {
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    send(id, true, it->second.client_session->on_tick(now_));
    handle_client_outcome(id);
  }
  if (core_) {
    carry_out(core_->tick(now_));
    carry_out(core_->poll_store(now_));
  }
}

// The first row that differs between the hub's view of a node's scope and
// the node's replica, for the failure message.
std::string difference(Replica& hub, const Node& node) {
  for (const auto& def : Schema::get().tables()) {
    auto theirs = hub.list(def.id);
    auto mine = node.replica->list(def.id);
    if (!theirs || !mine) return " (list failed)";
    std::map<Uuid, const Row*> at_hub, at_node;
    for (const Row& r : *theirs)
      if (row_visible(def.id, r.scope, node.id.scope())) at_hub[r.id] = &r;
    for (const Row& r : *mine) at_node[r.id] = &r;
    for (const auto& [id, row] : at_hub) {
      auto it = at_node.find(id);
      if (it == at_node.end()) {
        std::string detail = ": " + std::string(def.name) + " " + id.to_string() + " missing at the node";
        auto deleted = node.replica->cell_of(def.id, id, kDeletedColumn);
        if (deleted && *deleted)
          detail += " (deleted there: " + describe(**deleted) + " base " + std::to_string((*deleted)->base.hlc) + "@" +
                    (*deleted)->base.node + ")";
        auto kind = hub.cell_of(def.id, id, 1);
        if (kind && *kind) detail += "; hub: " + describe(**kind);
        return detail;
      }
      for (std::size_t c = 0; c < row->values.size(); ++c)
        if (row->values[c] != it->second->values[c]) {
          auto a = hub.cell_of(def.id, id, static_cast<std::uint16_t>(c));
          auto b = node.replica->cell_of(def.id, id, static_cast<std::uint16_t>(c));
          std::string detail =
              ": " + std::string(def.name) + " " + id.to_string() + "." + std::string(def.columns[c].name);
          if (a && *a) detail += " hub has " + describe(**a);
          if (b && *b) detail += "; node has " + describe(**b);
          return detail;
        }
    }
    for (const auto& [id, row] : at_node)
      if (!at_hub.count(id))
        return ": " + std::string(def.name) + " " + id.to_string() + " only at the node (scope '" + row->scope + "')";
  }
  return "";
}

std::optional<std::string> World::converged() {
  for (auto& n : nodes_) {
    if (n->hub) continue;
    if (!n->conn) return n->id.str() + " not connected";
    auto& cs = *conns_.at(*n->conn).client_session;
    if (cs.state() != ClientState::live) return n->id.str() + " not live";
  }
  Replica& hub = *nodes_[0]->replica;
  for (auto& n : nodes_) {
    if (n->hub) continue;
    auto mine = n->replica->content_hash(kEveryRow);
    auto theirs = hub.content_hash(n->id.scope());
    if (!mine || !theirs) return "hash failed";
    if (*mine != *theirs) return n->id.str() + " differs from the hub on its scope" + difference(hub, *n);
  }
  return receipts_missing();
}

// Every county has told the hub it received every directive addressed to
// it: its devices mark them when they catch up, and push the receipts.
std::optional<std::string> World::receipts_missing() {
  Replica& hub = *nodes_[0]->replica;
  auto directives = hub.list(TableId::directives);
  if (!directives) return directives.error().message;
  for (auto& n : nodes_) {
    if (n->hub || n->id.is_city()) continue;
    for (const Row& d : *directives) {
      if (!scope_visible(d.scope, n->id.scope())) continue;
      auto receipt = hub.get(TableId::directive_receipts, directive_receipt_id(d.id, n->id.scope()));
      if (!receipt) return receipt.error().message;
      if (!*receipt || is_null((**receipt)["received_at"]))
        return std::string(n->id.scope()) + " has not marked directive " + d.id.to_string() + " received at the hub";
    }
  }
  return std::nullopt;
}

std::optional<std::string> World::check_invariants() {
  Replica& hub = *nodes_[0]->replica;
  std::set<std::pair<CellKey, Stamp>> losers, refused, bases;
  for (auto& n : nodes_) {
    auto ok = n->replica->integrity_ok();
    if (!ok || !*ok) return n->id.str() + ": integrity_check failed";
    auto conflicts = n->replica->conflicts(true);
    if (!conflicts) return conflicts.error().message;
    report_.conflicts += conflicts->size();
    for (const auto& c : *conflicts) losers.insert({{static_cast<std::uint8_t>(c.table), c.row, c.column}, c.loser});
    auto rejections = n->replica->rejections();
    if (!rejections) return rejections.error().message;
    report_.rejections += rejections->size();
    for (const auto& r : *rejections) refused.insert({{static_cast<std::uint8_t>(r.table), r.row, r.column}, r.stamp});
  }
  if (auto twice = history_duplicates()) return twice;
  if (auto misnamed = register_problems()) return misnamed;
  if (auto unnamed = staff_problems()) return unnamed;
  for (const auto& w : writes_) bases.insert({key_of(w.cell), w.cell.base});
  for (const auto& w : writes_) {
    if (!w.checked) continue;
    const auto key = std::make_pair(key_of(w.cell), w.cell.stamp);
    auto at_hub = hub.cell_of(w.cell.table, w.cell.row, w.cell.column);
    if (!at_hub) return at_hub.error().message;
    const bool current = *at_hub && (*at_hub)->stamp == w.cell.stamp;
    const bool was_refused = refused.count(key) > 0;
    if (w.must_be_refused) {
      if (current) return "hub accepted a write it must refuse: " + describe(w.cell);
      // Refused, or replaced on its own device before it was ever sent (by
      // its own later write, or a newer one from elsewhere).
      if (!was_refused && !bases.count(key) && !restamped_.count(key) && !losers.count(key))
        return "no rejection recorded for " + describe(w.cell) + " by " + nodes_[w.node]->id.str();
      continue;
    }
    if (current || was_refused || losers.count(key) || bases.count(key) || restamped_.count(key)) continue;
    // Nothing is lost when a newer write set the same value.
    if (*at_hub && (*at_hub)->stamp > w.cell.stamp && (*at_hub)->value == w.cell.value) continue;
    bool same_value_later = false;
    for (const auto& other : writes_)
      same_value_later |=
          key_of(other.cell) == key_of(w.cell) && other.cell.stamp > w.cell.stamp && other.cell.value == w.cell.value;
    if (same_value_later) continue;
    // Also accounted: a replica holds a newer value whose writer saw this one.
    bool superseded = false;
    for (auto& n : nodes_) {
      auto cell = n->replica->cell_of(w.cell.table, w.cell.row, w.cell.column);
      if (cell && *cell && (*cell)->base == w.cell.stamp) superseded = true;
    }
    if (!superseded) {
      std::string history;
      for (const auto& other : writes_)
        if (key_of(other.cell) == key_of(w.cell))
          history += "\n       written: " + describe(other.cell) + " base " + std::to_string(other.cell.base.hlc) +
                     "@" + other.cell.base.node;
      if (*at_hub)
        history += "\n       at hub: " + describe(**at_hub) + " base " + std::to_string((*at_hub)->base.hlc);
      else if (auto row = hub.get(w.cell.table, w.cell.row); row && !*row)
        history += "\n       the hub has no such row";
      auto mine = nodes_[w.node]->replica->cell_of(w.cell.table, w.cell.row, w.cell.column);
      if (mine && *mine)
        history += "\n       at writer: " + describe(**mine) + " base " + std::to_string((*mine)->base.hlc) + "@" +
                   (*mine)->base.node;
      return "write lost: " + describe(w.cell) + " by " + nodes_[w.node]->id.str() +
             " is neither current at the hub, nor a logged conflict loser, nor refused, nor superseded" + history;
    }
  }
  return std::nullopt;
}

// Staff at the hub: no change by a viewer, or by the disabled account after
// it was disabled, is current there; and every change it accepted has a
// history entry naming the person who made it (a field of a row made in
// the same push by its maker is in the row's creation entry).
std::optional<std::string> World::staff_problems() {
  Replica& hub = *nodes_[0]->replica;
  auto history = hub.history();
  if (!history) return history.error().message;
  std::map<std::pair<CellKey, Stamp>, std::string> named;
  std::map<Uuid, std::string> made_by;
  for (const Change& c : *history) {
    if (c.created_row)
      made_by[c.row] = c.staff;
    else
      named[{CellKey(static_cast<std::uint8_t>(c.table), c.row, c.column), c.new_stamp}] = c.staff;
  }
  for (const auto& w : writes_) {
    if (nodes_[w.node]->hub) continue;  // the hub's own re-stamped corrections: nobody's change
    auto at_hub = hub.cell_of(w.cell.table, w.cell.row, w.cell.column);
    if (!at_hub) return at_hub.error().message;
    const auto& column = Schema::get().table(w.cell.table).columns[w.cell.column].name;
    const bool device = device_written(w.cell.table, column);
    auto who = parse_staff_ref(w.cell.staff);
    const bool by_viewer = !device && who && who->name == kViewer;
    const bool after_disabled = !device && w.cell.staff == disabled_staff_ && w.cell.stamp.hlc >= disabled_at_hlc_;
    if (!*at_hub || (*at_hub)->stamp != w.cell.stamp) {
      report_.staff_refused += by_viewer || after_disabled;
      continue;
    }
    if (by_viewer) return "hub accepted a change by a viewer: " + describe(w.cell) + " by " + w.cell.staff;
    if (after_disabled)
      return "hub accepted a change by " + w.cell.staff + " made after it was disabled: " + describe(w.cell);
    if ((*at_hub)->staff != w.cell.staff)
      return "the hub holds " + describe(w.cell) + " as by '" + (*at_hub)->staff + "', written by '" + w.cell.staff +
             "'";
    const auto entry = named.find({key_of(w.cell), w.cell.stamp});
    const auto made = made_by.find(w.cell.row);
    const std::string recorded = entry != named.end()    ? entry->second
                                 : made != made_by.end() ? made->second
                                                         : std::string("(no entry)");
    ++report_.staff_named;
    if (recorded != w.cell.staff)
      return "the hub's history names '" + recorded + "' for " + describe(w.cell) + ", made by '" + w.cell.staff +
             "' at " + nodes_[w.node]->id.str();
  }
  return std::nullopt;
}

// A push applied twice (a group kept in part, then resent) would show in
// the hub's history as the same change recorded twice.
std::optional<std::string> World::history_duplicates() {
  auto history = nodes_[0]->replica->history();
  if (!history) return history.error().message;
  std::set<std::tuple<std::uint8_t, Uuid, std::uint16_t, bool, Stamp>> seen;
  for (const Change& c : *history) {
    const Stamp stamp = c.created_row ? Stamp{} : c.new_stamp;
    if (!seen.insert({static_cast<std::uint8_t>(c.table), c.row, c.column, c.created_row, stamp}).second)
      return "the hub recorded one change twice: " + std::string(Schema::get().table(c.table).name) + " " +
             c.row.to_string() + (c.created_row ? " created" : " column " + std::to_string(c.column)) + " by " + c.node;
  }
  return std::nullopt;
}

// The hub's register: every case has a ref of its own; every case out of
// draft has an official number; the numbers of each kind and county are 1
// to N, each once (a group commit that failed gave its numbers back), the
// deleted cases' included.
std::optional<std::string> World::register_problems() {
  auto cases = nodes_[0]->replica->list(TableId::cases, {{}, true, 0});
  if (!cases) return cases.error().message;
  std::set<std::string> refs;
  std::map<std::pair<std::string, std::string>, std::multiset<std::string>> numbers;  // (kind, county) -> numbers
  for (const Row& c : *cases) {
    const std::string ref = to_display(c["ref"]), number = to_display(c["number"]);
    if (!is_case_ref(ref) || !refs.insert(ref).second)
      return "case " + c.id.to_string() + " has no ref of its own at the hub ('" + ref + "')";
    if (to_display(c["status"]) != "draft" && number.empty())
      return "case " + c.id.to_string() + " is " + to_display(c["status"]) + " at the hub without a number";
    if (!number.empty()) numbers[{to_display(c["kind"]), to_display(c["county"])}].insert(number);
  }
  const int year = china_year(kStartMs);
  for (const auto& [group, given] : numbers) {
    std::multiset<std::string> expected;
    for (std::size_t n = 1; n <= given.size(); ++n)
      expected.insert(CaseNumberPattern().format(group.second, group.first, year, static_cast<std::int64_t>(n)));
    if (given != expected)
      return "the official numbers of " + group.first + " cases of " + group.second + " are not 1 to " +
             std::to_string(given.size()) + " each once";
  }
  report_.numbered = 0;
  for (const auto& entry : numbers) report_.numbered += entry.second.size();
  return std::nullopt;
}

SimReport World::run() {
  namespace fs = std::filesystem;
  const std::vector<std::string> names = {"city:hub",           "longyou:office-1", "longyou:field-2",
                                          "kaihua:office-1",    "qujiang:office-1", "jiangshan:office-1",
                                          "changshan:office-1", "city:desk-1"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto node = std::make_unique<Node>();
    node->index = i;
    node->id = NodeId::parse(names[i]).value();
    node->hub = i == 0;
    node->path =
        (fs::path(config_.dir) / (names[i].substr(0, names[i].find(':')) + "-" + std::to_string(i) + ".db")).string();
    if (!node->hub) node->skew_ms = static_cast<std::int64_t>(between(0, 480'000)) - 240'000;  // +-4 min
    if (auto st = open_node(*node); !st) {
      report_.failure = st.error().message;
      return report_;
    }
    nodes_.push_back(std::move(node));
  }
  // Half the runs lose none of the hub's notifications; the others lose from
  // a fifth to all of them, for the whole run.
  // Without rechecks a lost notification may never be made up for: no loss.
  if (loss_rng_() % 2 && config_.recheck_ms) notify_loss_ = std::uniform_real_distribution<double>(0.2, 1.0)(loss_rng_);
  report_.notify_loss = notify_loss_;
  if (auto st = add_staff_accounts(); !st) {
    report_.failure = "adding the staff accounts: " + st.error().message;
    return report_;
  }
  for (int i = 0; i < config_.fault_steps; ++i) {
    if (i >= config_.fault_steps / 2 && disabled_staff_.empty() && nodes_[0]->up) disable_an_account();
    step(true);
  }

  // Liveness: faults stop, the network heals, everyone comes back.
  faults_on_ = false;
  log("--- faults stop ---");
  for (auto& n : nodes_) {
    n->partitioned = false;
    n->down_until = std::min(n->down_until, now_);
    n->next_attempt = std::min(n->next_attempt, now_ + 1000);
  }
  std::optional<std::string> why = "not checked";
  int heal = 0;
  for (; heal < config_.max_heal_steps; ++heal) {
    step(false);
    if (heal % 10 == 9 && !(why = converged())) break;
  }
  report_.heal_steps = static_cast<std::uint64_t>(heal);
  report_.writes = writes_.size();
  add_core_stats();
  for (const auto& [id, c] : conns_) add_session_stats(c);
  if (why) {
    report_.failure = "no convergence within " + std::to_string(config_.max_heal_steps) + " steps: " + *why;
    return report_;
  }
  if (auto broken = check_invariants()) {
    report_.failure = *broken;
    return report_;
  }
  report_.ok = true;
  return report_;
}

}  // namespace

SimReport run_simulation(const SimConfig& config) {
  World world(config);
  return world.run();
}

}  // namespace liaison::sim
