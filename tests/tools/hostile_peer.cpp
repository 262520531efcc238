// liaison-hostile-peer: a misbehaving peer for the end-to-end tests. It
// connects to a real hub with real certificates and plays one scenario an
// honest client never would (a 4 GiB length prefix, deeply nested msgpack,
// messages out of order, silence, a thousand idle connections, a replayed
// push, stamps from the future), then prints what the hub did as `key=value`
// lines a shell test can grep:
//   tls=ok                      the mutual-TLS handshake completed
//   sent=WHAT                   each thing sent
//   answer=NAME                 each message the hub sent back, followed by
//   error_code= / error_message= / applied= / rejection= / ... its details
//   closed=yes|no               whether the hub closed the connection in time
//   closed_after_ms=N           how long after our last send it did
// Exit status: 0 when the scenario ran (whatever the hub answered), 1 when
// it could not (no connection, TLS refused), 2 for bad usage. Test tool only.
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>

#include "shared/cli.hpp"
#include "shared/ids.hpp"
#include "sync/codec.hpp"
#include "sync/framing.hpp"
#include "sync/hlc.hpp"
#include "sync/net/tls.hpp"
#include "sync/replica.hpp"

namespace liaison::hostile {
namespace {

using namespace liaison::sync;
using namespace liaison::sync::net;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    R"(usage: liaison-hostile-peer --hub HOST:PORT --ca CA --cert CERT --key KEY SCENARIO [options]

scenarios (each on a fresh connection):
  huge-prefix                hello, then a frame header announcing 4 GiB - 1 bytes and 256 KiB of filler
  deep-nesting [--depth N]   a well-framed message of N nested msgpack arrays (default 100000)
  send MSG...                the named messages in order: hello push pull ping pong welcome push_ack
                             changes notify error (push is an empty batch)
  idle                       completes TLS, sends nothing, waits for the hub to close
  flood N [--source ADDR] [--seconds S]
                             N TCP connections from ADDR (default 127.0.0.1) that never start TLS,
                             each reopened when the hub closes it, for S seconds (default 10);
                             no certificate is used; prints opened= and closed_by_hub=
  partial N [--bytes B]      N connections that say hello, announce a 16 MiB frame and send B bytes
                             of it (default 15 MiB), held until SIGTERM; prints held=
  hold N                     opens N connections (TLS completed, nothing sent), prints held=N, keeps
                             them until SIGTERM/SIGINT, then prints how many the hub closed meanwhile
  push --table T --row ID|DIRECTIVE_ID:COUNTY --set FIELD=VALUE... [--ahead-ms MS] [--save FILE]
                             hello, then one push of those cells stamped now (+MS), prints the ack;
                             --save keeps the push frame for `replay`
  replay FILE                hello, then the saved push frame again, prints the ack

offline (no hub involved):
  set-clock-offset --replica DB --node NODE --offset-ms MS
                             makes a client replica's clock run MS ahead of this machine's, as on
                             a laptop whose clock is wrong (the client corrects it from welcome)

options: --wait-ms MS (how long to wait for the hub's answers or close, default 20000)
         --claim TEXT (send: the node a hello names, any text; default the certificate's CN)
)";

Uuid fresh_uuid() {
  static std::mt19937_64 rng{std::random_device{}()};
  return new_uuid_v7(static_cast<std::uint64_t>(std::time(nullptr)) * 1000, rng);
}

// "error", "hello", ... -> a message of that type with plausible contents.
std::optional<Message> sample_message(const std::string& name, const std::string& node) {
  if (name == "hello") return Hello{kProtocolVersion, node, kSchemaVersion, {}, {}, 0, fresh_uuid()};
  if (name == "push") return Push{1, {}};
  if (name == "pull") return Pull{1, {}, 100};
  if (name == "ping") return Ping{7};
  if (name == "pong") return Pong{7};
  if (name == "welcome") return Welcome{1, fresh_uuid(), 0, 1 << 20, 100, 60'000};
  if (name == "push_ack") return PushAck{1, 0, {}, {}};
  if (name == "changes") return Changes{1, {}, {}, false};
  if (name == "notify") return Notify{1};
  if (name == "error") return ErrorMessage{Errc::malformed, "hostile peer says goodbye"};
  return std::nullopt;
}

std::vector<std::uint8_t> frame_of(const Message& message) {
  std::vector<std::uint8_t> out;
  append_frame(out, encode(message));
  return out;
}

void print_answer(const Message& message) {
  std::cout << "answer=" << message_name(type_of(message)) << "\n";
  if (const auto* e = std::get_if<ErrorMessage>(&message)) {
    std::cout << "error_code=" << errc_name(e->code) << "\nerror_message=" << e->message << "\n";
  } else if (const auto* w = std::get_if<Welcome>(&message)) {
    std::cout << "hub_time_ms=" << w->hub_time_ms << "\nmax_clock_ahead_ms=" << w->max_clock_ahead_ms << "\n";
  } else if (const auto* a = std::get_if<PushAck>(&message)) {
    std::cout << "batch=" << a->batch << "\napplied=" << a->applied << "\nrejections=" << a->rejections.size()
              << "\ncorrections=" << a->corrections.size() << "\n";
    for (const auto& r : a->rejections) {
      const TableDef& table = Schema::get().table(r.table);
      std::cout << "rejection=" << table.name << " " << r.row.to_string() << " " << table.columns.at(r.column).name
                << " " << errc_name(r.code) << " " << r.reason << "\n";
    }
  }
}

// One mutual-TLS connection to the hub, driven synchronously: each step runs
// the io_context until it completes or the deadline passes.
class Link {
 public:
  Link(asio::io_context& io, asio::ssl::context& ctx) : io_(io), stream_(io, ctx) {}

  Status connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds wait) {
    error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) return make_error(Errc::invalid_argument, "--hub host '" + host + "' is not an IP address");
    bool done = false;
    stream_.lowest_layer().async_connect({address, port}, [&](const error_code& e) { ec = e, done = true; });
    if (!run_until(done, wait)) return make_error(Errc::timeout, "no TCP connection to the hub within the deadline");
    if (ec)
      return make_error(Errc::disconnected, "connect to " + host + ":" + std::to_string(port) + ": " + ec.message());
    done = false;
    stream_.async_handshake(asio::ssl::stream_base::client, [&](const error_code& e) { ec = e, done = true; });
    if (!run_until(done, wait)) return make_error(Errc::timeout, "TLS handshake did not finish within the deadline");
    if (ec)
      return make_error(Errc::not_permitted,
                        "TLS handshake: " + explain_tls_failure(ec, stream_.native_handle(), Role::client));
    return {};
  }

  // Writes everything; false if the hub closed first (that is a result too).
  bool send(const std::vector<std::uint8_t>& bytes, std::chrono::milliseconds wait) {
    error_code ec;
    bool done = false;
    asio::async_write(stream_, asio::buffer(bytes), [&](const error_code& e, std::size_t) { ec = e, done = true; });
    const bool finished = run_until(done, wait);
    last_send_ = Clock::now();
    return finished && !ec;
  }

  // Reads and prints the hub's messages until it closes the connection or
  // `wait` passes; returns whether it closed (and prints closed=...).
  bool drain(std::chrono::milliseconds wait, std::size_t stop_after_answers = SIZE_MAX) {
    FrameDecoder decoder(64u << 20);
    std::vector<std::uint8_t> buffer(64 * 1024);
    const auto deadline = Clock::now() + wait;
    std::size_t answers = 0;
    for (;;) {
      error_code ec;
      std::size_t n = 0;
      bool done = false;
      stream_.async_read_some(asio::buffer(buffer),
                              [&](const error_code& e, std::size_t got) { ec = e, n = got, done = true; });
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (!run_until(done, std::max(left, std::chrono::milliseconds(1)))) {
        std::cout << "closed=no\n";
        return false;
      }
      if (n > 0) {
        decoder.feed({buffer.data(), n});
        for (;;) {
          auto frame = decoder.next();
          if (!frame || !*frame) break;
          auto message = decode(**frame);
          if (!message) {
            std::cout << "answer=undecodable\n";
            continue;
          }
          // The CA's revocation list follows the welcome unasked: not an answer.
          if (std::holds_alternative<Revocations>(*message)) continue;
          print_answer(*message);
          ++answers;
        }
        if (answers >= stop_after_answers) return false;
      }
      if (ec) {
        const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_send_).count();
        std::cout << "closed=yes\nclosed_after_ms=" << after << "\n";
        return true;
      }
    }
  }

