// liaison-fault-proxy: a TCP proxy that breaks the link between a client and
// the hub on purpose, for the fault tests (tests/e2e/faults_test.sh) and the
// slow-link benchmark. It moves bytes (TLS passes through untouched) and can,
// switched at start or while running: cut connections after N bytes (FIN),
// reset them (RST), truncate the next chunk, swallow everything silently
// (black hole), and throttle to R kbit/s with L ms latency each way.
//
//   liaison-fault-proxy --listen 127.0.0.1:0 --to HOST:PORT [--rate-kbit R]
//       [--latency-ms L] [--control 127.0.0.1:0] [--fault COMMAND]...
//
// Prints "port N" (then "control N" with --control) on stdout, runs until
// SIGTERM/SIGINT, then prints "bytes up U down D" (client->target and
// target->client totals). The control port takes one command per line and
// answers each with one line ("ok ..." or "error ..."; `stats` answers with
// several lines ending in "end"):
//   pass                         no faults, no throttle
//   throttle R L | rate R | latency L
//   blackhole [on|off]           nothing passes either way; no FIN, no RST
//   blackhole N [up|down|any]    the black hole starts after N more bytes
//   cut N [up|down|any] [every]  close both sides (FIN) after N more bytes
//   reset [N [up|down|any] [every]]  the same with RST; no N: reset all now
//   truncate [N] [up|down|any] [every]  forward half of the next chunk (after
//                                N more bytes), then FIN: a frame cut in two
//   stats                        totals, then one line per connection
// A cut, reset or truncate fires once (on whichever connection gets there
// first) unless `every` is given: then each connection gets it anew. Events
// go to stderr with the wall-clock time in ms, so a test can time reactions.
//
// One thread, poll(2), non-blocking sockets. Test tool only.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Micros = std::chrono::microseconds;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }

// An event on stderr, stamped with the wall clock in ms.
void note(const std::string& what) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::cerr << "liaison-fault-proxy: [" << ms << "] " << what << std::endl;
}

[[noreturn]] void die(const std::string& what) {
  std::cerr << "liaison-fault-proxy: " << what << "\n";
  std::exit(2);
}

struct HostPort {
  std::string host;
  std::string port;
};

std::optional<HostPort> split_host_port(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return HostPort{host, text.substr(colon + 1)};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A listening socket on HOST:PORT (port 0: any free one); returns fd and port.
std::pair<int, std::uint16_t> listen_on(const std::string& text, const char* what) {
  auto hp = split_host_port(text);
  if (!hp) die(std::string(what) + " '" + text + "' is not HOST:PORT");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(hp->host.c_str(), hp->port.c_str(), &hints, &found); rc != 0)
    die(std::string("can't resolve ") + what + " " + text + ": " + ::gai_strerror(rc));
  const int fd = ::socket(found->ai_family, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || ::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 64) != 0)
    die(std::string("can't listen on ") + text + ": " + std::strerror(errno));
  ::freeaddrinfo(found);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  const std::uint16_t port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  set_nonblocking(fd);
  return {fd, port};
}

enum class Dir { up, down, any };
enum class Ending { fin, rst, blackhole };

const char* dir_name(Dir d) { return d == Dir::up ? "up" : d == Dir::down ? "down" : "any"; }

// A cut, reset or truncate waiting to fire.
struct Trigger {
  Ending ending = Ending::fin;
  Dir dir = Dir::any;
  std::uint64_t after_bytes = 0;
  bool truncate = false;          // then the limit is set within the next chunk
  std::uint64_t truncate_at = 0;  // 0 until that chunk is seen
  bool every = false;
};

// Bytes read from one side, held until their release time (latency and
// the rate's serialisation), then written to the other. `fin` marks the
// end of the stream (also delayed).
struct Chunk {
  Clock::time_point release;
  std::vector<char> bytes;
  std::size_t offset = 0;
  bool fin = false;
};

