// liaison-fuzz-corpus: writes the seed corpus of the fuzz targets from a real
// conversation: a Longyou office and a city desk sync with a hub through the
// session state machines, and every message they exchange is recorded.
// Deterministic (fixed clock, seeded ids), so regenerating after a protocol
// change only touches what changed:
//   liaison-fuzz-corpus fuzz/corpus
// Writes <dir>/frames/, <dir>/messages/ and <dir>/merge/; other files there
// (inputs libFuzzer found and merged in) are left alone.
#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/targets.hpp"
#include "sync/codec.hpp"
#include "sync/framing.hpp"
#include "sync/session.hpp"

namespace fs = std::filesystem;
using namespace liaison;
using namespace liaison::sync;

namespace {

using Bytes = std::vector<std::uint8_t>;

struct Recorder {
  std::vector<Message> to_hub;  // in the order sent
  std::vector<Message> to_client;
};

std::uint64_t g_now = fuzz::kFuzzWallMs - 600'000;

std::unique_ptr<Replica> open_replica(const char* node, bool hub, std::uint64_t seed) {
  ReplicaOptions options;
  options.path = ":memory:";
  options.self = NodeId::parse(node).value();
  options.hub = hub;
  options.wall = [] { return g_now; };
  options.seed = seed;
  options.durable = false;
  auto replica = Replica::open(options);
  if (!replica) {
    std::cerr << "liaison-fuzz-corpus: " << replica.error().message << "\n";
    std::exit(1);
  }
  return std::move(replica).value();
}

// One full sync pass, every message recorded.
void sync_pass(Replica& client_replica, Replica& hub, Recorder& log) {
  g_now += 1000;
  ClientSession client(client_replica);
  ReplicaHubStore store(hub);
  HubSession session(store, client_replica.self());
  std::deque<Message> to_hub, to_client;
  auto send = [](std::deque<Message>& queue, Outbox out) { queue.insert(queue.end(), out.begin(), out.end()); };
  send(to_hub, client.start(g_now));
  while (!to_hub.empty() || !to_client.empty()) {
    if (!to_hub.empty()) {
      log.to_hub.push_back(to_hub.front());
      send(to_client, session.on_message(to_hub.front(), g_now));
      to_hub.pop_front();
    }
    if (!to_client.empty()) {
      log.to_client.push_back(to_client.front());
      send(to_hub, client.on_message(to_client.front(), g_now));
      to_client.pop_front();
    }
  }
  if (!client.synced()) {
    std::cerr << "liaison-fuzz-corpus: sync of " << client_replica.self().str()
              << " failed: " << (client.failure() ? client.failure()->message : "no reason") << "\n";
    std::exit(1);
  }
}

template <class T>
T value_or_exit(Result<T> result, const char* what) {
  if (!result) {
    std::cerr << "liaison-fuzz-corpus: " << what << ": " << result.error().message << "\n";
    std::exit(1);
  }
  return std::move(result).value();
}

void ok_or_exit(const Status& status, const char* what) {
  if (!status) {
    std::cerr << "liaison-fuzz-corpus: " << what << ": " << status.error().message << "\n";
    std::exit(1);
  }
}

// The conversation: Longyou creates cases and child rows (Chinese text, a
// real number), the city desk issues a directive, Longyou then tries to
// approve its own case (refused: the ack carries a rejection and a
// correction) and pulls the directive.
Recorder converse() {
  auto hub = open_replica("city:hub", true, 101);
  auto longyou = open_replica("longyou:office-1", false, 102);
  auto desk = open_replica("city:desk-3", false, 103);
  Recorder log;

  const Uuid trip =
      value_or_exit(longyou->insert(TableId::cases, {{"kind", std::string("outbound_trip")},
                                                     {"county", std::string("longyou")},
                                                     {"title", std::string("龙游县经贸代表团赴德国汉堡考察")},
                                                     {"status", std::string("draft")},
                                                     {"destination", std::string("Hamburg")},
                                                     {"briefing_done", std::int64_t{1}}}),
                    "insert trip");
  (void)value_or_exit(longyou->insert(TableId::cases, {{"kind", std::string("donation")},
                                                       {"county", std::string("longyou")},
                                                       {"title", std::string("旅日侨胞捐赠图书")},
                                                       {"status", std::string("draft")},
                                                       {"donor", std::string("王先生")},
                                                       {"amount", 12500.75}}),
                      "insert donation");
  (void)value_or_exit(longyou->insert(TableId::case_notes, {{"case_id", trip.to_string()},
                                                            {"author", longyou->self().str()},
                                                            {"body", std::string("签证材料已提交，等待领事馆回复。")},
                                                            {"written_at", std::int64_t{1'759'999'000'000}}}),
                      "insert note");
  (void)value_or_exit(longyou->insert(TableId::itinerary_items, {{"case_id", trip.to_string()},
                                                                 {"at", std::string("2026-03-02 09:30")},
                                                                 {"place", std::string("Handelskammer Hamburg")},
                                                                 {"description", std::string("会见商会代表")}}),
                      "insert itinerary item");
  (void)value_or_exit(longyou->insert(TableId::guests, {{"case_id", trip.to_string()},
                                                        {"name", std::string("Jürgen Weiß")},
                                                        {"organisation", std::string("Handelskammer")},
                                                        {"nationality", std::string("DE")},
                                                        {"role", std::string("host")}}),
                      "insert guest");
  sync_pass(*longyou, *hub, log);

  g_now += 1000;
  (void)value_or_exit(
      desk->insert(TableId::directives, {{"kind", std::string("notice")},
                                         {"title", std::string("关于做好外事接待工作的通知")},
                                         {"body", std::string("请各县（市、区）外办于本周五前报送接待计划。")},
                                         {"targets", std::string("longyou,kaihua")},
                                         {"issued_by", std::string("city:desk-3")},
                                         {"issued_at", std::int64_t{1'760'000'000'000}}}),
      "insert directive");
  sync_pass(*desk, *hub, log);

  g_now += 1000;
  ok_or_exit(longyou->update(TableId::cases, trip, {{"status", std::string("approved")}}), "update status");
  sync_pass(*longyou, *hub, log);
  return log;
}

void write_file(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::cerr << "liaison-fuzz-corpus: cannot write " << path << "\n";
    std::exit(1);
  }
}