  TlsStream& stream() { return stream_; }
  void mark_sent_now() { last_send_ = Clock::now(); }

 private:
  // Runs the io_context until `done` or `wait` passes; on timeout the
  // connection is closed and its pending handler allowed to finish.
  bool run_until(bool& done, std::chrono::milliseconds wait) {
    io_.restart();
    const auto deadline = Clock::now() + wait;
    while (!done && io_.run_one_until(deadline) > 0) {
    }
    if (done) return true;
    error_code ignored;
    stream_.lowest_layer().close(ignored);
    io_.restart();
    while (!done && io_.run_one() > 0) {
    }
    return false;
  }

  asio::io_context& io_;
  TlsStream stream_;
  Clock::time_point last_send_ = Clock::now();
};

// The options every connecting scenario takes.
struct Target {
  std::string host;
  std::uint16_t port = 0;
  TlsFiles tls;
  NodeId node;
  std::string claimed;  // what `send hello` names as its node (default: the certificate's)
  std::chrono::milliseconds wait{20'000};
};

// Soft limit up to the hard one: `hold` needs a descriptor per connection.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Error fail_usage(const std::string& what) { return make_error(Errc::invalid_argument, what); }

int report(const Status& st) {
  if (st) return 0;
  std::cout << "failed=" << st.error().message << "\n";
  std::cerr << "liaison-hostile-peer: " << st.error().message << "\n";
  return st.error().code == Errc::invalid_argument ? 2 : 1;
}

// One scenario's connection: its own io_context and TLS context, and the
// link through them, connected and past the TLS handshake.
struct Connection {
  asio::io_context io;
  std::unique_ptr<asio::ssl::context> tls;
  std::optional<Link> link;
};

// Connects and completes TLS, printing tls=ok.
Result<std::unique_ptr<Connection>> connect_to_hub(const Target& t) {
  auto connection = std::make_unique<Connection>();
  auto ctx = make_tls_context(t.tls, Role::client);
  if (!ctx) return ctx.error();
  connection->tls = std::move(*ctx);
  connection->link.emplace(connection->io, *connection->tls);
  LIAISON_TRY(connection->link->connect(t.host, t.port, t.wait));
  std::cout << "tls=ok" << std::endl;
  return connection;
}

Status greet(Link& link, const Target& t) {
  link.send(frame_of(*sample_message("hello", t.node.str())), t.wait);
  std::cout << "sent=hello\n";
  link.drain(t.wait, 1);
  return {};
}

Status huge_prefix(const Target& t) {
  auto connection = connect_to_hub(t);
  if (!connection) return connection.error();
  Link& link = *(*connection)->link;
  LIAISON_TRY(greet(link, t));
  // 0xffffffff announced; what follows would be the start of its body. An
  // allocating hub would now reserve 4 GiB or hold everything sent.
  std::vector<std::uint8_t> bytes = {0xff, 0xff, 0xff, 0xff};
  bytes.resize(bytes.size() + 256 * 1024, 0xc0);
  const bool sent = link.send(bytes, t.wait);
  std::cout << "sent=huge-prefix\nsent_complete=" << (sent ? "yes" : "no") << "\n";
  link.drain(t.wait);
  return {};
}

Status deep_nesting(const Target& t, std::size_t depth) {
  auto connection = connect_to_hub(t);
  if (!connection) return connection.error();
  Link& link = *(*connection)->link;
  LIAISON_TRY(greet(link, t));
  // fixarray of one element, nested `depth` times, around a nil.
  std::vector<std::uint8_t> payload(depth, 0x91);
  payload.push_back(0xc0);
  std::vector<std::uint8_t> frame;
  append_frame(frame, payload);
  link.send(frame, t.wait);
  std::cout << "sent=deep-nesting\ndepth=" << depth << "\n";
  link.drain(t.wait);
  return {};
}

Status send_messages(const Target& t, const std::vector<std::string>& names) {
  if (names.empty()) return fail_usage("send needs at least one message name");
  std::vector<Message> messages;
  for (const auto& name : names) {
    auto m = sample_message(name, t.claimed);
    if (!m) return fail_usage("send: no message called '" + name + "'");
    messages.push_back(std::move(*m));
  }
  auto connection = connect_to_hub(t);
  if (!connection) return connection.error();
  Link& link = *(*connection)->link;
  // All at once: the hub must judge each message in order, whatever follows.
  std::vector<std::uint8_t> bytes;
  for (const auto& m : messages) {
    auto f = frame_of(m);
    bytes.insert(bytes.end(), f.begin(), f.end());
  }
  link.send(bytes, t.wait);
  for (const auto& name : names) std::cout << "sent=" << name << "\n";
  link.drain(t.wait);
  return {};
}

Status idle(const Target& t) {
  auto connection = connect_to_hub(t);
  if (!connection) return connection.error();
  Link& link = *(*connection)->link;
  link.mark_sent_now();  // the silence starts with the completed handshake
  link.drain(t.wait);
  return {};
}

// The connections of `hold`, all on one io_context.
class Holder {
 public:
  Holder(const Target& t, asio::ssl::context& ctx, std::size_t count)
      : t_(t), ctx_(ctx), count_(count), signals_(io_, SIGINT, SIGTERM) {}