struct Direction {
  int from = -1, to = -1;
  std::deque<Chunk> queue;
  std::size_t queued_bytes = 0;
  bool eof_read = false;
  bool fin_sent = false;
  bool want_write = false;  // the last write met a full socket buffer
  Clock::time_point link_free{};
  Clock::time_point last_release{};
  std::uint64_t bytes = 0;  // written to `to`
};

struct Connection {
  std::uint64_t id = 0;
  int client = -1, target = -1;
  bool connecting = true;
  bool open = true;
  Direction up, down;  // up: client -> target
  std::optional<Trigger> trigger;
  std::uint64_t trigger_seen = 0;  // bytes counted towards the trigger
};

class Proxy {
 public:
  explicit Proxy(addrinfo* target) : target_(target) {}

  int listen_fd = -1;
  int control_fd = -1;

  void run() {
    while (!g_stop) {
      std::vector<pollfd> fds;
      std::vector<std::pair<Connection*, bool>> owners;  // (connection, is client side)
      fds.push_back({listen_fd, POLLIN, 0});
      owners.push_back({nullptr, false});
      if (control_fd >= 0) {
        fds.push_back({control_fd, POLLIN, 0});
        owners.push_back({nullptr, false});
      }
      for (const auto& c : controls_) {
        fds.push_back({c.fd, POLLIN, 0});
        owners.push_back({nullptr, false});
      }
      const auto now = Clock::now();
      auto wake = now + std::chrono::milliseconds(200);
      for (auto& conn : connections_) {
        if (!conn->open || blackhole_) continue;
        short client_events = 0, target_events = 0;
        if (conn->connecting) {
          target_events |= POLLOUT;
        } else {
          if (can_read(conn->up)) client_events |= POLLIN;
          if (can_read(conn->down)) target_events |= POLLIN;
          for (Direction* d : {&conn->up, &conn->down}) {
            if (d->want_write)
              (d == &conn->up ? target_events : client_events) |= POLLOUT;
            else if (!d->queue.empty())
              wake = std::min(wake, d->queue.front().release);
          }
        }
        if (client_events) fds.push_back({conn->client, client_events, 0}), owners.push_back({conn.get(), true});
        if (target_events) fds.push_back({conn->target, target_events, 0}), owners.push_back({conn.get(), false});
      }
      const auto wait_us = std::chrono::duration_cast<Micros>(wake - now).count();
      const int timeout_ms = wait_us <= 0 ? 0 : static_cast<int>((wait_us + 999) / 1000);
      const int n = ::poll(fds.data(), fds.size(), timeout_ms);
      if (n < 0 && errno != EINTR) die(std::string("poll: ") + std::strerror(errno));
      if (g_stop) break;
      if (n > 0) {
        if (fds[0].revents) accept_connections();
        if (control_fd >= 0 && fds[1].revents) accept_control();
        for (std::size_t i = 0; i < fds.size(); ++i)
          if (fds[i].revents && owners[i].first && owners[i].first->connecting && !owners[i].second)
            finish_connect(*owners[i].first);
        serve_controls(fds);
      }
      for (auto& conn : connections_)
        if (conn->open && !blackhole_ && !conn->connecting) pump(*conn);
      std::erase_if(connections_, [](const auto& c) { return !c->open; });
    }
    for (auto& conn : connections_) close_connection(*conn, Ending::fin);
    std::cout << "bytes up " << total_up_ << " down " << total_down_ << std::endl;
  }

