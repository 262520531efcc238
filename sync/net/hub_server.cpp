// The hub's network side: accepts mutual-TLS connections on one io_context
// thread and feeds what they send to the HubCore, which decides everything
// (sessions, group commits, notifications); this file keeps the sockets,
// TLS, timers, the memory budgets of reading and the send queues, and the
// connections not yet authenticated (admission under a flood). Pushes read
// together are handed to the core's commit once the reads already completed
// have run, so that they join one group.
#include "sync/net/tls.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <set>
#include <unordered_map>

#include "shared/cli.hpp"
#include "sync/codec.hpp"
#include "sync/framing.hpp"
#include "sync/hub_core.hpp"

namespace liaison::sync::net {
namespace {

class Server;

// A connection goes through three stages. `waiting`: TCP only; its TLS state
// (some 80 kB with OpenSSL's and Asio's buffers) is made only once the peer
// sends its first bytes, so a flood of silent connections costs a socket
// each. `handshaking`: TLS under way. `authenticated`: a verified node.
enum class Stage { waiting, handshaking, authenticated };

struct Connection {
  Connection(ConnectionId id, tcp::socket socket, std::uint32_t max_frame)
      : id(id), raw(std::move(socket)), wake(raw.get_executor()), decoder(max_frame) {}

  ConnectionId id;

  tcp::socket raw;  // until start_tls
  std::optional<TlsStream> stream;
  asio::steady_timer wake;  // wakes the writer when frames are queued
  FrameDecoder decoder;
  Stage stage = Stage::waiting;
  std::size_t partial_counted = 0;  // of this connection's partial frame, counted in the hub-wide total
  std::string remote;
  std::optional<NodeId> node;  // once verified and admitted by the core
  std::string why;             // what ended it, for the log
  std::deque<std::vector<std::uint8_t>> outbox;
  bool closing = false;  // flush what is queued, then close
  bool closed = false;
  bool overflowed = false;  // dropped for not reading its answers
  bool evicted = false;     // closed unauthenticated to make room for newer ones
  bool counted_unauthenticated = false;

  // An honest client has a request or two unanswered; one that keeps asking
  // without reading the answers would make us queue pages without end.
  static constexpr std::size_t kMaxQueuedFrames = 64;

  void send(const Outbox& messages, bool compress) {
    if (closed || messages.empty()) return;
    for (const Message& m : messages) {
      std::vector<std::uint8_t> frame;
      append_frame(frame, encode_for_wire(m, compress));
      outbox.push_back(std::move(frame));
    }
    if (outbox.size() > kMaxQueuedFrames) {
      overflowed = true;
      outbox.clear();
      close_now();
      return;
    }
    wake.cancel();
  }
  void close_after_flush() {
    closing = true;
    wake.cancel();
  }
  void start_tls(asio::ssl::context& ctx) {
    stream.emplace(std::move(raw), ctx);
    stage = Stage::handshaking;
  }
  void close_now() {
    closed = true;
    error_code ignored;
    if (stream)
      stream->lowest_layer().close(ignored);
    else
      raw.close(ignored);
    wake.cancel();
  }
};

using ConnectionPtr = std::shared_ptr<Connection>;

class Server {
 public:
  Server(Replica& hub, const HubServerOptions& options, const LogLine& log, asio::ssl::context& ctx)
      : store_(hub),
        core_(store_, HubCoreOptions{options.session, options.max_connections_per_node, options.page_budget_bytes}),
        options_(options),
        log_(log),
        ctx_(ctx),
        acceptor_(io_),
        signals_(io_, SIGINT, SIGTERM) {}

  Status listen(const std::function<void(std::uint16_t)>& on_listening) {
    error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return make_error(Errc::invalid_argument, "listen address '" + options_.host + "' is not an IP address");
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return make_error(Errc::invalid_argument, "can't listen on " + options_.host + ":" +
                                                    std::to_string(options_.port) + ": " + ec.message() +
                                                    " — pick a free port with --listen");
    const auto port = acceptor_.local_endpoint().port();
    log_("listening on " + options_.host + ":" + std::to_string(port));
    if (on_listening) on_listening(port);
    return {};
  }