  Status run() {
    error_code ec;
    address_ = asio::ip::make_address(t_.host, ec);
    if (ec) return fail_usage("--hub host '" + t_.host + "' is not an IP address");
    const auto started = Clock::now();
    // A few handshakes in flight at a time: the hub's handshake deadline
    // must not expire for connections queued behind a thousand others.
    for (std::size_t i = 0; i < std::min<std::size_t>(count_, 16); ++i) open_next();
    const auto deadline = Clock::now() + t_.wait;
    while (held_ + failed_ < count_ && io_.run_one_until(deadline) > 0) {
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    std::cout << "held=" << held_ << "\nopen_failed=" << failed_ << "\nopen_ms=" << took << std::endl;
    if (!first_failure_.empty()) std::cout << "first_failure=" << first_failure_ << std::endl;
    if (held_ == 0) return make_error(Errc::disconnected, "no connection opened: " + first_failure_);
    // Those that opened are held even when others did not: a hub out of
    // descriptors must be watched while it stays out of them.
    bool stop = false;
    signals_.async_wait([&](const error_code&, int) { stop = true; });
    while (!stop && io_.run_one() > 0) {
    }
    std::cout << "hub_closed=" << closed_by_hub_ << std::endl;
    for (auto& s : streams_) s->lowest_layer().close(ec);
    if (held_ < count_)
      return make_error(Errc::disconnected,
                        "only " + std::to_string(held_) + " of " + std::to_string(count_) + " connections opened");
    return {};
  }

 private:
  void open_next() {
    if (started_ >= count_) return;
    ++started_;
    auto stream = std::make_shared<TlsStream>(io_, ctx_);
    stream->lowest_layer().async_connect({address_, t_.port}, [this, stream](const error_code& ec) {
      if (ec) return failed(ec.message());
      stream->async_handshake(asio::ssl::stream_base::client, [this, stream](const error_code& ec) {
        if (ec) return failed(explain_tls_failure(ec, stream->native_handle(), Role::client));
        ++held_;
        streams_.push_back(stream);
        watch(stream);
        open_next();
      });
    });
  }

  // Notices the hub closing this connection (we never send, so any read
  // completion is the hub's doing).
  void watch(const std::shared_ptr<TlsStream>& stream) {
    auto byte = std::make_shared<std::array<char, 256>>();
    stream->async_read_some(asio::buffer(*byte), [this, stream, byte](const error_code& ec, std::size_t) {
      if (ec) {
        if (ec != asio::error::operation_aborted) ++closed_by_hub_;
        return;
      }
      watch(stream);
    });
  }

  void failed(const std::string& why) {
    ++failed_;
    if (first_failure_.empty()) first_failure_ = why;
    open_next();
  }

  const Target& t_;
  asio::ssl::context& ctx_;
  std::size_t count_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::ip::address address_;
  std::vector<std::shared_ptr<TlsStream>> streams_;
  std::size_t started_ = 0, held_ = 0, failed_ = 0, closed_by_hub_ = 0;
  std::string first_failure_;
};

Status hold(const Target& t, const std::string& count_text) {
  char* end = nullptr;
  const unsigned long count = std::strtoul(count_text.c_str(), &end, 10);
  if (!end || *end || count == 0 || count > 100'000)
    return fail_usage("hold N: '" + count_text + "' is not a count from 1 to 100000");
  raise_open_file_limit();
  auto ctx = make_tls_context(t.tls, Role::client);
  if (!ctx) return ctx.error();
  Holder holder(t, **ctx, count);
  return holder.run();
}

// `count` TCP connections from `source` that never start TLS, each opened
// again as soon as the hub closes it, for `seconds`: the flood anyone who
// can reach the port can make, no certificate needed. Prints opened= (all
// connects that succeeded) and closed_by_hub=.
class Flood {
 public:
  Flood(const Target& t, std::size_t count, const std::string& source, std::chrono::seconds seconds)
      : target_(t), sockets_(count), source_(source), seconds_(seconds) {}

  Status run() {
    error_code ec;
    const auto hub = asio::ip::make_address(target_.host, ec);
    if (ec) return fail_usage("flood needs --hub with an IP address, not '" + target_.host + "'");
    hub_ = tcp::endpoint(hub, target_.port);
    local_ = asio::ip::make_address(source_, ec);
    if (ec) return fail_usage("--source '" + source_ + "' is not an IP address");
    for (std::size_t i = 0; i < sockets_.size(); ++i) open(i);
    asio::steady_timer stop(io_, seconds_);
    stop.async_wait([&](const error_code&) {
      stopping_ = true;
      for (auto& s : sockets_)
        if (s) s->close(ec);
    });
    io_.run();
    std::cout << "opened=" << opened_ << "\nclosed_by_hub=" << closed_by_hub_ << "\nconnect_failures=" << failures_
              << std::endl;
    return {};
  }

 private:
  void open(std::size_t i) {
    if (stopping_) return;
    error_code ec;
    sockets_[i] = std::make_unique<tcp::socket>(io_);
    tcp::socket& s = *sockets_[i];
    s.open(hub_.protocol(), ec);
    if (!ec) s.bind(tcp::endpoint(local_, 0), ec);
    if (ec) {
      ++failures_;
      return retry_later(i);
    }
    s.async_connect(hub_, [this, i](const error_code& e) {
      if (e) {
        ++failures_;
        return retry_later(i);
      }
      ++opened_;
      // Say nothing; wait for the hub to give up on us, then come back.
      sockets_[i]->async_wait(tcp::socket::wait_read, [this, i](const error_code& e2) {
        if (stopping_) return;
        if (!e2) ++closed_by_hub_;
        open(i);
      });
    });
  }
  void retry_later(std::size_t i) {
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
    timer->async_wait([this, i, timer](const error_code&) { open(i); });
  }

  const Target& target_;
  asio::io_context io_{1};
  std::vector<std::unique_ptr<tcp::socket>> sockets_;
  std::string source_;
  std::chrono::seconds seconds_;
  tcp::endpoint hub_;
  asio::ip::address local_;
  bool stopping_ = false;
  std::uint64_t opened_ = 0, closed_by_hub_ = 0, failures_ = 0;
};

Status flood(const Target& t, cli::Args& args) {
  const std::string source = args.option("source").value_or("127.0.0.1");
  const unsigned long seconds = std::strtoul(args.option("seconds").value_or("10").c_str(), nullptr, 10);
  const auto words = args.positionals();
  const std::string count_text = words.size() == 1 ? words[0] : "";
  char* end = nullptr;
  const unsigned long count = std::strtoul(count_text.c_str(), &end, 10);
  if (!end || *end || count == 0 || count > 100'000)
    return fail_usage("flood N: '" + count_text + "' is not a count from 1 to 100000");
  raise_open_file_limit();
  Flood f(t, count, source, std::chrono::seconds(seconds));
  return f.run();
}

// `count` TLS connections that each say hello, then announce a frame of
// 16 MiB and send `bytes` of it, and hold there until SIGTERM: what a node
// with a valid certificate can make the hub buffer. Prints held= and sent=.
Status partial_frames(const Target& t, cli::Args& args) {
  const unsigned long long bytes = std::strtoull(args.option("bytes").value_or("15728640").c_str(), nullptr, 10);
  const auto words = args.positionals();
  const unsigned long count = words.size() == 1 ? std::strtoul(words[0].c_str(), nullptr, 10) : 0;
  if (count == 0 || count > 1000 || bytes >= (16ull << 20))
    return fail_usage("partial N --bytes B: 1-1000 connections, B under 16 MiB");
  std::vector<std::unique_ptr<Connection>> held;
  std::uint64_t sent = 0;
  std::vector<std::uint8_t> body = {0x01, 0x00, 0x00, 0x00};  // announces 16 MiB
  body.resize(4 + bytes, 0x90);
  // One replica on every connection: one device, as far as the hub can tell.
  const Message hello = Hello{kProtocolVersion, t.node.str(), kSchemaVersion, {}, {}, 0, fresh_uuid()};
  for (unsigned long i = 0; i < count; ++i) {
    auto connection = connect_to_hub(t);
    if (!connection) break;
    Link& link = *(*connection)->link;
    link.send(frame_of(hello), t.wait);
    link.drain(std::chrono::milliseconds(500), 1);
    // Whatever the hub lets through within a few seconds.
    if (link.send(body, std::chrono::milliseconds(3000))) sent += bytes;
    held.push_back(std::move(*connection));
  }
  std::cout << "held=" << held.size() << "\nsent_complete_bytes=" << sent << std::endl;
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  return {};
}

Result<Value> parse_value(const TableDef& table, std::uint16_t column, const std::string& text) {
  const ValueType type = table.columns[column].type;
  if (type == ValueType::text) return Value{text};
  try {
    if (type == ValueType::integer) return Value{std::int64_t{std::stoll(text)}};
    return Value{std::stod(text)};
  } catch (const std::exception&) {
    return fail_usage("value '" + text + "' of " + std::string(table.columns[column].name) + " is not a number");
  }
}

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

Status push_saved(const Target& t, const std::vector<std::uint8_t>& frame, const char* what) {
  auto connection = connect_to_hub(t);
  if (!connection) return connection.error();
  Link& link = *(*connection)->link;
  LIAISON_TRY(greet(link, t));
  link.send(frame, t.wait);
  std::cout << "sent=" << what << "\n";
  link.drain(t.wait, 1);
  return {};
}

Status push(const Target& t, cli::Args& args) {
  auto table_name = args.required("table");
  auto row_text = args.required("row");
  if (!table_name) return table_name.error();
  if (!row_text) return row_text.error();
  const TableDef* table = Schema::get().find_table(*table_name);
  if (!table) return fail_usage("--table '" + *table_name + "' is not a table of the schema");
  // DIRECTIVE_ID:COUNTY names that county's receipt row (its id derives from both).
  const auto colon = row_text->find(':');
  auto row = colon == std::string::npos ? Uuid::parse(*row_text) : Uuid::parse(row_text->substr(0, colon));
  if (!row) return fail_usage("--row '" + *row_text + "' is not a uuid (or DIRECTIVE_ID:COUNTY for a receipt)");
  if (colon != std::string::npos) row = derived_uuid(*row, row_text->substr(colon + 1));
  std::int64_t ahead_ms = 0;
  if (auto ahead = args.option("ahead-ms")) ahead_ms = std::stoll(*ahead);
  const auto save = args.option("save");
  // One stamp per cell, rising, as a client's clock would issue them.
  std::uint64_t hlc = hlc_pack(static_cast<std::uint64_t>(static_cast<std::int64_t>(wall_ms()) + ahead_ms), 0);
  Push message{1, {}};
  for (const auto& assignment : args.options("set")) {
    const auto eq = assignment.find('=');
    const auto column = eq == std::string::npos ? std::nullopt : table->column_index(assignment.substr(0, eq));
    if (!column)
      return fail_usage("--set '" + assignment + "' is not FIELD=VALUE with a field of " + std::string(table->name));
    auto value = parse_value(*table, *column, assignment.substr(eq + 1));
    if (!value) return value.error();
    message.cells.push_back(Cell{table->id, *row, *column, std::move(*value), Stamp{hlc++, t.node.str()}, {}});
  }
  if (message.cells.empty()) return fail_usage("push needs at least one --set FIELD=VALUE");
  LIAISON_TRY(args.finish());
  const auto frame = frame_of(message);
  if (save) {
    std::ofstream out(*save, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    if (!out) return make_error(Errc::storage_failed, "can't write " + *save);
  }
  std::cout << "stamp_ms=" << hlc_ms(message.cells.front().stamp.hlc) << "\n";
  return push_saved(t, frame, "push");
}

Status replay(const Target& t, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail_usage("replay: can't read " + path);
  std::vector<std::uint8_t> frame{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return push_saved(t, frame, "replay");
}

Status set_clock_offset(cli::Args& args) {
  auto path = args.required("replica");
  auto node_text = args.required("node");
  auto offset = args.required("offset-ms");
  if (!path) return path.error();
  if (!node_text) return node_text.error();
  if (!offset) return offset.error();
  LIAISON_TRY(args.finish());
  auto node = NodeId::parse(*node_text);
  if (!node) return fail_usage("--node: " + node.error().message);
  ReplicaOptions options;
  options.path = *path;
  options.self = *node;
  auto replica = Replica::open(options);
  if (!replica) return replica.error();
  LIAISON_TRY((*replica)->set_meta(sync::meta_key::kClockOffset, *offset));
  std::cout << "clock_offset_ms=" << *offset << "\n";
  return {};
}

Result<Target> target_of(cli::Args& args) {
  Target t;
  auto hub = args.required("hub");
  if (!hub) return hub.error();
  const auto colon = hub->rfind(':');
  if (colon == std::string::npos) return fail_usage("--hub '" + *hub + "' is not HOST:PORT");
  t.host = hub->substr(0, colon);
  t.port = static_cast<std::uint16_t>(std::strtoul(hub->c_str() + colon + 1, nullptr, 10));
  for (auto [name, target] : {std::pair{"ca", &t.tls.ca}, {"cert", &t.tls.cert}, {"key", &t.tls.key}}) {
    auto value = args.required(name);
    if (!value) return value.error();
    *target = *value;
  }
  if (auto wait = args.option("wait-ms")) t.wait = std::chrono::milliseconds(std::stoull(*wait));
  auto node = check_tls_files(t.tls);
  if (!node) return node.error();
  t.node = *node;
  t.claimed = args.option("claim").value_or(node->str());
  return t;
}

int run(std::vector<std::string> words) {
  if (words.empty() || words[0] == "--help" || words[0] == "-h") {
    std::cout << kUsage;
    return words.empty() ? 2 : 0;
  }
  // The scenario is the first word that is neither an option nor its value.
  std::string scenario;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].rfind("--", 0) == 0) {
      if (words[i].find('=') == std::string::npos) ++i;
      continue;
    }
    scenario = words[i];
    words.erase(words.begin() + static_cast<std::ptrdiff_t>(i));
    break;
  }
  cli::Args args(std::move(words));
  if (scenario == "set-clock-offset") return report(set_clock_offset(args));
  auto target = target_of(args);
  if (!target) return report(target.error());
  Status st;
  if (scenario == "huge-prefix") {
    st = args.finish();
    if (st) st = huge_prefix(*target);
  } else if (scenario == "deep-nesting") {
    const auto depth = args.option("depth");
    st = args.finish();
    if (st) st = deep_nesting(*target, depth ? std::stoull(*depth) : 100'000);
  } else if (scenario == "send") {
    st = send_messages(*target, args.positionals());
  } else if (scenario == "idle") {
    st = args.finish();
    if (st) st = idle(*target);
  } else if (scenario == "flood") {
    st = flood(*target, args);
  } else if (scenario == "partial") {
    st = partial_frames(*target, args);
  } else if (scenario == "hold") {
    const auto positionals = args.positionals();
    st = positionals.size() == 1 ? hold(*target, positionals[0]) : fail_usage("hold needs one count, e.g. hold 1000");
  } else if (scenario == "push") {
    st = push(*target, args);
  } else if (scenario == "replay") {
    const auto positionals = args.positionals();
    st = positionals.size() == 1 ? replay(*target, positionals[0])
                                 : fail_usage("replay needs the file saved by push --save");
  } else {
    std::cerr << "liaison-hostile-peer: unknown scenario '" << scenario << "'\n\n" << kUsage;
    return 2;
  }
  std::cout.flush();
  return report(st);
}

}  // namespace
}  // namespace liaison::hostile

int main(int argc, char** argv) {
  try {
    return liaison::hostile::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {  // std::stoll on a bad number, mostly
    std::cerr << "liaison-hostile-peer: " << e.what() << "\n";
    return 2;
  }
}