  // One control command; returns the answer (without the final newline).
  std::string command(const std::string& line) {
    std::istringstream in(line);
    std::string verb;
    in >> verb;
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    const auto number = [](const std::string& text, std::uint64_t& out) {
      try {
        std::size_t used = 0;
        out = std::stoull(text, &used);
        return used == text.size();
      } catch (const std::exception&) {
        return false;
      }
    };
    if (verb == "pass") {
      blackhole_ = false;
      rate_kbit_ = latency_ms_ = 0;
      resize_buffers();
      disarm();
      return "ok pass";
    }
    if (verb == "throttle" || verb == "rate" || verb == "latency") {
      const std::size_t want = verb == "throttle" ? 2 : 1;
      std::uint64_t a = 0, b = 0;
      if (words.size() != want || !number(words[0], a) || (want == 2 && !number(words[1], b)))
        return "error usage: throttle KBIT MS | rate KBIT | latency MS";
      if (verb == "throttle")
        rate_kbit_ = a, latency_ms_ = b;
      else if (verb == "rate")
        rate_kbit_ = a;
      else
        latency_ms_ = a;
      resize_buffers();
      return "ok rate " + std::to_string(rate_kbit_) + " kbit/s latency " + std::to_string(latency_ms_) + " ms";
    }
    if (verb == "blackhole" && (words.empty() || words[0] == "on" || words[0] == "off")) {
      if (words.size() > 1) return "error usage: blackhole [on|off] | blackhole N [up|down|any]";
      blackhole_ = words.empty() || words[0] == "on";
      note(blackhole_ ? "blackhole on" : "blackhole off");
      return blackhole_ ? "ok blackhole on" : "ok blackhole off";
    }
    if (verb == "cut" || verb == "reset" || verb == "truncate" || verb == "blackhole") {
      Trigger t;
      t.ending = verb == "reset" ? Ending::rst : verb == "blackhole" ? Ending::blackhole : Ending::fin;
      t.truncate = verb == "truncate";
      std::size_t i = 0;
      if (verb == "reset" && words.empty()) {
        std::size_t count = 0;
        for (auto& conn : connections_)
          if (conn->open) close_connection(*conn, Ending::rst), ++count;
        return "ok reset " + std::to_string(count) + " connection(s)";
      }
      if (!words.empty() && number(words[0], t.after_bytes))
        i = 1;
      else if (!t.truncate)
        return "error " + verb + ": expected a byte count, saw '" + (words.empty() ? "" : words[0]) + "'";
      for (; i < words.size(); ++i) {
        if (words[i] == "up")
          t.dir = Dir::up;
        else if (words[i] == "down")
          t.dir = Dir::down;
        else if (words[i] == "any")
          t.dir = Dir::any;
        else if (words[i] == "every" && t.ending != Ending::blackhole)
          t.every = true;
        else
          return "error unknown word '" + words[i] + "' (expected up, down, any or every)";
      }
      arm(t);
      return "ok " + verb + " after " + std::to_string(t.after_bytes) + " bytes " + dir_name(t.dir) +
             (t.every ? " on every connection" : " once");
    }
    if (verb == "stats") {
      std::string out = "bytes up " + std::to_string(total_up_) + " down " + std::to_string(total_down_) +
                        " connections " + std::to_string(next_id_ - 1);
      for (const auto& r : history_)
        out += "\nconn " + std::to_string(r->id) + " up " + std::to_string(r->up.bytes) + " down " +
               std::to_string(r->down.bytes) + (r->open ? " open" : " closed");
      return out + "\nend";
    }
    return "error unknown command '" + verb +
           "' (pass, throttle, rate, latency, blackhole, cut, reset, truncate, stats)";
  }

  // Accepted sockets take theirs from the listening one (and the window
  // they first advertise from it: too late to shrink once accepted).
  void resize_buffers() {
    if (listen_fd >= 0) size_receive_buffer(listen_fd);
    for (auto& conn : connections_)
      if (conn->open) size_receive_buffer(conn->client), size_receive_buffer(conn->target);
  }

 private:
  struct Control {
    int fd;
    std::string pending;
  };

  // Bytes per read: small on a slow link, so bytes leave as the rate
  // allows rather than in bursts.
  std::size_t read_size() const {
    return rate_kbit_ ? std::clamp<std::size_t>(rate_kbit_ * 1000 / 8 / 50, 512, 65536) : std::size_t{65536};
  }