  // The CRL the server verifies peers against (the one make_tls_context
  // installed), and its state: checked every crl_check_ms from now on.
  Status watch_crl() {
    if (options_.tls.crl.empty()) return {};
    crl_file_ = crl_file_state();
    auto loaded = load_crl(options_.tls);
    if (!loaded) return loaded.error();
    log_("revocation list " + options_.tls.crl + ": " + std::to_string(loaded->status.revoked) +
         " certificates revoked; it " + describe_crl_expiry(loaded->status, store_.wall_ms()) +
         "; a new version of the file takes effect within seconds");
    adopt_crl(*loaded);
    return {};
  }

  Status run(std::atomic<bool>* stop) {
    external_stop_ = stop;
    signals_.async_wait([this](const error_code& ec, int signal) {
      if (!ec) log_(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
      shutdown();
    });
    asio::co_spawn(io_, accept_loop(), [this](std::exception_ptr e) { report(e, "accept loop"); });
    asio::co_spawn(io_, ticker(), [this](std::exception_ptr e) { report(e, "ticker"); });
    io_.run();
    return failure_ ? Status(*failure_) : Status();
  }

 private:
  void report(std::exception_ptr e, const char* what) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log_(std::string(what) + " failed: " + ex.what());
    }
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    signals_.cancel();
    // Pushes already received are committed and acknowledged first.
    if (core_.commit_due()) group_commit();
    for (const auto& c : connections_) c->close_after_flush();
  }

  awaitable<void> accept_loop() {
    std::uint64_t accept_failures = 0;
    while (!stopping_) {
      error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(kAwait, ec));
      if (ec) {
        if (stopping_) break;
        // Out of descriptors (or memory), the connection stays queued and the
        // next accept fails at once: pause instead of spinning and flooding
        // the log, and resume when connections have closed.
        if (++accept_failures == 1) log_("accept failed: " + ec.message() + "; retrying every 100 ms until it works");
        asio::steady_timer pause(io_, std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::redirect_error(kAwait, ec));
        continue;
      }
      if (accept_failures > 1) log_("accepting again after " + std::to_string(accept_failures) + " failed attempts");
      accept_failures = 0;
      const std::string source = socket.remote_endpoint(ec).address().to_string();
      if (ec) continue;  // gone already
      make_room_for_newcomer(source);
      if (connections_.size() >= options_.max_connections) {
        refused("refusing connection from " + source + ": " + std::to_string(connections_.size()) + " already open");
        socket.close(ec);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);  // request/response: don't wait for delayed ACKs
      auto conn = std::make_shared<Connection>(next_id_++, std::move(socket), options_.session.max_frame_bytes);
      conn->remote = source;
      connections_.insert(conn);
      unauthenticated_.push_back(conn);
      ++unauthenticated_by_source_[source];
      ++unauthenticated_count_;
      conn->counted_unauthenticated = true;
      peak_unauthenticated_ = std::max(peak_unauthenticated_, unauthenticated_count_);
      asio::co_spawn(io_, serve(conn), [this, conn](std::exception_ptr e) {
        if (!e) return;  // the writer flushes what is queued, then closes
        report(e, "connection");
        conn->close_now();
        forget_unauthenticated(*conn);
        uncount_partial(*conn);
        forget(conn);
      });
    }
  }

