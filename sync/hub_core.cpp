// The hub's decisions for all connections; see hub_core.hpp.
#include "sync/hub_core.hpp"

#include <algorithm>

namespace liaison::sync {

namespace {
// Indexing for search is the hub's work when no node has sent anything for
// a while, a few hundred cases at a tick (some 50 ms): it must not slow a
// sync under way, and indexing in small steps costs more per case.
constexpr std::size_t kSearchIndexBatch = 300;
constexpr std::uint64_t kQuietBeforeIndexingMs = 3'000;
}  // namespace

void HubActions::send(ConnectionId to, Outbox messages) {
  if (!messages.empty()) sends.push_back({to, std::move(messages)});
}

void HubActions::close(ConnectionId connection, std::string why) { closes.push_back({connection, std::move(why)}); }

HubCore::HubCore(HubStore& store, HubCoreOptions options) : store_(store), options_(options) {}

Admission HubCore::connect(ConnectionId id, const NodeId& node, const std::string& serial, const std::string& remote,
                           std::uint64_t now_ms) {
  if (const std::size_t held = connections_of(node); held >= options_.max_connections_per_node)
    return {false, "it already has " + std::to_string(held) + " connections (at most " +
                       std::to_string(options_.max_connections_per_node) + " per node)"};
  // Revoked while its handshake was under way (after the certificate was
  // checked, before it finished): the new list counts.
  if (revocations_ && revocations_->serials.count(serial))
    return {false, "its certificate (serial " + serial + ") was revoked during the handshake"};
  auto [it, added] = connections_.try_emplace(id, store_, node, options_.session, serial, remote);
  if (!added) return {false, "connection " + std::to_string(id) + " is already open"};
  it->second.session.on_link_progress(now_ms);  // the idle clock starts with the connection
  it->second.session.limit_pages(page_cells_);
  share_page_budget();
  return {true, {}};
}

HubActions HubCore::receive(ConnectionId id, const Message& message, std::uint64_t now_ms) {
  HubActions actions;
  last_message_ms_ = now_ms;
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second.closing) return actions;
  Connection& conn = it->second;
  if (const auto* push = std::get_if<Push>(&message)) {
    conn.session.on_link_progress(now_ms);
    pending_.push_back({id, *push});
    return actions;
  }
  const bool greeted_before = conn.session.greeted();
  Outbox out = conn.session.on_message(message, now_ms);
  if (!greeted_before && conn.session.greeted()) {
    if (auto clash = certificate_shared(id, conn)) {
      end(id, conn, Errc::not_permitted, *clash, actions);
      return actions;
    }
    // Welcomed: hand over the CA's current list (the client keeps it),
    // ahead of the welcome, so that a client judges this hub by it before
    // it sends anything.
    if (revocations_ && !revocations_->pem.empty() && !conn.session.closed())
      out.insert(out.begin(), Revocations{revocations_->pem});
    if (!conn.session.closed() && conn.session.peer_schema() < kSchemaVersion)
      actions.log.push_back(
          conn.session.peer().str() + " runs an older release (schema " + std::to_string(conn.session.peer_schema()) +
          ", this hub's is " + std::to_string(kSchemaVersion) +
          "): it syncs the fields it knows, the others wait at the hub — update liaison-client there");
  }
  answer(id, conn, std::move(out), actions);
  return actions;
}

HubActions HubCore::commit(std::uint64_t now_ms) {
  HubActions actions;
  if (pending_.empty()) return actions;
  std::vector<PendingPush> group = std::move(pending_);
  pending_.clear();
  ++stats_.groups;
  stats_.largest_group = std::max<std::uint64_t>(stats_.largest_group, group.size());
  std::vector<Outbox> replies(group.size());
  Status st = store_.apply_group([&]() -> Status {
    for (std::size_t i = 0; i < group.size(); ++i) {
      auto it = connections_.find(group[i].from);
      if (it == connections_.end() || it->second.closing) continue;  // gone: it resends next time
      HubSession& session = it->second.session;
      replies[i] = session.on_message(group[i].push, now_ms);
      const auto& failure = session.failure();
      if (failure && (failure->code == Errc::storage_failed || failure->code == Errc::storage_busy))
        return *failure;  // nothing of this group is kept; everyone resends
    }
    return {};
  });
  if (!st) {
    ++stats_.failed_groups;
    actions.log.push_back("group commit of " + std::to_string(group.size()) + " pushes failed: " + st.error().message);
    for (const auto& p : group) {
      auto it = connections_.find(p.from);
      if (it == connections_.end() || it->second.closing) continue;
      end(p.from, it->second, st.error().code, "hub could not store the push: " + st.error().message, actions);
    }
    return actions;
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    auto it = connections_.find(group[i].from);
    if (it == connections_.end() || it->second.closing) continue;
    answer(group[i].from, it->second, std::move(replies[i]), actions);
  }
  notify_all(now_ms, actions);
  return actions;
}