  std::size_t queue_cap() const {
    if (!rate_kbit_) return 256 * 1024;
    // Room for the bytes in flight on the modelled link (rate x latency),
    // twice over, so that holding them never idles the link; little more,
    // or the sender would see its bytes taken long before the link could
    // carry them (a slow link's sender sees them leave at its pace).
    const std::uint64_t in_flight = rate_kbit_ * 1000 / 8 * latency_ms_ / 1000;
    return 2 * in_flight + 2 * read_size() + 1024;
  }

  // The same for the kernel: on a slow link, a small receive buffer, so
  // that our side of the socket does not acknowledge what the link has not
  // carried yet.
  void size_receive_buffer(int fd) const {
    // (The kernel raises a tiny size to its minimum, a few KB.)
    const int bytes = rate_kbit_ ? static_cast<int>(2 * read_size()) : 256 * 1024;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }

  bool can_read(const Direction& d) const { return !d.eof_read && d.queued_bytes < queue_cap(); }

  void arm(const Trigger& t) {
    armed_ = t;
    for (auto& conn : connections_)
      if (conn->open) conn->trigger = t, conn->trigger_seen = 0;
  }

  void disarm() {
    armed_.reset();
    for (auto& conn : connections_) conn->trigger.reset();
  }

  void accept_connections() {
    for (;;) {
      const int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) return;
      set_nonblocking(fd);
      const int target = ::socket(target_->ai_family, SOCK_STREAM, 0);
      if (target < 0) {
        ::close(fd);
        continue;
      }
      set_nonblocking(target);
      size_receive_buffer(fd);
      size_receive_buffer(target);
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::setsockopt(target, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto conn = std::make_shared<Connection>();
      conn->id = next_id_++;
      conn->client = fd;
      conn->target = target;
      conn->up.from = conn->down.to = fd;
      conn->up.to = conn->down.from = target;
      if (armed_) conn->trigger = armed_;
      if (::connect(target, target_->ai_addr, target_->ai_addrlen) == 0)
        conn->connecting = false;
      else if (errno != EINPROGRESS)
        close_connection(*conn, Ending::rst);
      connections_.push_back(conn);
      history_.push_back(conn);
      note("connection " + std::to_string(conn->id) + " accepted");
    }
  }

  void finish_connect(Connection& conn) {
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(conn.target, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) {
      note("connection " + std::to_string(conn.id) + ": can't reach the target: " + std::strerror(error));
      close_connection(conn, Ending::rst);
      return;
    }
    conn.connecting = false;
  }

  // Moves what can move now: reads into the queues, writes released chunks.
  void pump(Connection& conn) {
    for (Direction* d : {&conn.up, &conn.down}) {
      if (!conn.open) return;
      read_side(conn, *d);
    }
    for (Direction* d : {&conn.up, &conn.down}) {
      if (!conn.open) return;
      write_side(conn, *d);
    }
    if (conn.open && conn.up.fin_sent && conn.down.fin_sent) close_connection(conn, Ending::fin);
  }