  awaitable<void> serve(ConnectionPtr conn) {
    // The handshake has a deadline: a peer that stalls it is dropped.
    asio::steady_timer deadline(io_);
    deadline.expires_after(std::chrono::milliseconds(options_.handshake_timeout_ms));
    deadline.async_wait([conn](const error_code& ec) {
      if (!ec && !conn->node) conn->close_now();
    });
    error_code ec;
    co_await conn->raw.async_wait(tcp::socket::wait_read, asio::redirect_error(kAwait, ec));
    if (!ec && !conn->closed) {
      conn->start_tls(ctx_);
      co_await conn->stream->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(kAwait, ec));
    }
    if (ec || conn->closed) {
      refused("refused " + conn->remote + ": " +
              (conn->evicted   ? std::string("evicted to make room for newer connections still in their handshake")
               : conn->closed  ? std::string("no TLS handshake within the deadline")
               : !conn->stream ? ec.message()
                               : explain_tls_failure(ec, conn->stream->native_handle(), Role::hub)));
      conn->close_now();
      forget_unauthenticated(*conn);
      connections_.erase(conn);
      co_return;
    }
    forget_unauthenticated(*conn);
    conn->stage = Stage::authenticated;
    const auto cn = peer_common_name(conn->stream->native_handle());
    auto node = cn ? NodeId::parse(*cn)
                   : Result<NodeId>(make_error(Errc::invalid_argument, "the certificate has no CN, or more than one"));
    if (!node) {
      refused("refused " + conn->remote + ": certificate CN '" + cn.value_or("") + "' is not a node id (" +
              node.error().message + ")");
      conn->close_now();
      connections_.erase(conn);
      co_return;
    }
    deadline.cancel();
    if (auto stale = crl_stale(); stale && !stopping_) {
      // Nobody can be told apart from a revoked node now: refuse everyone,
      // in words (a TLS alert would say "certificate expired", blaming them).
      std::vector<std::uint8_t> frame;
      append_frame(frame, encode(ErrorMessage{Errc::crl_expired, *stale}));
      co_await asio::async_write(*conn->stream, asio::buffer(frame), asio::redirect_error(kAwait, ec));
      refused("refused " + node->str() + " from " + conn->remote + ": " + *stale);
      conn->close_now();
      connections_.erase(conn);
      co_return;
    }
    const Admission admission =
        core_.connect(conn->id, *node, peer_serial(conn->stream->native_handle()), conn->remote, steady_ms());
    if (!admission.admitted) {
      refused("refused " + node->str() + " from " + conn->remote + ": " + admission.refusal);
      conn->close_now();
      connections_.erase(conn);
      co_return;
    }
    conn->node = *node;
    by_id_[conn->id] = conn;
    log_("connected " + node->str() + " from " + conn->remote);
    asio::co_spawn(io_, writer(conn), [this, conn](std::exception_ptr e) {
      if (!e) return;  // the writer forgot the connection itself
      report(e, "writer");
      conn->close_now();
      forget(conn);
    });

