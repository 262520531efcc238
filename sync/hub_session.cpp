// Hub end of a sync connection; see session.hpp for the flow.
#include <algorithm>

#include "sync/session.hpp"

namespace liaison::sync {

HubSession::HubSession(HubStore& hub, NodeId peer, HubSessionOptions options, std::string certificate)
    : hub_(hub), peer_(std::move(peer)), options_(options), certificate_(std::move(certificate)) {}

Outbox HubSession::refuse(Errc code, std::string message) {
  closed_ = true;
  failure_ = make_error(code, message);
  return {ErrorMessage{code, std::move(message)}};
}

namespace {

// A peer at an older schema can't decode cells of columns (or tables) added
// since: they stay at the hub, and reach it once it is updated (its
// migration pulls its scope again).
void keep_to_schema(std::vector<Cell>& cells, std::uint32_t schema) {
  std::erase_if(cells, [schema](const Cell& cell) {
    return cell.column >= Schema::get().table(cell.table).columns_known_at(schema);
  });
}

}  // namespace

Outbox HubSession::for_peer(Outbox out) const {
  if (peer_schema_ >= kSchemaVersion) return out;
  for (Message& m : out) {
    if (auto* changes = std::get_if<Changes>(&m)) keep_to_schema(changes->cells, peer_schema_);
    if (auto* urgent = std::get_if<Urgent>(&m)) keep_to_schema(urgent->cells, peer_schema_);
    if (auto* ack = std::get_if<PushAck>(&m)) keep_to_schema(ack->corrections, peer_schema_);
  }
  std::erase_if(out, [](const Message& m) {
    const auto* urgent = std::get_if<Urgent>(&m);
    return urgent && urgent->cells.empty();
  });
  return out;
}

Outbox HubSession::on_message(const Message& message, std::uint64_t now_ms) {
  return for_peer(dispatch(message, now_ms));
}

Outbox HubSession::dispatch(const Message& message, std::uint64_t now_ms) {
  if (closed_) return {};
  last_heard_ms_ = now_ms;
  if (const auto* m = std::get_if<Hello>(&message)) {
    if (greeted_) return refuse(Errc::unexpected_message, "hello sent twice on one connection");
    return on_hello(*m);
  }
  if (!greeted_)
    return refuse(Errc::unexpected_message,
                  std::string(message_name(type_of(message))) + " before hello — send hello first");
  if (const auto* m = std::get_if<Push>(&message)) return on_push(*m);
  if (const auto* m = std::get_if<Pull>(&message)) return on_pull(*m);
  if (const auto* m = std::get_if<Ping>(&message)) return {Pong{m->nonce}};
  if (std::holds_alternative<Pong>(message)) return {};
  if (const auto* m = std::get_if<ErrorMessage>(&message)) {
    closed_ = true;
    failure_ = make_error(m->code, peer_.str() + ": " + m->message);
    return {};
  }
  return refuse(Errc::unexpected_message,
                std::string(message_name(type_of(message))) + " is a hub-to-client message; a client can't send it");
}

Outbox HubSession::on_hello(const Hello& hello) {
  if (hello.protocol > kProtocolVersion)
    return refuse(Errc::protocol_version, "protocol version " + std::to_string(hello.protocol) +
                                              " is newer than this hub's (" + std::to_string(kProtocolVersion) +
                                              ") — update liaison-hub before its clients");
  if (hello.protocol < kOldestProtocolVersion)
    return refuse(Errc::protocol_version, "protocol version " + std::to_string(hello.protocol) +
                                              " is older than this hub speaks (" +
                                              std::to_string(kOldestProtocolVersion) + ") — update liaison-client");
  if (hello.schema > kSchemaVersion)
    return refuse(Errc::schema_mismatch, "schema version " + std::to_string(hello.schema) +
                                             " is newer than this hub's (" + std::to_string(kSchemaVersion) +
                                             ") — update liaison-hub before its clients");
  if (hello.schema < kOldestSchemaVersion)
    return refuse(Errc::schema_mismatch, "schema version " + std::to_string(hello.schema) +
                                             " is older than this hub syncs with (" +
                                             std::to_string(kOldestSchemaVersion) + ") — update liaison-client");
  if (hello.node != peer_.str())
    return refuse(Errc::not_permitted, "hello names " + hello.node + " but the certificate is for " + peer_.str());
  if (peer_ == hub_.self())
    return refuse(Errc::not_permitted,
                  "this is the hub's own certificate (" + peer_.str() +
                      "); a client needs a certificate of its own — ask the city office to issue one");
  if (hello.hub_id == hub_.replica_id() && hello.pull_cursor.pos > hub_.feed_end())
    return refuse(Errc::cursor_ahead, "cursor " + std::to_string(hello.pull_cursor.pos) +
                                          " is beyond the hub's feed (" + std::to_string(hub_.feed_end()) +
                                          "); the client will resync from the start");
  greeted_ = true;
  peer_schema_ = hello.schema;
  cursor_ = hello.hub_id == hub_.replica_id() ? hello.pull_cursor : FeedCursor{};
  client_id_ = hello.client_id;
  compression_ = options_.compress ? hello.compression & kCompressionZstd : 0;
  auto state = hub_.cursor(peer_.str());
  if (state) {
    // Back with another replica than last time: it lacks what it stamped
    // before, so its pulls carry its own cells until it has caught up.
    include_own_ = !state->remote_id.is_nil() && state->remote_id != hello.client_id;
    state->pulled = cursor_;
    state->last_seen_ms = hub_.wall_ms();
    (void)hub_.set_cursor(peer_.str(), *state);  // bookkeeping for `nodes`; sync goes on without it
  }
  Outbox out{Welcome{hub_.wall_ms(), hub_.replica_id(), hub_.feed_end(), options_.max_frame_bytes,
                     options_.max_batch_cells, options_.max_clock_ahead_ms, compression_, kSchemaVersion}};
  // An office back after hours offline sees the directives it missed first,
  // before the cases that changed meanwhile.
  urgent_seq_ = cursor_.pos;
  for (Message& m : directives_ahead()) out.push_back(std::move(m));
  return out;
}

Outbox HubSession::on_push(const Push& push) {
  // Batch numbers rise within a connection: anything else is a copy of a
  // push already answered. Judged again later, a copy could be accepted
  // where the original was refused (a stamp no longer too far ahead).
  if (push.batch <= last_push_batch_) return {};
  last_push_batch_ = push.batch;
  if (push.cells.size() > options_.max_push_cells + kRowSlackCells)
    return refuse(Errc::malformed, "push of " + std::to_string(push.cells.size()) + " cells exceeds the limit of " +
                                       std::to_string(options_.max_push_cells));
  auto result = hub_.apply_push(peer_, push.cells, options_.max_clock_ahead_ms, certificate_);
  if (!result) return refuse(result.error().code, "hub could not store the push: " + result.error().message);
  stats_.cells_pushed += push.cells.size();
  stats_.rejections += result->rejections.size();
  ++stats_.push_batches;
  return {PushAck{push.batch, static_cast<std::uint32_t>(push.cells.size() - result->rejections.size()),
                  std::move(result->rejections), std::move(result->corrections)}};
}

Outbox HubSession::on_pull(const Pull& pull) {
  // Request numbers rise within a connection: anything else is a copy of a
  // pull already answered. Answered again, it would move this session's
  // view of the client back (behind, so never notified again).
  if (pull.request <= last_pull_request_) return {};
  last_pull_request_ = pull.request;
  if (pull.cursor.pos > hub_.feed_end() || pull.cursor.low > pull.cursor.pos)
    return refuse(Errc::cursor_ahead, "pull cursor " + std::to_string(pull.cursor.pos) + " is beyond the hub's feed");
  const std::uint32_t page_cells =
      page_limit_ ? std::min(page_limit_, options_.max_batch_cells) : options_.max_batch_cells;
  const std::uint32_t limit = std::clamp<std::uint32_t>(pull.max_cells, 1, page_cells);
  FeedFilter filter{.scope = std::string(peer_.scope()), .skip_node = include_own_ ? std::string() : peer_.str()};
  auto page = hub_.read_feed(pull.cursor, limit, filter);
  if (!page) return refuse(page.error().code, "hub could not read its feed: " + page.error().message);
  cursor_ = page->next;
  caught_up_ = !page->more;
  if (caught_up_) notified_seq_ = std::max(notified_seq_, page->next.pos);
  stats_.cells_pulled += page->cells.size();
  ++stats_.pull_pages;
  if (caught_up_) {
    include_own_ = false;
    auto state = hub_.cursor(peer_.str());
    if (state) {
      state->pulled = cursor_;
      state->remote_id = client_id_;
      state->last_seen_ms = hub_.wall_ms();
      (void)hub_.set_cursor(peer_.str(), *state);
    }
  }
  return {Changes{pull.request, std::move(page->cells), page->next, page->more}};
}

Outbox HubSession::on_feed_advanced(std::uint64_t now_ms) {
  (void)now_ms;
  if (closed_ || !greeted_) return {};
  Outbox out = for_peer(directives_ahead());
  if (!caught_up_ || hub_.feed_end() <= notified_seq_) return out;
  // Only wake the client when something in its scope changed.
  auto probe = hub_.read_feed(cursor_, 1, FeedFilter{.scope = std::string(peer_.scope()), .skip_node = peer_.str()});
  notified_seq_ = hub_.feed_end();
  if (probe && !probe->cells.empty()) out.push_back(Notify{hub_.feed_end()});
  return out;
}

// A client would get a new directive only after every older cell in its
// scope: behind a backlog (a first sync, a week offline) or behind what
// others pushed since its last pull (a thousand offices at once), that can
// take minutes. Send it ahead.
Outbox HubSession::directives_ahead() {
  if (hub_.feed_end() <= urgent_seq_) return {};
  constexpr std::size_t kMaxCellsAhead = 1000;  // more than that waits for the pull
  auto page = hub_.read_feed(
      FeedCursor{urgent_seq_, urgent_seq_}, kMaxCellsAhead,
      FeedFilter{.scope = std::string(peer_.scope()), .skip_node = peer_.str(), .only_table = TableId::directives});
  // After the read: it counts what its snapshot holds (an admin commit
  // seen first here), and what it sent must not be sent again.
  urgent_seq_ = hub_.feed_end();
  if (!page || page->cells.empty()) return {};
  stats_.cells_ahead += page->cells.size();
  return {Urgent{std::move(page->cells)}};
}

Outbox HubSession::on_tick(std::uint64_t now_ms) {
  if (closed_) return {};
  if (last_heard_ms_ == 0) last_heard_ms_ = now_ms;  // the idle clock starts with the connection
  if (now_ms - last_heard_ms_ > options_.idle_timeout_ms)
    return refuse(Errc::timeout, "no message from " + peer_.str() + " for " +
                                     std::to_string((now_ms - last_heard_ms_) / 1000) + " s; closing the connection");
  return {};
}

}  // namespace liaison::sync
