// The client's connection to the hub, shared by sync_once/sync_watch and
// by load generators that hold many connections on one thread. Internal to
// sync/net and the benchmarks: includes Asio and OpenSSL headers.
#pragma once

#include "sync/net/tls.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <vector>

#include "shared/private_files.hpp"
#include "sync/codec.hpp"
#include "sync/framing.hpp"
#include "sync/net/send_progress.hpp"

namespace liaison::sync::net {

// One connection's life: connect, verify the hub, drive a ClientSession
// until the pass is done (or, in watch mode, until stopped or cut). Runs on
// the io_context it is given, so one thread can hold many links (the fanout
// benchmark holds a thousand).
class ClientLink {
 public:
  ClientLink(asio::io_context& io, Replica& replica, const ClientLinkOptions& options, asio::ssl::context& ctx,
             bool watch, const std::function<void(const SyncProgress&)>& progress, std::atomic<bool>* stop)
      : replica_(replica),
        io_(io),
        options_(options),
        ctx_(ctx),
        stream_(io_, ctx),
        wake_(io_),
        session_(replica, with_live(options.session, watch)),
        watch_(watch),
        progress_(progress),
        stop_(stop) {
    if (!options_.tls.crl.empty())
      if (auto known = load_crl(options_.tls)) known_crl_ = known->status;
  }

  // Begins the connection; running the io_context carries it to its end.
  void start() {
    asio::co_spawn(io_, main(), [this](std::exception_ptr e) { on_task_end(e, "connection"); });
  }

  // After the io_context has run the link to its end: error when the pass
  // did not complete; the report either way.
  // The hub's public key (SHA-256, hex) once the handshake is done.
  const std::string& hub_key_seen() const noexcept { return hub_key_seen_; }
  Status finish(SyncReport& report) const {
    report.synced = session_.synced();
    report.stats = session_.stats();
    report.clock_offset_ms = session_.clock_offset_ms();
    report.bytes_sent = bytes_sent_;
    report.bytes_received = bytes_received_;
    if (error_) return *error_;
    if (session_.failure()) return *session_.failure();
    return {};
  }

  const ClientSession& session() const noexcept { return session_; }
  // The hub handed over a newer revocation list, now kept in options.crl_store.
  bool crl_stored() const noexcept { return crl_stored_; }

  bool connected() const noexcept { return connected_; }

 private:
  static ClientSessionOptions with_live(ClientSessionOptions o, bool watch) {
    o.stay_live = watch;
    return o;
  }