    // One TLS record (16 KiB of plaintext) is the most a read returns, and
    // an idle connection keeps this buffer for as long as it stays open.
    std::vector<std::uint8_t> buffer(16 * 1024 + 256);
    const DecodeLimits limits{options_.session.max_push_cells + kRowSlackCells, kMaxStringBytes, 8,
                              options_.session.max_frame_bytes};
    while (!conn->closed && !conn->closing) {
      // Partly received frames share a hub-wide budget: past its share, a
      // connection is not read (TCP holds its sender back) until there is room.
      if (!co_await wait_for_frame_budget(conn)) {
        drop(conn, Errc::storage_busy, "the hub is short of memory for partly sent messages; try again",
             "partly sent messages held more memory than the hub allows; closed to free it");
        break;
      }
      const std::size_t n =
          co_await conn->stream->async_read_some(asio::buffer(buffer), asio::redirect_error(kAwait, ec));
      if (ec) {
        if (conn->why.empty())
          conn->why = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated
                          ? "closed by peer"
                          : explain_tls_failure(ec, conn->stream->native_handle(), Role::hub);
        break;
      }
      core_.progress(conn->id, steady_ms());
      conn->decoder.feed({buffer.data(), n});
      count_partial(*conn);
      while (!conn->closing && !conn->closed) {
        auto frame = conn->decoder.next();
        if (!frame) {
          drop(conn, frame.error().code, frame.error().message, frame.error().message);
          break;
        }
        if (!*frame) break;
        count_partial(*conn);
        auto message = decode(**frame, limits);
        if (!message) {
          drop(conn, message.error().code, message.error().message, "bad message: " + message.error().message);
          break;
        }
        apply(core_.receive(conn->id, *message, steady_ms()));
      }
      if (core_.commit_due() && !commit_posted_) {
        commit_posted_ = true;
        // Reads already completed run first and add their pushes to this group.
        asio::post(io_, [this] { group_commit(); });
      }
    }
    if (conn->overflowed)
      conn->why =
          "dropped: it sent requests without reading " + std::to_string(Connection::kMaxQueuedFrames) + " answers";
    log_("disconnected " + node->str() + " (" + conn->remote + "): " + (conn->why.empty() ? "closed" : conn->why));
    // Nothing more is read from it: its push still waiting for the commit
    // is not merged (unacknowledged, it is sent again), and the core sends
    // it nothing more while the writer flushes what is queued.
    core_.disconnected(conn->id);
    if (!conn->closing) conn->close_now();
    uncount_partial(*conn);
  }

  // Ends a connection for what the transport found wrong (a bad frame, no
  // memory to read it): the peer is told, then the connection closes. The
  // core sends it nothing more (pages would refill the memory freed).
  void drop(const ConnectionPtr& conn, Errc code, const std::string& told, const std::string& why) {
    conn->why = why;
    conn->send({ErrorMessage{code, told}}, false);
    conn->close_after_flush();
    core_.disconnected(conn->id);
  }

  // Carries out what the core decided.
  void apply(const HubActions& actions) {
    for (const auto& line : actions.log) log_(line);
    for (const auto& s : actions.sends) {
      auto it = by_id_.find(s.to);
      if (it == by_id_.end()) continue;
      it->second->send(s.messages, core_.compressing(s.to));
      if (it->second->closed) core_.disconnected(s.to);  // dropped for not reading its answers
    }
    for (const auto& c : actions.closes) {
      auto it = by_id_.find(c.connection);
      if (it == by_id_.end()) continue;
      if (it->second->why.empty()) it->second->why = c.why;
      it->second->close_after_flush();
    }
  }

  // The connection is gone: the core and the lookup forget it.
  void forget(const ConnectionPtr& conn) {
    connections_.erase(conn);
    by_id_.erase(conn->id);
    core_.disconnected(conn->id);
  }

  awaitable<void> writer(ConnectionPtr conn) {
    error_code ec;
    while (!conn->closed) {
      if (conn->outbox.empty()) {
        if (conn->closing) break;
        conn->wake.expires_at(asio::steady_timer::time_point::max());
        co_await conn->wake.async_wait(asio::redirect_error(kAwait, ec));
        continue;
      }
      std::vector<std::uint8_t> frame = std::move(conn->outbox.front());
      conn->outbox.pop_front();
      co_await asio::async_write(*conn->stream, asio::buffer(frame), asio::redirect_error(kAwait, ec));
      if (ec) break;
    }
    conn->close_now();
    forget(conn);
  }

  // ---- connections not yet authenticated ----
  // Anyone who can reach the port can open them. They are held to a number
  // overall and per source address; at either limit the oldest gives way to
  // the newcomer, so a flood can't keep an office from getting in: an honest
  // client sends its TLS hello at once and is through in milliseconds.
  void make_room_for_newcomer(const std::string& source) {
    if (unauthenticated_count_ >= options_.max_unauthenticated) evict_oldest_unauthenticated(nullptr);
    const auto it = unauthenticated_by_source_.find(source);
    if (it != unauthenticated_by_source_.end() && it->second >= options_.max_unauthenticated_per_source)
      evict_oldest_unauthenticated(&source);
  }

  // The oldest silent connection gives way first: one that has sent its TLS
  // hello is likely an office getting in, a few milliseconds from done.
  void evict_oldest_unauthenticated(const std::string* source) {
    for (const bool silent_only : {true, false}) {
      for (auto it = unauthenticated_.begin(); it != unauthenticated_.end();) {
        auto conn = it->lock();
        if (!conn || !conn->counted_unauthenticated) {
          it = unauthenticated_.erase(it);  // gone or through: not waiting any more
          continue;
        }
        if (source && conn->remote != *source) {
          ++it;
          continue;
        }
        error_code ec;
        const bool silent = conn->stage == Stage::waiting && conn->raw.available(ec) == 0;
        if (silent_only && !silent) {
          ++it;
          continue;
        }
        unauthenticated_.erase(it);
        conn->evicted = true;
        forget_unauthenticated(*conn);
        conn->close_now();
        connections_.erase(conn);  // its slot is free now; serve() still holds it and finds it closed
        ++evicted_;
        return;
      }
    }
  }

  void forget_unauthenticated(Connection& conn) {
    if (!conn.counted_unauthenticated) return;
    conn.counted_unauthenticated = false;
    --unauthenticated_count_;
    auto it = unauthenticated_by_source_.find(conn.remote);
    if (it != unauthenticated_by_source_.end() && --it->second == 0) unauthenticated_by_source_.erase(it);
  }

  // After a flood, the memory its connections took goes back to the system
  // (glibc keeps freed memory in its arenas otherwise).
  // Entries of connections gone or through: with make_shared, a weak_ptr
  // left behind would keep the whole Connection allocated.
  void drop_finished_admissions() {
    std::erase_if(unauthenticated_, [](const std::weak_ptr<Connection>& w) {
      const auto conn = w.lock();
      return !conn || !conn->counted_unauthenticated;
    });
  }

  void trim_memory_after_flood() {
    if (peak_unauthenticated_ < 256 || unauthenticated_count_ > 16) return;
    unauthenticated_.shrink_to_fit();
    peak_unauthenticated_ = unauthenticated_count_;
    ::malloc_trim(0);
  }

  // Refusals come in floods: the first few in a window are logged, the rest
  // counted and summed up once the window is over.
  void refused(const std::string& line) {
    const std::uint64_t now = steady_ms();
    if (now - refusal_window_start_ >= kRefusalWindowMs) summarize_refusals(now);
    if (++refusals_in_window_ <= kRefusalLinesPerWindow) log_(line);
  }

  void summarize_refusals(std::uint64_t now) {
    if (refusals_in_window_ > kRefusalLinesPerWindow || evicted_ > 0)
      log_("refused " + std::to_string(refusals_in_window_) + " connections in the last " +
           std::to_string((now - refusal_window_start_) / 1000) + " s (" +
           std::to_string(refusals_in_window_ - std::min(refusals_in_window_, kRefusalLinesPerWindow)) +
           " not logged one by one; " + std::to_string(evicted_) + " unauthenticated ones closed to make room); now " +
           std::to_string(unauthenticated_count_) + " not yet authenticated, " + std::to_string(connections_.size()) +
           " open");
    refusal_window_start_ = now;
    refusals_in_window_ = 0;
    evicted_ = 0;
  }

  // ---- partly received frames ----
  void count_partial(Connection& conn) {
    const std::size_t now = conn.decoder.buffered();
    partial_total_ = partial_total_ - conn.partial_counted + now;
    conn.partial_counted = now;
  }
  void uncount_partial(Connection& conn) {
    partial_total_ -= conn.partial_counted;
    conn.partial_counted = 0;
  }
  // Over budget, only the connection holding the largest partial frame (of
  // its node, or of all) goes on reading: it finishes its frame and frees
  // what it held, where stopping everyone would free nothing.
  bool over_frame_budget(const Connection& conn) const {
    if (conn.partial_counted <= kFreePartialBytes) return false;
    std::size_t of_node = 0, largest = 0, largest_of_node = 0;
    for (const auto& c : connections_) {
      largest = std::max(largest, c->partial_counted);
      if (c->node && c->node == conn.node) {
        of_node += c->partial_counted;
        largest_of_node = std::max(largest_of_node, c->partial_counted);
      }
    }
    if (partial_total_ > options_.partial_frame_budget_bytes && conn.partial_counted < largest) return true;
    return of_node > options_.partial_frame_budget_per_node && conn.partial_counted < largest_of_node;
  }
  // False when the connection waited kMaxFrameBudgetWaitMs in vain.
  awaitable<bool> wait_for_frame_budget(ConnectionPtr conn) {
    const std::uint64_t since = steady_ms();
    asio::steady_timer pause(io_);
    while (over_frame_budget(*conn) && !conn->closed && !conn->closing) {
      if (steady_ms() - since > kMaxFrameBudgetWaitMs) co_return false;
      pause.expires_after(std::chrono::milliseconds(50));
      error_code ec;
      co_await pause.async_wait(asio::redirect_error(kAwait, ec));
    }
    co_return true;
  }

  // ---- the revocation list ----
  struct CrlFile {
    ino_t inode = 0;
    off_t size = -1;
    std::int64_t mtime_ns = 0;
    bool operator==(const CrlFile&) const = default;
  };

  CrlFile crl_file_state() const {
    struct stat st {};
    if (::stat(options_.tls.crl.c_str(), &st) != 0) return {};
    return {st.st_ino, st.st_size, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  }

  // What the CRL's dates mean now, for the log: nothing while more than
  // kCrlWarnAheadMs remain.
  void warn_about_crl_expiry() {
    if (!crl_) return;
    if (auto warning = crl_expiry_warning(*crl_, store_.wall_ms(), options_.tls.crl)) log_(*warning);
    last_crl_warning_ms_ = steady_ms();
  }

  // The reason to refuse everyone, while the CRL is out of date.
  std::optional<std::string> crl_stale() {
    if (!crl_) return std::nullopt;
    const std::uint64_t now = store_.wall_ms();
    if (crl_->next_update_ms != 0 && now >= crl_->next_update_ms)
      return "the hub's revocation list " + describe_crl_expiry(*crl_, now) +
             "; the hub syncs with no office until the city office renews it (certs/liaison-ca.sh crl) — your "
             "changes stay queued; try again later";
    if (now + 5 * 60'000 < crl_->last_update_ms)
      return "the hub's revocation list is dated " + cli::format_time(crl_->last_update_ms) +
             ", ahead of the hub's clock — the city office must check the hub's date and time";
    return std::nullopt;
  }

  void adopt_crl(const LoadedCrl& loaded) {
    crl_ = loaded.status;
    // A client reads strings of up to 1 MiB; a list that large (some 20,000
    // revocations) is not handed over, and every connection would hold a copy.
    const bool handed_over = loaded.pem.size() <= kMaxCrlHandedOver;
    if (!handed_over)
      log_("warning: the revocation list is " + std::to_string(loaded.pem.size() / 1024) +
           " KiB, too large to hand to clients (at most " + std::to_string(kMaxCrlHandedOver / 1024) +
           " KiB): give it to them with 'liaison-client init --crl'");
    warn_about_crl_expiry();
    apply(core_.set_revocations(
        HubRevocations{std::set<std::string>(loaded.revoked_serials.begin(), loaded.revoked_serials.end()),
                       handed_over ? loaded.pem : std::string()}));
  }

  // A new CRL file: verified against the CA, installed for new handshakes,
  // and live sessions of certificates it revokes are closed at once.
  void check_crl_file() {
    if (options_.tls.crl.empty()) return;
    const CrlFile now = crl_file_state();
    if (now == crl_file_) {
      if (crl_ && steady_ms() - last_crl_warning_ms_ >= 3'600'000) warn_about_crl_expiry();
      return;
    }
    auto loaded = load_crl(options_.tls);
    Status installed = loaded ? install_crl(ctx_, options_.tls.ca, *loaded, options_.tls.crl) : Status(loaded.error());
    if (!installed) {
      // Perhaps half-copied: tried again when the file changes once more.
      log_("can't use the new revocation list " + options_.tls.crl + ": " + installed.error().message +
           " (still using the one loaded before)");
      crl_file_ = now;
      return;
    }
    crl_file_ = now;
    adopt_crl(*loaded);
    log_("revocation list reloaded: " + std::to_string(crl_->revoked) + " certificates revoked; it " +
         describe_crl_expiry(*crl_, store_.wall_ms()));
  }

  void group_commit() {
    commit_posted_ = false;
    apply(core_.commit(steady_ms()));
  }

  awaitable<void> ticker() {
    asio::steady_timer timer(io_);
    std::uint64_t last_tick = 0, last_crl_check = steady_ms();
    while (!stopping_) {
      timer.expires_after(std::chrono::milliseconds(std::min(options_.poll_ms, options_.tick_ms)));
      error_code ec;
      co_await timer.async_wait(asio::redirect_error(kAwait, ec));
      if (external_stop_ && external_stop_->load()) shutdown();
      if (stopping_) break;
      const std::uint64_t now = steady_ms();
      // Admin commands write the same file from another process.
      apply(core_.poll_store(now));
      if (now - refusal_window_start_ >= kRefusalWindowMs) summarize_refusals(now);
      drop_finished_admissions();
      trim_memory_after_flood();
      if (now - last_crl_check >= options_.crl_check_ms) {
        last_crl_check = now;
        check_crl_file();
      }
      if (now - last_tick < options_.tick_ms) continue;
      last_tick = now;
      apply(core_.tick(now));
    }
  }

  ReplicaHubStore store_;
  HubCore core_;
  HubServerOptions options_;
  LogLine log_;
  asio::ssl::context& ctx_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  std::set<ConnectionPtr> connections_;
  std::unordered_map<ConnectionId, ConnectionPtr> by_id_;  // those the core admitted
  ConnectionId next_id_ = 1;
  bool commit_posted_ = false;
  std::deque<std::weak_ptr<Connection>> unauthenticated_;  // oldest first
  std::unordered_map<std::string, std::size_t> unauthenticated_by_source_;
  std::size_t unauthenticated_count_ = 0, peak_unauthenticated_ = 0, evicted_ = 0;
  static constexpr std::uint64_t kRefusalWindowMs = 10'000;
  static constexpr std::size_t kRefusalLinesPerWindow = 20;
  std::uint64_t refusal_window_start_ = 0;
  std::size_t refusals_in_window_ = 0;
  // A connection may always hold this much of a frame; beyond it, only
  // within the hub-wide and per-node budgets.
  static constexpr std::size_t kFreePartialBytes = 1u << 20;
  static constexpr std::uint64_t kMaxFrameBudgetWaitMs = 30'000;
  std::size_t partial_total_ = 0;
  std::optional<CrlStatus> crl_;  // the list in force, when the hub has one
  static constexpr std::size_t kMaxCrlHandedOver = 768u << 10;
  CrlFile crl_file_;
  std::uint64_t last_crl_warning_ms_ = 0;
  bool stopping_ = false;
  std::atomic<bool>* external_stop_ = nullptr;
  std::optional<Error> failure_;
};

// Every connection holds a descriptor, and the usual soft limit (1024) is far
// below what a hub serving a city's laptops needs: take what the hard limit
// allows, and say so when that is still short of max_connections.
void raise_open_file_limit(std::size_t max_connections, const LogLine& log) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  constexpr rlim_t kOtherDescriptors = 16;  // the hub's own: replica and its WAL, listener, event loop, logs
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < max_connections + kOtherDescriptors)
    log("warning: this process may open only " + std::to_string(limit.rlim_cur) + " files, so the hub can hold about " +
        std::to_string(limit.rlim_cur > kOtherDescriptors ? limit.rlim_cur - kOtherDescriptors : 0) +
        " connections, not " + std::to_string(max_connections) +
        " — raise the hard limit (ulimit -Hn, or LimitNOFILE= in the service unit)");
}

}  // namespace

Status run_hub_server(Replica& hub, const HubServerOptions& options, const LogLine& log,
                      const std::function<void(std::uint16_t)>& on_listening, std::atomic<bool>* stop) {
  auto context = make_tls_context(options.tls, Role::hub);
  if (!context) return context.error();
  raise_open_file_limit(options.max_connections, log);
  Server server(hub, options, log, **context);
  LIAISON_TRY(server.watch_crl());
  LIAISON_TRY(server.listen(on_listening));
  return server.run(stop);
}

}  // namespace liaison::sync::net