  void read_side(Connection& conn, Direction& d) {
    if (!can_read(d)) return;
    std::vector<char> buffer(read_size());
    const ssize_t n = ::recv(d.from, buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      close_connection(conn, Ending::rst);  // a reset on one side is passed on to the other
      return;
    }
    buffer.resize(static_cast<std::size_t>(n));
    const auto now = Clock::now();
    Clock::time_point sent = now;
    if (rate_kbit_ && n > 0) {
      const auto start = std::max(now, d.link_free);
      d.link_free = start + Micros(static_cast<std::uint64_t>(n) * 8'000 / rate_kbit_);
      sent = d.link_free;
    }
    Chunk chunk;
    chunk.release = std::max(d.last_release, sent + std::chrono::milliseconds(latency_ms_));
    d.last_release = chunk.release;
    chunk.fin = n == 0;
    d.eof_read = n == 0;
    d.queued_bytes += buffer.size();
    chunk.bytes = std::move(buffer);
    d.queue.push_back(std::move(chunk));
  }

  void write_side(Connection& conn, Direction& d) {
    const auto now = Clock::now();
    while (conn.open && !d.queue.empty() && d.queue.front().release <= now) {
      Chunk& chunk = d.queue.front();
      if (chunk.fin) {
        ::shutdown(d.to, SHUT_WR);
        d.fin_sent = true;
        d.queue.pop_front();
        continue;
      }
      std::size_t want = chunk.bytes.size() - chunk.offset;
      std::optional<Ending> ending;
      const bool counts =
          conn.trigger && (conn.trigger->dir == Dir::any || (conn.trigger->dir == Dir::up) == (&d == &conn.up));
      if (counts) {
        Trigger& t = *conn.trigger;
        std::uint64_t limit = t.after_bytes;
        if (t.truncate) {
          // The first chunk that starts at or after the byte count.
          if (t.truncate_at == 0 && chunk.offset == 0 && conn.trigger_seen >= t.after_bytes)
            t.truncate_at = conn.trigger_seen + std::max<std::size_t>(1, want / 2);
          limit = t.truncate_at ? t.truncate_at : std::numeric_limits<std::uint64_t>::max();
        }
        const std::uint64_t left = limit - conn.trigger_seen;
        if (want >= left) want = static_cast<std::size_t>(left), ending = t.ending;
      }
      ssize_t n = want == 0 ? 0 : ::send(d.to, chunk.bytes.data() + chunk.offset, want, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          d.want_write = true;
          return;
        }
        close_connection(conn, Ending::rst);
        return;
      }
      d.want_write = false;
      chunk.offset += static_cast<std::size_t>(n);
      d.queued_bytes -= static_cast<std::size_t>(n);
      d.bytes += static_cast<std::uint64_t>(n);
      (&d == &conn.up ? total_up_ : total_down_) += static_cast<std::uint64_t>(n);
      if (counts) conn.trigger_seen += static_cast<std::uint64_t>(n);
      if (ending && static_cast<std::size_t>(n) == want) {
        const char* what = conn.trigger->truncate         ? "truncated"
                           : *ending == Ending::rst       ? "reset"
                           : *ending == Ending::blackhole ? "blackhole on"
                                                          : "cut";
        note("connection " + std::to_string(conn.id) + ": " + what + " after " + std::to_string(conn.trigger_seen) +
             " bytes " + dir_name(conn.trigger->dir));
        if (!conn.trigger->every) disarm();
        if (*ending == Ending::blackhole) {
          blackhole_ = true;
          if (chunk.offset == chunk.bytes.size()) d.queue.pop_front();
        } else {
          close_connection(conn, *ending);
        }
        return;
      }
      if (chunk.offset == chunk.bytes.size()) d.queue.pop_front();
    }
  }

  static void discard_input(int fd) {
    char sink[4096];
    while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
  }

  void close_connection(Connection& conn, Ending ending) {
    if (!conn.open) return;
    conn.open = false;
    for (int fd : {conn.client, conn.target}) {
      if (fd < 0) continue;
      if (ending == Ending::rst) {
        const linger abort_now{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now);
      } else {
        // Unread input would turn close() into a reset: a cut ends with FIN.
        discard_input(fd);
        ::shutdown(fd, SHUT_RDWR);
      }
      ::close(fd);
    }
    conn.up.queue.clear();
    conn.down.queue.clear();
    note("connection " + std::to_string(conn.id) + " closed (" + (ending == Ending::rst ? "RST" : "FIN") + "), up " +
         std::to_string(conn.up.bytes) + " down " + std::to_string(conn.down.bytes) + " bytes");
  }

  void accept_control() {
    for (;;) {
      const int fd = ::accept(control_fd, nullptr, nullptr);
      if (fd < 0) return;
      set_nonblocking(fd);
      controls_.push_back({fd, {}});
    }
  }