  void on_task_end(std::exception_ptr e, const char* what) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      fail(make_error(Errc::disconnected, std::string("internal error in the ") + what + ": " + ex.what()));
    }
  }

  void fail(Error e) {
    if (!error_) error_ = std::move(e);
    close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    stream_.lowest_layer().close(ignored);
    wake_.cancel();
    if (timer_) timer_->cancel();
  }

  void send(const Outbox& messages) {
    for (const Message& m : messages) {
      std::vector<std::uint8_t> frame;
      append_frame(frame, encode_for_wire(m, session_.compressing()));
      outbox_.push_back(std::move(frame));
    }
    if (!messages.empty()) wake_.cancel();
  }

  bool finished() const { return session_.state() == ClientState::done || session_.state() == ClientState::failed; }

  awaitable<void> main() {
    error_code ec;
    tcp::resolver resolver(io_);
    asio::steady_timer deadline(io_);
    deadline.expires_after(std::chrono::milliseconds(options_.connect_timeout_ms));
    bool timed_out = false;
    deadline.async_wait([&](const error_code& e) {
      if (!e) {
        timed_out = true;
        error_code ignored;
        stream_.lowest_layer().close(ignored);
        resolver.cancel();
      }
    });
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    auto endpoints =
        co_await resolver.async_resolve(options_.host, std::to_string(options_.port), asio::redirect_error(kAwait, ec));
    if (ec) co_return fail(make_error(Errc::disconnected, "can't resolve hub address " + where + ": " + ec.message()));
    co_await asio::async_connect(stream_.lowest_layer(), endpoints, asio::redirect_error(kAwait, ec));
    if (ec)
      co_return fail(make_error(Errc::disconnected,
                                "can't reach the hub at " + where + ": " + (timed_out ? "timed out" : ec.message())));
    stream_.lowest_layer().set_option(tcp::no_delay(true), ec);
    co_await stream_.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(kAwait, ec));
    if (ec) {
      // Only a TLS alert or a failed verification is a refusal, which no
      // retry will fix. A reset or an end of stream mid-handshake is the
      // link (a hub killed or restarting): `sync --watch` must retry it.
      const bool refused = !timed_out && ec.category() == asio::error::get_ssl_category();
      co_return fail(make_error(refused ? Errc::not_permitted : Errc::disconnected,
                                timed_out ? "TLS handshake with " + where + " timed out"
                                          : explain_tls_failure(ec, stream_.native_handle(), Role::client)));
    }
    deadline.cancel();
    const auto hub_cn = peer_common_name(stream_.native_handle());
    auto hub_node = hub_cn ? NodeId::parse(*hub_cn) : Result<NodeId>(make_error(Errc::invalid_argument, "no CN"));
    if (!hub_node || !hub_node->is_city())
      co_return fail(make_error(Errc::not_permitted, where + " presented certificate '" + hub_cn.value_or("") +
                                                         "', not a city hub's — check the hub address"));
    // Any city desk's certificate is from the CA too: only the hub this
    // node was set up with is taken for the hub.
    if (!options_.hub_node.empty() && hub_node->str() != options_.hub_node)
      co_return fail(make_error(Errc::not_permitted, where + " presented the certificate of " + hub_node->str() +
                                                         ", not of the hub " + options_.hub_node +
                                                         " this node was set up with — check the hub address"));
    const std::string hub_key = peer_key_sha256(stream_.native_handle());
    if (!options_.hub_key.empty() && hub_key != options_.hub_key)
      co_return fail(make_error(Errc::not_permitted,
                                where + " presented a certificate for " + hub_node->str() +
                                    " with another key than the one pinned for it — if the city office gave the hub "
                                    "a new key, pin it with 'liaison-client pin-hub --hub-cert HUB.pem'; otherwise "
                                    "this is not your hub"));
    hub_key_seen_ = hub_key;
    hub_serial_ = peer_serial(stream_.native_handle());
    if (options_.hub_key.empty() && options_.on_hub_key_seen) options_.on_hub_key_seen(hub_key);
    connected_ = true;
    asio::co_spawn(io_, writer(), [this](std::exception_ptr e) { on_task_end(e, "writer"); });
    timer_.emplace(io_);
    asio::co_spawn(io_, ticker(), [this](std::exception_ptr e) { on_task_end(e, "ticker"); });
    send(session_.start(steady_ms()));
    co_await reader();
  }

  awaitable<void> reader() {
    std::vector<std::uint8_t> buffer(64 * 1024);
    FrameDecoder decoder;
    error_code ec;
    while (!closed_ && !finished()) {
      const std::size_t n = co_await stream_.async_read_some(asio::buffer(buffer), asio::redirect_error(kAwait, ec));
      if (ec) {
        if (closed_) break;
        // With TLS 1.3 the hub judges our certificate after our side of the
        // handshake: its refusal arrives as the first read.
        const bool tls_error = ec.category() == asio::error::get_ssl_category();
        const std::string why = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated
                                    ? "the hub closed the connection"
                                : tls_error ? explain_tls_failure(ec, stream_.native_handle(), Role::client)
                                            : "the connection to the hub broke: " + ec.message();
        // A TLS alert before anything was exchanged is the hub refusing us.
        const bool refused =
            ec.category() == asio::error::get_ssl_category() && session_.state() == ClientState::await_welcome;
        co_return fail(make_error(refused ? Errc::not_permitted : Errc::disconnected, why));
      }
      bytes_received_ += n;
      session_.on_link_progress(steady_ms());
      decoder.feed({buffer.data(), n});
      for (;;) {
        auto frame = decoder.next();
        if (!frame) co_return fail(frame.error());
        if (!*frame) break;
        auto message = decode(**frame);
        if (!message)
          co_return fail(make_error(message.error().code, "bad message from the hub: " + message.error().message));
        if (const auto* list = std::get_if<Revocations>(&*message))
          if (Status taken = take_revocations(*list); !taken) co_return fail(taken.error());
        send(session_.on_message(*message, steady_ms()));
        report_progress(*message);
        if (std::holds_alternative<Welcome>(*message) && options_.on_welcome) options_.on_welcome();
        if (std::holds_alternative<Urgent>(*message) && options_.on_ahead && !finished()) options_.on_ahead(replica_);
        if (const auto* changes = std::get_if<Changes>(&*message); changes && !changes->more && options_.on_caught_up)
          options_.on_caught_up(replica_, session_.stats());
        if (finished()) break;
      }
      if (!finished() && session_.has_idle_work()) {
        // Let the writer put what was just queued on the wire, then do the
        // session's work in the time the hub takes to answer.
        co_await asio::post(io_, kAwait);
        send(session_.on_idle());
      }
    }
    // Let the writer flush (nothing is pending after done), then close.
    close();
  }

  // The CA's revocation list, as the hub has it. The hub is only the
  // courier: the CA's signature is checked here. A hub the list revokes is
  // left at once; a list newer than ours is kept, and verifies the hub from
  // the next connection on.
  Status take_revocations(const Revocations& list) {
    auto crl = verify_crl(list.crl_pem, options_.tls.ca, "sent by the hub");
    if (!crl && (crl.error().code == Errc::not_permitted || crl.error().code == Errc::malformed))
      return make_error(Errc::not_permitted, "the hub sent a revocation list the CA did not sign (" +
                                                 crl.error().message + ") — nothing was sent; tell the city office");
    if (!crl) return crl.error();  // our own CA file: the message names it
    // Kept first: a list that revokes this hub must refuse it next time too.
    if (issued_after(crl->status, known_crl_) && !options_.crl_store.empty()) {
      LIAISON_TRY(write_private_file(options_.crl_store, crl->pem));
      known_crl_ = crl->status;
      crl_stored_ = true;
      LIAISON_TRY(install_crl(ctx_, options_.tls.ca, *crl, options_.crl_store));
    }
    if (std::find(crl->revoked_serials.begin(), crl->revoked_serials.end(), hub_serial_) != crl->revoked_serials.end())
      return make_error(Errc::not_permitted, "the hub's certificate (serial " + hub_serial_ +
                                                 ") has been revoked by the CA: this is not a hub to sync with — "
                                                 "tell the city office");
    return {};
  }

  void report_progress(const Message& message) {
    if (!progress_) return;
    if (const auto* w = std::get_if<Welcome>(&message)) hub_seq_ = w->hub_seq;
    if (std::holds_alternative<Changes>(message) || std::holds_alternative<PushAck>(message))
      progress_({session_.stats().cells_pushed, session_.stats().cells_pulled, hub_seq_});
  }

  awaitable<void> writer() {
    error_code ec;
    while (!closed_) {
      if (outbox_.empty()) {
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(asio::redirect_error(kAwait, ec));
        continue;
      }
      std::vector<std::uint8_t> frame = std::move(outbox_.front());
      outbox_.pop_front();
      co_await asio::async_write(stream_, asio::buffer(frame), asio::redirect_error(kAwait, ec));
      if (ec) {
        if (!closed_) fail(make_error(Errc::disconnected, "sending to the hub failed: " + ec.message()));
        break;
      }
      bytes_sent_ += frame.size();
    }
  }

  awaitable<void> ticker() {
    error_code ec;
    std::uint64_t last_tick = 0;
    while (!closed_) {
      timer_->expires_after(
          std::chrono::milliseconds(watch_ ? std::min(options_.tick_ms, options_.poll_ms) : options_.tick_ms));
      co_await timer_->async_wait(asio::redirect_error(kAwait, ec));
      if (closed_) break;
      if (stop_ && stop_->load()) {
        close();
        break;
      }
      if (watch_) {
        // Another command (case new, directive ack) wrote the replica.
        auto grew = replica_.refresh();
        if (grew && *grew) send(session_.on_local_change(steady_ms()));
      }
      const std::uint64_t now = steady_ms();
      if (now - last_tick >= options_.tick_ms) {
        last_tick = now;
        if (sending_progressed()) session_.on_link_progress(now);
        send(session_.on_tick(now));
      }
      if (finished()) close();
    }
  }

  // Whether a request of ours is on its way: bytes still queued to leave,
  // and the hub's side acknowledged more of them since the last call. On a
  // slow link a large push takes a while to leave; that is progress, not
  // silence. (A ping a hung hub's kernel acknowledges leaves nothing queued,
  // so it does not count.)
  bool sending_progressed() {
    const auto now = send_progress(stream_.lowest_layer().native_handle());
    if (!now) return false;
    const bool progressed = now->queued > 0 && now->acknowledged > acknowledged_at_last_check_;
    acknowledged_at_last_check_ = now->acknowledged;
    return progressed;
  }

  Replica& replica_;
  asio::io_context& io_;
  ClientLinkOptions options_;
  asio::ssl::context& ctx_;
  TlsStream stream_;
  asio::steady_timer wake_;
  std::optional<asio::steady_timer> timer_;
  ClientSession session_;
  bool watch_;
  std::function<void(const SyncProgress&)> progress_;
  std::atomic<bool>* stop_;
  std::deque<std::vector<std::uint8_t>> outbox_;
  std::optional<Error> error_;
  bool closed_ = false;
  bool connected_ = false;
  std::string hub_key_seen_;
  std::string hub_serial_;
  CrlStatus known_crl_;  // of the list we verify the hub against
  bool crl_stored_ = false;
  std::uint64_t hub_seq_ = 0;
  std::uint64_t bytes_sent_ = 0, bytes_received_ = 0;
  std::uint64_t acknowledged_at_last_check_ = 0;
};

}  // namespace liaison::sync::net