std::string type_name(const Message& m) { return message_name(type_of(m)); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: liaison-fuzz-corpus CORPUS_DIR   (writes CORPUS_DIR/{frames,messages,merge}/)\n";
    return 2;
  }
  const fs::path dir = argv[1];
  for (const char* target : {"frames", "messages", "merge"}) fs::create_directories(dir / target);
  const Recorder log = converse();

  // messages/ and merge/: every distinct message once, named by type.
  std::vector<Message> all = log.to_hub;
  all.insert(all.end(), log.to_client.begin(), log.to_client.end());
  // Those the conversation does not produce (live mode, errors).
  all.push_back(Notify{42});
  all.push_back(Ping{7});
  all.push_back(Pong{7});
  for (const Message& m : log.to_client)  // a directive sent ahead of the pull
    if (const auto* changes = std::get_if<Changes>(&m); changes && !changes->cells.empty())
      all.push_back(Urgent{changes->cells});
  all.push_back(ErrorMessage{Errc::unexpected_message, "push before hello — send hello first"});
  all.push_back(Revocations{"-----BEGIN X509 CRL-----\nMIIBazBVAgEBMA0GCSqGSIb3DQEBCwUA\n-----END X509 CRL-----\n"});
  all.push_back(Hello{.protocol = kProtocolVersion + 1, .node = "kaihua:field-2"});  // another protocol version
  std::map<std::string, int> per_type;
  std::vector<Bytes> seen;
  int written = 0;
  for (const Message& m : all) {
    Bytes bytes = encode(m);
    if (std::find(seen.begin(), seen.end(), bytes) != seen.end()) continue;
    seen.push_back(bytes);
    char name[64];
    std::snprintf(name, sizeof name, "%s-%d.msgpack", type_name(m).c_str(), ++per_type[type_name(m)]);
    write_file(dir / "messages" / name, bytes);
    ++written;
    if (std::holds_alternative<Push>(m) || std::holds_alternative<Changes>(m) || std::holds_alternative<PushAck>(m)) {
      write_file(dir / "merge" / name, bytes);
      ++written;
    }
    // Large messages also travel as compressed envelopes (protocol 2).
    if (const Bytes wire = encode_for_wire(m, true); wire != bytes) {
      std::snprintf(name, sizeof name, "%s-%d-zstd.bin", type_name(m).c_str(), per_type[type_name(m)]);
      write_file(dir / "messages" / name, wire);
      write_file(dir / "merge" / name, wire);
      written += 2;
    }
  }

  // frames/: a control byte (limit and chunking; see frames_target.cpp),
  // then framed streams as each side sends them.
  auto stream = [](std::uint8_t control, const std::vector<Message>& messages) {
    Bytes out{control};
    for (const Message& m : messages) append_frame(out, encode(m));
    return out;
  };
  write_file(dir / "frames" / "client-to-hub.bin", stream(0x80, log.to_hub));
  write_file(dir / "frames" / "hub-to-client.bin", stream(0x81, log.to_client));
  Bytes compressed{0x84};
  for (const Message& m : log.to_client) append_frame(compressed, encode_for_wire(m, true));
  write_file(dir / "frames" / "hub-to-client-compressed.bin", compressed);
  ++written;
  // Small limit (16 + 63 * 8 bytes): the first big frame is refused.
  write_file(dir / "frames" / "small-limit.bin", stream(0x3f, log.to_hub));
  Bytes oversize = stream(0x82, {Ping{1}});
  for (std::uint8_t b : {0xff, 0xff, 0xff, 0xf0, 0x93, 0x08}) oversize.push_back(b);
  write_file(dir / "frames" / "oversize-header.bin", oversize);
  Bytes cut = stream(0x83, {Hello{.node = "longyou:office-1"}, Ping{2}});
  cut.resize(cut.size() - 3);
  write_file(dir / "frames" / "truncated.bin", cut);
  written += 5;
  std::cout << "wrote " << written << " seed files under " << dir.string() << "\n";
  return 0;
}