  void serve_controls(const std::vector<pollfd>& fds) {
    for (auto& c : controls_) {
      const auto it = std::find_if(fds.begin(), fds.end(), [&](const pollfd& p) { return p.fd == c.fd; });
      if (it == fds.end() || !it->revents) continue;
      char buffer[1024];
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        ::close(c.fd);
        c.fd = -1;
        continue;
      }
      c.pending.append(buffer, static_cast<std::size_t>(n));
      for (auto nl = c.pending.find('\n'); nl != std::string::npos; nl = c.pending.find('\n')) {
        std::string line = c.pending.substr(0, nl);
        c.pending.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const std::string answer = command(line) + "\n";
        if (answer.rfind("error", 0) != 0) note(line);
        // Answers are short: a blocking write is fine.
        ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
        ::send(c.fd, answer.data(), answer.size(), MSG_NOSIGNAL);
        set_nonblocking(c.fd);
      }
    }
    std::erase_if(controls_, [](const Control& c) { return c.fd < 0; });
  }

  addrinfo* target_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::vector<std::shared_ptr<Connection>> history_;  // every connection, for `stats`
  std::vector<Control> controls_;
  std::uint64_t next_id_ = 1;
  std::uint64_t total_up_ = 0, total_down_ = 0;
  std::uint64_t rate_kbit_ = 0, latency_ms_ = 0;
  bool blackhole_ = false;
  std::optional<Trigger> armed_;
};

constexpr const char* kUsage =
    "usage: liaison-fault-proxy --listen HOST:PORT --to HOST:PORT [--rate-kbit R] [--latency-ms L]\n"
    "                           [--control HOST:PORT] [--fault COMMAND]...\n"
    "  prints 'port N' (and 'control N'), forwards until SIGTERM/SIGINT, then prints\n"
    "  'bytes up U down D'. Control commands (one per line on the control port, or --fault):\n"
    "  pass | throttle KBIT MS | rate KBIT | latency MS | blackhole [on|off] |\n"
    "  blackhole N [up|down|any] | cut N [up|down|any] [every] | reset [N [up|down|any] [every]] |\n"
    "  truncate [N] [up|down|any] [every] | stats\n";

}  // namespace

int main(int argc, char** argv) {
  std::string listen, to, control;
  std::vector<std::string> faults;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(arg + " needs a value\n" + kUsage);
      return argv[++i];
    };
    if (arg == "--listen")
      listen = value();
    else if (arg == "--to")
      to = value();
    else if (arg == "--control")
      control = value();
    else if (arg == "--rate-kbit")
      faults.push_back("rate " + value());
    else if (arg == "--latency-ms")
      faults.push_back("latency " + value());
    else if (arg == "--fault")
      faults.push_back(value());
    else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      die("unknown argument '" + arg + "'\n" + kUsage);
    }
  }
  if (listen.empty() || to.empty()) die(std::string("--listen and --to are required\n") + kUsage);
  auto target = split_host_port(to);
  if (!target) die("--to '" + to + "' is not HOST:PORT");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* resolved = nullptr;
  if (int rc = ::getaddrinfo(target->host.c_str(), target->port.c_str(), &hints, &resolved); rc != 0)
    die("can't resolve --to " + to + ": " + ::gai_strerror(rc));

  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction stop {};
  stop.sa_handler = on_signal;  // no SA_RESTART: poll returns at once
  ::sigaction(SIGTERM, &stop, nullptr);
  ::sigaction(SIGINT, &stop, nullptr);

  Proxy proxy(resolved);
  for (const auto& f : faults) {
    const std::string answer = proxy.command(f);
    if (answer.rfind("error", 0) == 0) die("--fault '" + f + "': " + answer.substr(6));
  }
  auto [listen_fd, port] = listen_on(listen, "--listen");
  proxy.listen_fd = listen_fd;
  proxy.resize_buffers();
  std::cout << "port " << port << std::endl;
  if (!control.empty()) {
    auto [control_fd, control_port] = listen_on(control, "--control");
    proxy.control_fd = control_fd;
    std::cout << "control " << control_port << std::endl;
  }
  proxy.run();
  ::freeaddrinfo(resolved);
  return 0;
}