void HubCore::progress(ConnectionId id, std::uint64_t now_ms) {
  last_message_ms_ = now_ms;
  auto it = connections_.find(id);
  if (it != connections_.end()) it->second.session.on_link_progress(now_ms);
}

HubActions HubCore::tick(std::uint64_t now_ms) {
  HubActions actions;
  for (auto& [id, conn] : connections_) {
    if (conn.closing) continue;
    Outbox out = conn.session.on_tick(now_ms);
    if (conn.session.closed() && conn.session.failure())
      actions.log.push_back("closing " + conn.session.peer().str() + ": " + conn.session.failure()->message);
    answer(id, conn, std::move(out), actions);
  }
  // Quiet: index for search some of the cases stored since, so that a
  // search at the hub rarely has many left to index.
  if (pending_.empty() && now_ms >= last_message_ms_ + kQuietBeforeIndexingMs)
    if (auto indexed = store_.index_for_search(kSearchIndexBatch); !indexed)
      actions.log.push_back("indexing cases for search failed (retried at the next tick): " + indexed.error().message);
  return actions;
}

HubActions HubCore::poll_store(std::uint64_t now_ms) {
  HubActions actions;
  auto grew = store_.poll_changes();
  if (!grew)
    actions.log.push_back("reading the hub replica failed: " + grew.error().message);
  else if (*grew)
    notify_all(now_ms, actions);
  return actions;
}

HubActions HubCore::set_revocations(HubRevocations list) {
  HubActions actions;
  revocations_ = std::move(list);
  for (auto& [id, conn] : connections_) {
    if (conn.closing) continue;
    if (revocations_->serials.count(conn.serial)) {
      actions.log.push_back("closing " + conn.session.peer().str() + ": its certificate (serial " + conn.serial +
                            ") is revoked");
      end(id, conn, Errc::not_permitted, "this device's certificate has been revoked — ask the city office", actions);
    } else if (conn.session.greeted() && !revocations_->pem.empty()) {
      // Everyone else connected gets the new list now, not at their next session.
      actions.send(id, {Revocations{revocations_->pem}});
    }
  }
  return actions;
}

void HubCore::disconnected(ConnectionId id) {
  if (connections_.erase(id)) share_page_budget();
}

bool HubCore::compressing(ConnectionId id) const {
  auto it = connections_.find(id);
  return it != connections_.end() && it->second.session.compressing();
}

void HubCore::answer(ConnectionId id, Connection& conn, Outbox out, HubActions& actions) {
  actions.send(id, std::move(out));
  if (!conn.session.closed()) return;
  conn.closing = true;
  actions.close(id, conn.session.failure() ? conn.session.failure()->message : "session ended");
}

void HubCore::end(ConnectionId id, Connection& conn, Errc code, const std::string& message, HubActions& actions) {
  actions.send(id, {ErrorMessage{code, message}});
  conn.closing = true;
  actions.close(id, message);
}

std::size_t HubCore::connections_of(const NodeId& node) const {
  std::size_t n = 0;
  for (const auto& [id, conn] : connections_) n += conn.session.peer() == node;
  return n;
}

// Two devices syncing with one certificate at once would each take the
// other's edits for its own and never receive them: refuse the second.
// Connections of one replica (sync --watch beside a sync) are one device.
std::optional<std::string> HubCore::certificate_shared(ConnectionId id, const Connection& conn) const {
  for (const auto& [other_id, other] : connections_) {
    if (other_id == id || other.closing || !other.session.greeted() || other.session.peer() != conn.session.peer() ||
        other.session.client_id() == conn.session.client_id())
      continue;
    return conn.session.peer().str() + " is already syncing from " + other.remote +
           " with another replica: two devices can't share a certificate — ask the city office "
           "to issue one for this device (after reinstalling, wait a minute for the old connection to time out)";
  }
  return std::nullopt;
}

// Pages in flight to all clients share options_.page_budget_bytes: a
// thousand offices pulling at once get smaller pages, not a hub that runs
// out of memory. Few clients get the full max_batch_cells.
void HubCore::share_page_budget() {
  static constexpr std::size_t kBytesPerCell = 100;  // encoded, with the frame's share
  static constexpr std::size_t kMinPageCells = 200;
  const std::size_t fair = options_.page_budget_bytes / std::max<std::size_t>(1, connections_.size()) / kBytesPerCell;
  const auto cells = static_cast<std::uint32_t>(std::clamp<std::size_t>(
      fair, kMinPageCells, std::max<std::size_t>(kMinPageCells, options_.session.max_batch_cells)));
  if (cells == page_cells_) return;
  page_cells_ = cells;
  for (auto& [id, conn] : connections_) conn.session.limit_pages(cells);
}

void HubCore::notify_all(std::uint64_t now_ms, HubActions& actions) {
  for (auto& [id, conn] : connections_)
    if (!conn.closing) actions.send(id, conn.session.on_feed_advanced(now_ms));
}

}  // namespace liaison::sync
