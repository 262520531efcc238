// Client end of a sync connection; see session.hpp for the flow.
#include <algorithm>

#include "sync/receipts.hpp"
#include "sync/session.hpp"

namespace liaison::sync {
namespace {

using meta_key::kConfirmedHlc;
using meta_key::kInflightHlc;

// A stamp kept in the metadata; a negative one is damage.
Result<std::uint64_t> meta_stamp(Replica& replica, std::string_view key) {
  auto number = meta_number(replica, key);
  if (!number) return number.error();
  if (*number < 0)
    return make_error(Errc::storage_failed, std::string(key) + " is negative — the replica is damaged; resync it");
  return static_cast<std::uint64_t>(*number);
}

std::uint64_t max_hlc(std::span<const Cell> cells) {
  std::uint64_t out = 0;
  for (const auto& c : cells) out = std::max(out, c.stamp.hlc);
  return out;
}

}  // namespace

ClientSession::ClientSession(Replica& replica, ClientSessionOptions options) : replica_(replica), options_(options) {}

std::int64_t ClientSession::clock_offset_ms() const noexcept { return replica_.clock().offset_ms(); }

Outbox ClientSession::fail(Error error) {
  state_ = ClientState::failed;
  failure_ = std::move(error);
  return {};
}

Outbox ClientSession::start(std::uint64_t now_ms) {
  auto peer = replica_.peer(kHubPeer);
  if (!peer) return fail(peer.error());
  peer_ = *peer;
  state_ = ClientState::await_welcome;
  last_sent_ms_ = last_heard_ms_ = request_sent_ms_ = last_news_ms_ = now_ms;
  return {Hello{kProtocolVersion, replica_.self().str(), kSchemaVersion, peer_.pulled, peer_.remote_id,
                replica_.clock().wall_ms(), replica_.replica_id(), options_.compress ? kCompressionZstd : 0u}};
}

Outbox ClientSession::on_message(const Message& message, std::uint64_t now_ms) {
  if (state_ == ClientState::failed || state_ == ClientState::done) return {};
  last_heard_ms_ = now_ms;
  Outbox out;
  if (const auto* m = std::get_if<ErrorMessage>(&message)) {
    if (m->code == Errc::cursor_ahead) {
      // The hub's feed is behind our cursor (restored from a backup): start over.
      peer_.pulled = {};
      peer_.remote_id = {};
      (void)replica_.set_peer(kHubPeer, peer_);
    }
    return fail(make_error(m->code, "hub: " + m->message));
  }
  if (const auto* m = std::get_if<Ping>(&message)) return {Pong{m->nonce}};
  if (std::holds_alternative<Pong>(message)) return {};
  // The transport checks the CA's signature on it, stores it and judges the
  // hub by it (OpenSSL is not this layer's); nothing here depends on it.
  if (std::holds_alternative<Revocations>(message)) return {};
  if (is_stale_copy(message)) {
    ++stats_.stale_copies;
    return {};
  }
  if (const auto* m = std::get_if<Urgent>(&message)) {
    last_news_ms_ = now_ms;
    return on_urgent(*m);
  }
  switch (state_) {
    case ClientState::await_welcome:
      if (const auto* m = std::get_if<Welcome>(&message))
        out = on_welcome(*m);
      else if (const auto* n = std::get_if<Notify>(&message))
        hub_seq_seen_ = std::max(hub_seq_seen_, n->hub_seq);
      else
        return fail(make_error(Errc::unexpected_message,
                               "hub sent " + std::string(message_name(type_of(message))) + " before welcome"));
      break;
    case ClientState::await_push_ack:
      if (const auto* m = std::get_if<PushAck>(&message))
        out = on_push_ack(*m);
      else if (const auto* n = std::get_if<Notify>(&message)) {
        hub_seq_seen_ = std::max(hub_seq_seen_, n->hub_seq);
        pull_wanted_ = true;
        last_news_ms_ = now_ms;
      } else
        return fail(make_error(Errc::unexpected_message, "hub sent " + std::string(message_name(type_of(message))) +
                                                             " while a push was unanswered"));
      break;
    case ClientState::await_changes:
      if (const auto* m = std::get_if<Changes>(&message)) {
        last_news_ms_ = now_ms;
        out = on_changes(*m);
      } else if (const auto* n = std::get_if<Notify>(&message)) {
        hub_seq_seen_ = std::max(hub_seq_seen_, n->hub_seq);
      } else
        return fail(make_error(Errc::unexpected_message, "hub sent " + std::string(message_name(type_of(message))) +
                                                             " while a pull was unanswered"));
      break;
    case ClientState::live:
      if (const auto* n = std::get_if<Notify>(&message)) {
        hub_seq_seen_ = std::max(hub_seq_seen_, n->hub_seq);
        last_news_ms_ = now_ms;
        if (n->hub_seq > peer_.pulled.pos) out = pull();
      } else {
        return fail(make_error(Errc::unexpected_message,
                               "hub sent " + std::string(message_name(type_of(message))) + " unasked"));
      }
      break;
    default: return fail(make_error(Errc::unexpected_message, "message before the session started"));
  }
  if (!out.empty()) last_sent_ms_ = request_sent_ms_ = now_ms;
  return out;
}

// A message that only repeats one already handled: the hub's answer to a
// push or pull we have had the answer to, or a second welcome. TCP never
// delivers one, but a relay that retransmits, or the simulation's network,
// can; taken for the answer to a later request, an old page would move the
// cursor back and the next page's cells would then be skipped. An answer to
// a request never made is not a copy: that fails the session.
bool ClientSession::is_stale_copy(const Message& message) const {
  if (const auto* ack = std::get_if<PushAck>(&message))
    return ack->batch < next_batch_ && !(state_ == ClientState::await_push_ack && ack->batch == next_batch_ - 1);
  if (const auto* changes = std::get_if<Changes>(&message))
    return changes->request <= pull_request_ &&
           !(state_ == ClientState::await_changes && changes->request == pull_request_);
  if (std::holds_alternative<Welcome>(message)) return state_ != ClientState::await_welcome;
  // Urgent cells come again, in order, in the pull: before welcome they are
  // merely early (a reordering network), and dropping them loses nothing.
  if (std::holds_alternative<Urgent>(message)) return state_ == ClientState::await_welcome;
  return false;
}

// Cells sent ahead of our pull (a new directive): merged now, in any state;
// the cursor stays where it is, so they come again in order, as duplicates.
Outbox ClientSession::on_urgent(const Urgent& urgent) {
  auto merged = replica_.apply_remote(urgent.cells);
  if (!merged) return fail(merged.error());
  stats_.cells_ahead += urgent.cells.size();
  return {};
}

Outbox ClientSession::on_welcome(const Welcome& welcome) {
  auto& clock = replica_.clock();
  stats_.hub_schema = welcome.hub_schema;
  if (welcome.hub_id != peer_.remote_id) {
    // A hub we haven't synced with (or one rebuilt from a backup): its feed
    // positions mean nothing to us, and it may lack what we pushed before.
    peer_ = PeerState{};
    peer_.remote_id = welcome.hub_id;
    if (auto st = replica_.set_peer(kHubPeer, peer_); !st) return fail(st.error());
  }
  hub_seq_seen_ = welcome.hub_seq;
  // The hub is the time reference: correct our wall clock's offset.
  const auto local = static_cast<std::int64_t>(clock.wall_ms());
  const auto error = static_cast<std::int64_t>(welcome.hub_time_ms) - local;
  if (error > static_cast<std::int64_t>(options_.skew_tolerance_ms) ||
      -error > static_cast<std::int64_t>(options_.skew_tolerance_ms)) {
    clock.set_offset_ms(clock.offset_ms() + error);
    if (auto st = replica_.set_meta(meta_key::kClockOffset, std::to_string(clock.offset_ms())); !st)
      return fail(st.error());
  }
  max_clock_ahead_ms_ = welcome.max_clock_ahead_ms;
  compressing_ = options_.compress && (welcome.compression & kCompressionZstd) != 0;
  if (welcome.max_batch_cells > 0) options_.batch_cells = std::min(options_.batch_cells, welcome.max_batch_cells);
  if (auto st = rewind_if_ahead(peer_.pushed); !st) return fail(st.error());
  return next_push();
}

// Stamps issued while our clock ran ahead would be refused as clock_ahead:
// pull the clock back so new stamps are acceptable, but never below what the
// hub may already hold from us, and re-stamp unsent cells above the new
// value so every stamp of ours stays at or below the clock.
Status ClientSession::rewind_if_ahead(FeedCursor pushed) {
  auto& clock = replica_.clock();
  const std::uint64_t now = hlc_pack(clock.wall_ms(), 0);  // corrected to the hub's time
  if (clock.last() <= now + hlc_pack(max_clock_ahead_ms_ / 2, 0)) return {};
  auto confirmed = meta_stamp(replica_, kConfirmedHlc);
  if (!confirmed) return confirmed.error();
  auto inflight = meta_stamp(replica_, kInflightHlc);
  if (!inflight) return inflight.error();
  const std::uint64_t target = std::max({now, *confirmed, *inflight});
  if (target >= clock.last()) return {};
  return replica_.transact([&]() -> Status {
    LIAISON_TRY(replica_.rewind_clock(target));
    auto restamped = replica_.restamp_own_after(pushed, target);
    if (!restamped) return restamped.error();
    return {};
  });
}

Outbox ClientSession::next_push() {
  // A batch read ahead from exactly this cursor is still right: whatever was
  // written since has a later feed position and goes in a later batch.
  // An empty one is read again: it would end the pass on a stale view.
  Result<FeedPage> page = prefetched_push_ && prefetched_from_ == peer_.pushed && !prefetched_push_->cells.empty()
                              ? Result<FeedPage>(std::move(*prefetched_push_))
                              : replica_.read_feed(peer_.pushed, options_.batch_cells,
                                                   FeedFilter{.own_cells_only = true, .parents_first = true});
  prefetched_push_.reset();
  if (!page) return fail(page.error());
  if (page->cells.empty()) {
    if (page->next != peer_.pushed) {
      peer_.pushed = page->next;
      if (auto st = replica_.set_peer(kHubPeer, peer_); !st) return fail(st.error());
    }
    if (synced_ && !pull_wanted_ && hub_seq_seen_ <= peer_.pulled.pos) {
      state_ = options_.stay_live ? ClientState::live : ClientState::done;
      return {};
    }
    return pull();
  }
  pending_push_next_ = page->next;
  pending_push_stamps_.clear();
  for (const Cell& c : page->cells) pending_push_stamps_.push_back(c.stamp.hlc);
  // Durable before sending: once sent, the hub may accept these stamps.
  if (auto st = replica_.set_meta(kInflightHlc, std::to_string(max_hlc(page->cells))); !st) return fail(st.error());
  stats_.cells_pushed += page->cells.size();
  ++stats_.push_batches;
  state_ = ClientState::await_push_ack;
  return {Push{next_batch_++, std::move(page->cells)}};
}

Outbox ClientSession::on_push_ack(const PushAck& ack) {
  if (ack.batch != next_batch_ - 1)
    return fail(make_error(Errc::unexpected_message, "hub acknowledged batch " + std::to_string(ack.batch) +
                                                         ", expected " + std::to_string(next_batch_ - 1)));
  stats_.rejections += ack.rejections.size();
  auto confirmed = meta_stamp(replica_, kConfirmedHlc);
  if (!confirmed) return fail(confirmed.error());
  std::vector<std::uint64_t> refused;
  bool clock_ahead = false;
  for (const auto& r : ack.rejections) {
    refused.push_back(r.stamp.hlc);
    clock_ahead |= r.code == Errc::clock_ahead;
  }
  std::sort(refused.begin(), refused.end());
  std::uint64_t new_confirmed = std::max(*confirmed, max_hlc(ack.corrections));
  for (std::uint64_t hlc : pending_push_stamps_)
    if (!std::binary_search(refused.begin(), refused.end(), hlc)) new_confirmed = std::max(new_confirmed, hlc);
  PeerState advanced = peer_;
  advanced.pushed = pending_push_next_;
  Status st = replica_.transact([&]() -> Status {
    LIAISON_TRY(replica_.set_meta(kConfirmedHlc, std::to_string(new_confirmed)));
    LIAISON_TRY(replica_.set_meta(kInflightHlc, "0"));
    // Pull the clock back before refused cells are re-stamped with it.
    if (clock_ahead) LIAISON_TRY(rewind_if_ahead(advanced.pushed));
    LIAISON_TRY(replica_.record_push_outcome(ack.rejections, ack.corrections));
    return replica_.set_peer(kHubPeer, advanced);
  });
  if (!st) return fail(st.error());
  peer_ = advanced;
  return next_push();
}

Status ClientSession::raise_confirmed(std::uint64_t hlc) {
  auto current = meta_stamp(replica_, kConfirmedHlc);
  if (!current) return current.error();
  if (*current >= hlc) return {};
  return replica_.set_meta(kConfirmedHlc, std::to_string(hlc));
}

Outbox ClientSession::pull() {
  pull_wanted_ = false;
  state_ = ClientState::await_changes;
  return pull_from(peer_.pulled);
}

Outbox ClientSession::pull_from(FeedCursor cursor) {
  ++stats_.pull_pages;
  return {Pull{++pull_request_, cursor, options_.batch_cells}};
}

Status ClientSession::apply_changes(const Changes& changes) {
  PeerState advanced = peer_;
  advanced.pulled = changes.next;
  Status st = replica_.transact([&]() -> Status {
    auto merged = replica_.apply_remote(changes.cells);
    if (!merged) return merged.error();
    LIAISON_TRY(raise_confirmed(max_hlc(changes.cells)));
    return replica_.set_peer(kHubPeer, advanced);  // the cursor moves with the merge it covers
  });
  if (!st) return st;
  peer_ = advanced;
  stats_.cells_pulled += changes.cells.size();
  return {};
}

Outbox ClientSession::on_changes(const Changes& changes) {
  if (changes.request != pull_request_)
    return fail(make_error(Errc::unexpected_message, "hub answered pull " + std::to_string(changes.request) +
                                                         ", the last one sent is " + std::to_string(pull_request_)));
  if (deferred_changes_) {
    Status st = apply_changes(*deferred_changes_);
    deferred_changes_.reset();
    if (!st) return fail(st.error());
  }
  if (changes.more) {
    // Ask for the next page first and merge this one while the hub reads it
    // (on_idle); the cursor still moves only with the merge.
    deferred_changes_ = changes;
    return pull_from(changes.next);
  }
  if (Status st = apply_changes(changes); !st) return fail(st.error());
  if (options_.mark_received) {
    auto marked = mark_directives_received(replica_, replica_.self());
    if (!marked) return fail(marked.error());
    stats_.directives_received += *marked;
  }
  synced_ = true;
  hub_seq_seen_ = std::max(hub_seq_seen_, peer_.pulled.pos);
  // Local writes made meanwhile (or re-stamped by a rejection) go out now.
  return next_push();
}

Outbox ClientSession::on_idle() {
  if (state_ == ClientState::failed) return {};
  if (deferred_changes_) {
    Status st = apply_changes(*deferred_changes_);
    deferred_changes_.reset();
    if (!st) return fail(st.error());
  }
  if (state_ == ClientState::await_push_ack && !prefetched_push_) {
    // Read the next batch while the hub merges this one.
    auto page = replica_.read_feed(pending_push_next_, options_.batch_cells,
                                   FeedFilter{.own_cells_only = true, .parents_first = true});
    if (!page) return fail(page.error());
    prefetched_from_ = pending_push_next_;
    prefetched_push_ = std::move(*page);
  }
  return {};
}

bool ClientSession::has_idle_work() const noexcept {
  return deferred_changes_.has_value() || (state_ == ClientState::await_push_ack && !prefetched_push_);
}

Outbox ClientSession::on_local_change(std::uint64_t now_ms) {
  // A pass that just finished (done) takes writes made on its completion too.
  if (state_ == ClientState::live || state_ == ClientState::done) {
    Outbox out = next_push();
    if (!out.empty()) last_sent_ms_ = request_sent_ms_ = now_ms;
    return out;
  }
  prefetched_push_.reset();  // may predate this write
  return {};                 // a push or pull is in flight: its completion reads the feed again
}

void ClientSession::on_link_progress(std::uint64_t now_ms) {
  if (state_ == ClientState::failed || state_ == ClientState::done || state_ == ClientState::start) return;
  last_heard_ms_ = now_ms;
  // An answer can't come before the request has arrived: count from when it has.
  request_sent_ms_ = now_ms;
}

Outbox ClientSession::on_tick(std::uint64_t now_ms) {
  if (state_ == ClientState::failed || state_ == ClientState::done || state_ == ClientState::start) return {};
  if (now_ms - last_heard_ms_ > options_.timeout_ms)
    return fail(make_error(Errc::timeout, "hub silent for " + std::to_string((now_ms - last_heard_ms_) / 1000) +
                                              " s: the link is down or blocked"));
  const bool awaiting = state_ == ClientState::await_welcome || state_ == ClientState::await_push_ack ||
                        state_ == ClientState::await_changes;
  if (awaiting && now_ms - request_sent_ms_ > options_.timeout_ms)
    return fail(make_error(Errc::timeout,
                           "no answer from the hub for " + std::to_string((now_ms - request_sent_ms_) / 1000) + " s"));
  if (state_ == ClientState::live && now_ms - last_news_ms_ >= options_.recheck_ms) {
    ++stats_.rechecks;
    last_sent_ms_ = request_sent_ms_ = last_news_ms_ = now_ms;
    return pull();
  }
  if (now_ms - last_sent_ms_ >= options_.heartbeat_ms) {
    last_sent_ms_ = now_ms;
    return {Ping{next_nonce_++}};
  }
  return {};
}

}  // namespace liaison::sync
