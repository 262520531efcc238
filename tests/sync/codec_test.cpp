// Tests for the message codec: every message round-trips, and every kind of
// bad input (short, garbage, deep, wrong types, out-of-range ids) becomes the
// right typed error instead of a crash or a wrong message.
#include "sync/codec.hpp"

#include <doctest/doctest.h>
#include <msgpack.hpp>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace liaison::sync {
namespace {

using Bytes = std::vector<std::uint8_t>;

const char* const kNodes[] = {"longyou:office-1", "city:hub", "kaihua:field-2", "jiangshan:laptop-7", "qujiang:a"};

Uuid uuid_of(std::uint8_t seed) {
  Uuid id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return id;
}

Cell cell(TableId table, std::uint16_t column, Value value, Stamp stamp, Stamp base = {}, std::uint8_t row = 1) {
  return Cell{table, uuid_of(row), column, std::move(value), std::move(stamp), std::move(base)};
}

Cell staffed(Cell c, std::string staff) {
  c.staff = std::move(staff);
  return c;
}

std::vector<Cell> sample_cells() {
  return {
      cell(TableId::cases, 3, std::string("龙游县外事办：赴德国考察申请"), {1'700'000'000'000'001, kNodes[0]}),
      cell(TableId::cases, 7, std::int64_t{-42}, {1'700'000'000'000'002, kNodes[0]},
           {1'700'000'000'000'001, kNodes[1]}),
      cell(TableId::cases, 0, std::int64_t{1}, {2, kNodes[1]}, {}, 2),
      cell(TableId::case_notes, 3, std::string("备注：护照已收回 ✓"), {5, kNodes[2]}, {4, kNodes[2]}, 3),
      cell(TableId::guests, 2, std::monostate{}, {6, kNodes[3]}, {}, 4),
      cell(TableId::directives, 1, std::string(), {7, kNodes[1]}, {}, 5),
      cell(TableId::directive_receipts, 3, std::numeric_limits<std::int64_t>::max(), {8, kNodes[4]}, {}, 6),
      cell(TableId::itinerary_items, 1, std::numeric_limits<std::int64_t>::min(), {9, kNodes[0]}, {}, 7),
      cell(TableId::cases, 5, 12345.678, {std::numeric_limits<std::uint64_t>::max(), kNodes[3]}, {10, kNodes[4]}, 8),
      staffed(cell(TableId::cases, 3, std::string("由经办人修改"), {11, kNodes[0]}, {1, kNodes[0]}, 9), "longyou/王伟"),
      staffed(cell(TableId::staff, 5, std::int64_t{1}, {12, kNodes[1]}, {}, 10), "city/周敏"),
  };
}

std::vector<Message> sample_messages() {
  std::vector<Cell> many;
  for (int i = 0; i < 500; ++i)
    many.push_back(cell(TableId::cases, static_cast<std::uint16_t>(i % 10),
                        i % 3 == 0 ? Value(std::int64_t{i}) : Value(std::string(static_cast<std::size_t>(i % 7), 'x')),
                        {static_cast<std::uint64_t>(1000 + i), kNodes[i % 5]},
                        i % 2 ? Stamp{static_cast<std::uint64_t>(i), kNodes[(i + 1) % 5]} : Stamp{},
                        static_cast<std::uint8_t>(i)));
  Rejection rejection{TableId::cases,  uuid_of(9),           4,
                      {77, kNodes[2]}, Errc::bad_transition, "状态不能从 approved 改为 draft — 请联系市外办"};
  Rejection unstamped{TableId::guests, uuid_of(10), 1, {}, Errc::unknown_parent, ""};
  return {
      Hello{kProtocolVersion, kNodes[0], kSchemaVersion, {3, 9}, uuid_of(1), 1'760'000'000'000, uuid_of(2)},
      Hello{kProtocolVersion, "city:hub", kSchemaVersion, {}, Uuid{}, 0, Uuid{}},
      Welcome{1'760'000'000'123, uuid_of(2), 987654321, 16u << 20, 5000, 300'000},
      Push{17, sample_cells()},
      Push{0, {}},
      Push{18, many},
      PushAck{17, 7, {rejection, unstamped}, sample_cells()},
      PushAck{18, 0, {}, {}},
      Pull{4, {12, 40}, 2000},
      Changes{4, sample_cells(), {12, 49}, true},
      Changes{1, {}, {0, 0}, false},
      Notify{std::numeric_limits<std::uint64_t>::max()},
      Ping{0xDEADBEEF},
      Pong{0},
      ErrorMessage{Errc::protocol_version, "hub speaks protocol 1; 升级客户端"},
      Urgent{sample_cells()},
      Revocations{"-----BEGIN X509 CRL-----\nMIIB...\n-----END X509 CRL-----\n"},
  };
}

Bytes as_bytes(const msgpack::sbuffer& buffer) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(buffer.data()),
               reinterpret_cast<const std::uint8_t*>(buffer.data()) + buffer.size());
}

// Encodes `message`, lets `edit` change the msgpack tree, and packs it again:
// a precise way to build one specific kind of bad input.
Bytes edited(const Message& message, const std::function<void(msgpack::object&, msgpack::zone&)>& edit) {
  const Bytes bytes = encode(message);
  msgpack::object_handle handle = msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  msgpack::object root = handle.get();
  edit(root, *handle.zone());
  msgpack::sbuffer out;
  msgpack::pack(out, root);
  return as_bytes(out);
}

msgpack::object& at(msgpack::object& array, std::size_t i) {
  REQUIRE(array.type == msgpack::type::ARRAY);
  REQUIRE(i < array.via.array.size);
  return array.via.array.ptr[i];
}

// A push of one cell, to edit: root [3, batch, nodes, cells].
Message one_cell_push() {
  return Push{1, {cell(TableId::cases, 4, std::string("x"), {10, kNodes[0]}, {9, kNodes[1]})}};
}
msgpack::object& cell0(msgpack::object& root) { return at(at(root, 3), 0); }

void check_error(const Result<Message>& result, Errc code, const char* mentions = "") {
  REQUIRE_FALSE(result.ok());
  CAPTURE(result.error().message);
  CHECK(result.error().code == code);
  CHECK(result.error().message.find(mentions) != std::string::npos);
}

void check_error(const Bytes& bytes, Errc code, const char* mentions = "") {
  check_error(decode(bytes), code, mentions);
}

// ------------------------------------------------------------------ random

std::string random_text(std::mt19937_64& rng) {
  static const char* const pieces[] = {"a", "Z", "0", " ", "外", "事", "办", "✓", "—", "\n", "\"", "€", "🙂"};
  std::string text;
  const auto n = rng() % 12;
  for (std::uint64_t i = 0; i < n; ++i) text += pieces[rng() % std::size(pieces)];
  return text;
}

Value random_value(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return std::monostate{};
    case 1: return static_cast<std::int64_t>(rng());
    case 2: return static_cast<std::int64_t>(rng() % 300) - 150;
    case 3: return std::ldexp(static_cast<double>(rng() % 1'000'000) - 500'000, static_cast<int>(rng() % 40) - 20);
    default: return random_text(rng);
  }
}

std::uint64_t random_uint(std::mt19937_64& rng) {
  return rng() >> (rng() % 64);  // all magnitudes, so every msgpack int width appears
}

Stamp random_stamp(std::mt19937_64& rng, bool may_be_empty) {
  if (may_be_empty && rng() % 3 == 0) return {};
  return {random_uint(rng), kNodes[rng() % std::size(kNodes)]};
}

Uuid random_uuid(std::mt19937_64& rng) {
  Uuid id;
  for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
  return id;
}

std::vector<Cell> random_cells(std::mt19937_64& rng) {
  std::vector<Cell> cells(rng() % 20);
  for (Cell& c : cells) {
    c.table = static_cast<TableId>(rng() % kTableCount);
    c.row = random_uuid(rng);
    c.column = static_cast<std::uint16_t>(rng() % Schema::get().table(c.table).columns.size());
    c.value = random_value(rng);
    c.stamp = random_stamp(rng, false);
    c.base = random_stamp(rng, true);
  }
  return cells;
}

Message random_message(std::mt19937_64& rng) {
  switch (rng() % 12) {
    case 0:
      return Hello{kProtocolVersion,
                   kNodes[rng() % std::size(kNodes)],
                   static_cast<std::uint32_t>(rng()),
                   {random_uint(rng), random_uint(rng)},
                   random_uuid(rng),
                   random_uint(rng),
                   random_uuid(rng)};
    case 1:
      return Welcome{random_uint(rng),
                     random_uuid(rng),
                     random_uint(rng),
                     static_cast<std::uint32_t>(rng()),
                     static_cast<std::uint32_t>(random_uint(rng)),
                     random_uint(rng)};
    case 2: return Push{random_uint(rng), random_cells(rng)};
    case 3: {
      PushAck ack{random_uint(rng), static_cast<std::uint32_t>(rng()), {}, random_cells(rng)};
      ack.rejections.resize(rng() % 4);
      for (Rejection& r : ack.rejections) {
        r.table = static_cast<TableId>(rng() % kTableCount);
        r.row = random_uuid(rng);
        r.column = static_cast<std::uint16_t>(rng() % Schema::get().table(r.table).columns.size());
        r.stamp = random_stamp(rng, true);
        r.code = static_cast<Errc>(40 + rng() % 10);
        r.reason = random_text(rng);
      }
      return ack;
    }
    case 4: return Pull{random_uint(rng), {random_uint(rng), random_uint(rng)}, static_cast<std::uint32_t>(rng())};
    case 5: return Changes{random_uint(rng), random_cells(rng), {random_uint(rng), random_uint(rng)}, rng() % 2 == 0};
    case 6: return Notify{random_uint(rng)};
    case 7: return Ping{random_uint(rng)};
    case 8: return Pong{random_uint(rng)};
    case 9: return Urgent{random_cells(rng)};
    case 10: return Revocations{random_text(rng)};
    default: return ErrorMessage{rng() % 2 ? Errc::malformed : Errc::cursor_ahead, random_text(rng)};
  }
}

constexpr std::uint64_t kSeeds[] = {1, 2, 3, 42, 1234567, 20260101, 0x5eed5eed5eedULL, 987654321987654321ULL};

bool is_decode_error(Errc code) {
  return code == Errc::truncated || code == Errc::malformed || code == Errc::wrong_type;
}

}  // namespace

// ------------------------------------------------------------ round trips

TEST_CASE("every message type round-trips with non-trivial content") {
  std::vector<bool> seen(12, false);
  for (const Message& message : sample_messages()) {
    INFO("type " << std::string(message_name(type_of(message))));
    seen[static_cast<std::size_t>(type_of(message))] = true;
    const Bytes bytes = encode(message);
    auto decoded = decode(bytes);
    REQUIRE_MESSAGE(decoded.ok(), decoded.error().message);
    CHECK(decoded.value() == message);
    CHECK(encode(decoded.value()) == bytes);
  }
  CHECK(std::count(seen.begin() + 1, seen.end(), true) == 11);
}

TEST_CASE("type tags and names") {
  CHECK(type_of(Message(Hello{})) == MessageType::hello);
  CHECK(type_of(Message(PushAck{})) == MessageType::push_ack);
  CHECK(type_of(Message(ErrorMessage{})) == MessageType::error);
  CHECK(std::string(message_name(MessageType::push_ack)) == "push_ack");
  CHECK(std::string(message_name(static_cast<MessageType>(99))) == "unknown");
  const Bytes ping = encode(Ping{5});
  CHECK(ping == Bytes{0x92, 0x08, 0x05});  // [8, 5]: the layout is the contract
}

TEST_CASE("reals stay reals, even when integral or negative zero") {
  for (double d : {3.0, -0.0, 0.0, -7.0, 1e300, 0.1}) {
    CAPTURE(d);
    const Push push{1, {cell(TableId::cases, 1, d, {1, kNodes[0]})}};
    auto decoded = decode(encode(push));
    REQUIRE(decoded.ok());
    const Value& value = std::get<Push>(decoded.value()).cells[0].value;
    REQUIRE(std::holds_alternative<double>(value));
    CHECK(std::get<double>(value) == d);
    CHECK(std::signbit(std::get<double>(value)) == std::signbit(d));
  }
}

TEST_CASE("a batch names each node once, however many cells it stamps") {
  std::vector<Cell> cells;
  for (int i = 0; i < 1000; ++i)
    cells.push_back(cell(TableId::cases, 1, std::int64_t{i}, {static_cast<std::uint64_t>(i + 1), kNodes[0]},
                         {static_cast<std::uint64_t>(i), kNodes[1]}));
  const Bytes bytes = encode(Push{1, cells});
  auto occurrences = [&](std::string_view needle) {
    std::size_t n = 0;
    for (auto it = bytes.begin(); (it = std::search(it, bytes.end(), needle.begin(), needle.end())) != bytes.end();
         ++it)
      ++n;
    return n;
  };
  CHECK(occurrences(kNodes[0]) == 1);
  CHECK(occurrences(kNodes[1]) == 1);
  CHECK(bytes.size() < 1000 * 50);
}

TEST_CASE("random messages round-trip (property)") {
  for (std::uint64_t seed : kSeeds) {
    INFO("seed " << seed << " (replay by putting it first in kSeeds)");
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 300; ++i) {
      const Message message = random_message(rng);
      CAPTURE(i);
      INFO("type " << std::string(message_name(type_of(message))));
      auto decoded = decode(encode(message));
      REQUIRE_MESSAGE(decoded.ok(), decoded.error().message);
      REQUIRE(decoded.value() == message);
    }
  }
}

TEST_CASE("a hello from another protocol version decodes far enough to refuse it politely") {
  // Future versions may reshape hello after its version field.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(3);
  pk.pack_uint8(1);
  pk.pack_uint8(kProtocolVersion + 1);
  pk.pack(std::string("whatever comes next"));
  auto decoded = decode(as_bytes(buffer));
  REQUIRE(decoded.ok());
  REQUIRE(std::holds_alternative<Hello>(decoded.value()));
  CHECK(std::get<Hello>(decoded.value()).protocol == kProtocolVersion + 1);
}

// ------------------------------------------------------------ bad input

TEST_CASE("every prefix of a valid message is truncated, never ok") {
  for (const Message& message : sample_messages()) {
    INFO("type " << std::string(message_name(type_of(message))));
    const Bytes bytes = encode(message);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      CAPTURE(n);
      auto decoded = decode(std::span(bytes.data(), n));
      REQUIRE_FALSE(decoded.ok());
      REQUIRE(decoded.error().code == Errc::truncated);
    }
  }
}

TEST_CASE("random garbage and mutated messages never crash and never decode to something else") {
  for (std::uint64_t seed : kSeeds) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 2000; ++i) {
      CAPTURE(i);
      Bytes bytes;
      if (i % 2 == 0) {
        bytes.resize(rng() % 64);
        for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      } else {
        bytes = encode(random_message(rng));
        const auto flips = 1 + rng() % 4;
        for (std::uint64_t f = 0; f < flips && !bytes.empty(); ++f)
          bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
      }
      auto decoded = decode(bytes);
      if (decoded.ok()) {
        // Whatever survives validation must be a message we would send.
        auto again = decode(encode(decoded.value()));
        REQUIRE(again.ok());
        CHECK(again.value() == decoded.value());
      } else {
        CAPTURE(decoded.error().message);
        CHECK(is_decode_error(decoded.error().code));
        CHECK_FALSE(decoded.error().message.empty());
      }
    }
  }
}

TEST_CASE("deep nesting is refused without recursion") {
  Bytes deep(100'000, 0x91);  // 100k nested one-element arrays
  deep.push_back(0x01);
  check_error(deep, Errc::malformed, "deeper");

  Bytes headers_only(100'000, 0xdc);  // array16 headers, each announcing 0xdcdc elements
  check_error(headers_only, Errc::malformed);

  // Nesting inside an otherwise valid push.
  const Bytes nested = edited(Push{1, {}}, [](msgpack::object& root, msgpack::zone& zone) {
    msgpack::object inner(std::int64_t{1});
    for (int i = 0; i < 20; ++i) {
      auto* element = static_cast<msgpack::object*>(zone.allocate_align(sizeof(msgpack::object)));
      *element = inner;
      inner.type = msgpack::type::ARRAY;
      inner.via.array.size = 1;
      inner.via.array.ptr = element;
    }
    at(root, 3) = inner;
  });
  check_error(nested, Errc::malformed);
}

TEST_CASE("empty input is truncated; trailing bytes are malformed") {
  check_error(Bytes{}, Errc::truncated);
  Bytes bytes = encode(Ping{7});
  bytes.push_back(0xc0);
  check_error(bytes, Errc::malformed, "trailing");
}

TEST_CASE("not a message of ours is malformed") {
  check_error(Bytes{0x07}, Errc::malformed, "not a message");    // a bare integer
  check_error(Bytes{0x90}, Errc::malformed, "empty array");      // []
  check_error(Bytes{0xc1}, Errc::malformed, "without a codec");  // reserved byte: a compressed envelope
  check_error(Bytes{0x92, 0x00, 0x01}, Errc::malformed, "unknown message type 0");
  check_error(Bytes{0x92, 0x0d, 0x01}, Errc::malformed, "unknown message type 13");
  check_error(Bytes{0x92, 0xcc, 0xff, 0x01}, Errc::malformed, "unknown message type 255");
  check_error(Bytes{0x92, 0xa1, 'x', 0x01}, Errc::malformed, "message type is a string");
  check_error(Bytes{0x93, 0x08, 0x01, 0x02}, Errc::malformed, "ping has 2 fields, expected 1");
  check_error(Bytes{0x91, 0x08}, Errc::malformed, "expected 1");
}

TEST_CASE("a field of the wrong msgpack type is wrong_type") {
  check_error(Bytes{0x92, 0x08, 0xa1, '5'}, Errc::wrong_type, "nonce is a string");
  check_error(Bytes{0x92, 0x08, 0xff}, Errc::wrong_type, "nonce is a negative integer");
  check_error(Bytes{0x92, 0x08, 0x80}, Errc::wrong_type, "nonce is a map or ext");
  check_error(Bytes{0x94, 0x05, 0x01, 0x05, 0x01}, Errc::wrong_type, "cursor is an unsigned integer");
}

TEST_CASE("cell fields of the wrong type are wrong_type, naming the cell") {
  SUBCASE("column as a string") {
    check_error(edited(one_cell_push(),
                       [](msgpack::object& root, msgpack::zone& zone) {
                         at(cell0(root), 2) = msgpack::object(std::string("title"), zone);
                       }),
                Errc::wrong_type, "push cell 0: column is a string");
  }
  SUBCASE("cells as a map") {
    Bytes bytes = encode(Push{1, {}});
    bytes.back() = 0x80;  // empty cells array -> empty map
    check_error(bytes, Errc::wrong_type, "cells is a map");
  }
  SUBCASE("value as a bool") {
    check_error(edited(one_cell_push(),
                       [](msgpack::object& root, msgpack::zone&) { at(cell0(root), 3) = msgpack::object(true); }),
                Errc::wrong_type, "value is a bool");
  }
  SUBCASE("row as a string") {
    check_error(edited(one_cell_push(),
                       [](msgpack::object& root, msgpack::zone& zone) {
                         at(cell0(root), 1) = msgpack::object(std::string(16, 'r'), zone);
                       }),
                Errc::wrong_type, "row is a string");
  }
  SUBCASE("more as an integer") {
    check_error(edited(Changes{}, [](msgpack::object& root, msgpack::zone&) { at(root, 5) = msgpack::object(1); }),
                Errc::wrong_type, "more is an unsigned integer");
  }
}

TEST_CASE("out-of-range ids and malformed cells are malformed, naming what was wrong") {
  auto bad_cell = [](std::size_t field, msgpack::object value) {
    return edited(one_cell_push(), [&](msgpack::object& root, msgpack::zone&) { at(cell0(root), field) = value; });
  };
  check_error(bad_cell(0, msgpack::object(kTableCount)), Errc::malformed,
              ("push cell 0: table " + std::to_string(kTableCount) + " is out of range").c_str());
  check_error(bad_cell(2, msgpack::object(99)), Errc::malformed, "push cell 0: column 99 out of range for table cases");
  check_error(bad_cell(5, msgpack::object(3)), Errc::malformed, "stamp node_ref 3 is out of range");
  check_error(bad_cell(5, msgpack::object(0)), Errc::malformed, "stamp has a clock but no node");
  check_error(bad_cell(7, msgpack::object(0)), Errc::malformed, "base has a clock but no node");
  check_error(bad_cell(3, msgpack::object(std::uint64_t{1} << 63)), Errc::malformed, "out of int64 range");

  // A base may be empty (fresh cell), but only entirely.
  auto fresh = edited(one_cell_push(), [](msgpack::object& root, msgpack::zone&) {
    at(cell0(root), 6) = msgpack::object(0);
    at(cell0(root), 7) = msgpack::object(0);
  });
  auto decoded = decode(fresh);
  REQUIRE(decoded.ok());
  CHECK(std::get<Push>(decoded.value()).cells[0].base.empty());

  // A column valid for cases is out of range for a short table.
  Message notes = Push{1, {cell(TableId::case_notes, 1, std::monostate{}, {1, kNodes[0]})}};
  check_error(edited(notes, [](msgpack::object& root, msgpack::zone&) { at(cell0(root), 2) = msgpack::object(6); }),
              Errc::malformed, "column 6 out of range for table case_notes");

  // Wrong cell arity.
  check_error(edited(one_cell_push(), [](msgpack::object& root, msgpack::zone&) { cell0(root).via.array.size = 7; }),
              Errc::malformed, "push cell 0: cell has 7 elements, expected 8");
}

TEST_CASE("a row that is not 16 bytes is malformed") {
  for (std::size_t size : {15u, 0u, 17u}) {
    CAPTURE(size);
    check_error(edited(one_cell_push(),
                       [&](msgpack::object& root, msgpack::zone& zone) {
                         at(cell0(root), 1) = msgpack::object(std::vector<char>(size, 'r'), zone);
                       }),
                Errc::malformed, "row is");
  }
  check_error(
      edited(Welcome{}, [](msgpack::object& root,
                           msgpack::zone& zone) { at(root, 2) = msgpack::object(std::vector<char>(15, 'h'), zone); }),
      Errc::malformed, "hub_id is 15 bytes, expected 16");
}

TEST_CASE("bad node ids are malformed wherever they appear") {
  for (const char* bad : {"", "nowhere:office-1", "longyou", "longyou:Office 1", "city:"}) {
    CAPTURE(bad);
    check_error(edited(one_cell_push(),
                       [&](msgpack::object& root, msgpack::zone& zone) {
                         at(at(root, 2), 0) = msgpack::object(std::string(bad), zone);
                       }),
                Errc::malformed, "push node 0");
    check_error(edited(Hello{kProtocolVersion, kNodes[0], kSchemaVersion, {}, {}, 0, {}},
                       [&](msgpack::object& root, msgpack::zone& zone) {
                         at(root, 2) = msgpack::object(std::string(bad), zone);
                       }),
                Errc::malformed, "hello");
  }
  PushAck ack{1, 0, {Rejection{TableId::cases, uuid_of(1), 1, {5, kNodes[1]}, Errc::out_of_scope, "r"}}, {}};
  check_error(edited(ack,
                     [](msgpack::object& root, msgpack::zone& zone) {
                       at(at(at(root, 3), 0), 4) = msgpack::object(std::string("mars:rover"), zone);
                     }),
              Errc::malformed, "push_ack rejection 0: stamp node");
}

TEST_CASE("error codes must be defined errors") {
  for (std::uint64_t code : {0ull, 7ull, 19ull, 30ull, 39ull, 52ull, 1ull << 40}) {
    CAPTURE(code);
    check_error(edited(ErrorMessage{Errc::malformed, "m"},
                       [&](msgpack::object& root, msgpack::zone&) { at(root, 1) = msgpack::object(code); }),
                Errc::malformed, "code");
  }
}

TEST_CASE("integers too wide for their field are malformed") {
  check_error(edited(Pull{}, [](msgpack::object& root, msgpack::zone&) { at(root, 3) = msgpack::object(1ull << 32); }),
              Errc::malformed, "max_cells 4294967296 is out of range");
}

TEST_CASE("batches and strings above the limits are refused") {
  DecodeLimits limits;
  limits.max_cells = 10;
  std::vector<Cell> cells(10, cell(TableId::cases, 1, std::int64_t{1}, {1, kNodes[0]}));
  CHECK(decode(encode(Push{1, cells}), limits).ok());
  cells.push_back(cells.back());
  check_error(decode(encode(Push{1, cells}), limits), Errc::malformed, "11 cells exceed the limit of 10");
  check_error(decode(encode(Changes{1, cells, {}, false}), limits), Errc::malformed, "changes: 11 cells");
  check_error(decode(encode(PushAck{1, 0, std::vector<Rejection>(11), {}}), limits), Errc::malformed, "11 rejections");

  // An array header announcing far more than the limit is refused before reading further.
  check_error(decode(Bytes{0x94, 0x03, 0x01, 0x90, 0xdd, 0xff, 0xff, 0xff, 0xff}, limits), Errc::malformed, "array");

  limits.max_string_bytes = 8;
  CHECK(decode(encode(ErrorMessage{Errc::timeout, "12345678"}), limits).ok());
  check_error(decode(encode(ErrorMessage{Errc::timeout, "123456789"}), limits), Errc::malformed, "limit of 8 bytes");
}

// ------------------------------------------------------------ compression

namespace {
// A page of cells as a county would send it: text that zstd can shrink.
Changes compressible_page() {
  std::vector<Cell> cells;
  for (std::uint8_t row = 0; row < 60; ++row)
    cells.push_back(cell(TableId::cases, 5,
                         std::string("衢州外事 case summary, visit of the delegation ") + std::to_string(row),
                         {1'760'000'000'000ull << 16 | row, kNodes[0]}, {}, row));
  return Changes{2, cells, {3, 60}, true};
}
}  // namespace

TEST_CASE("a large message travels compressed when asked and decodes the same") {
  const Changes page = compressible_page();
  const Bytes plain = encode(page);
  const Bytes wire = encode_for_wire(page, true);
  CHECK(wire.size() * 2 < plain.size());
  CHECK(wire[0] == 0xC1);
  auto decoded = decode(wire);
  REQUIRE_MESSAGE(decoded.ok(), decoded.error().message);
  CHECK(decoded.value() == Message(page));
  // Not asked, or too small to gain: the plain encoding.
  CHECK(encode_for_wire(page, false) == plain);
  CHECK(encode_for_wire(Ping{7}, true) == encode(Ping{7}));
}

TEST_CASE("a compressed message that would inflate past the limit is refused before inflating") {
  const Bytes wire = encode_for_wire(compressible_page(), true);
  DecodeLimits limits;
  limits.max_message_bytes = 1000;
  check_error(decode(wire, limits), Errc::frame_too_large, "would inflate to");
  // A zstd frame of 100 MB of zeros is tiny on the wire; its header says how big it is.
  Bytes bomb{0xC1, 0x01};
  const std::vector<char> zeros(100u << 20, 0);
  std::vector<char> packed(ZSTD_compressBound(zeros.size()));
  packed.resize(ZSTD_compress(packed.data(), packed.size(), zeros.data(), zeros.size(), 1));
  bomb.insert(bomb.end(), packed.begin(), packed.end());
  CHECK(bomb.size() < 10'000);
  check_error(decode(bomb), Errc::frame_too_large, "over the limit");
}

TEST_CASE("damaged or unknown compressed envelopes are malformed") {
  Bytes wire = encode_for_wire(compressible_page(), true);
  check_error(Bytes{0xC1}, Errc::malformed, "without a codec");
  check_error(Bytes{0xC1, 0x07, 0x00}, Errc::malformed, "unknown codec 7");
  check_error(Bytes{0xC1, 0x01, 0x00, 0x01, 0x02}, Errc::malformed, "zstd frame header");
  Bytes damaged = wire;
  damaged[damaged.size() / 2] ^= 0x5a;
  damaged[damaged.size() / 2 + 1] ^= 0xa5;
  check_error(damaged, Errc::malformed, "damaged");
  Bytes cut(wire.begin(), wire.end() - 8);
  check_error(cut, Errc::malformed, "damaged");
  // An envelope inside an envelope is not a message.
  Bytes nested{0xC1, 0x01};
  std::vector<char> packed(ZSTD_compressBound(wire.size()));
  packed.resize(ZSTD_compress(packed.data(), packed.size(), wire.data(), wire.size(), 1));
  nested.insert(nested.end(), packed.begin(), packed.end());
  check_error(nested, Errc::malformed, "");
}

TEST_CASE("text that is not UTF-8 is malformed, in a value and in any other string") {
  check_error(edited(one_cell_push(),
                     [](msgpack::object& root, msgpack::zone& zone) {
                       at(cell0(root), 3) = msgpack::object(std::string("\xff\xfe title"), zone);
                     }),
              Errc::malformed, "value is not valid UTF-8");
  check_error(edited(ErrorMessage{Errc::timeout, "x"},
                     [](msgpack::object& root, msgpack::zone& zone) {
                       at(root, 2) = msgpack::object(std::string("bad \xc0\xaf"), zone);  // an overlong '/'
                     }),
              Errc::malformed, "message is not valid UTF-8");
  // Chinese text, four-byte characters included, is fine.
  const Message fine = ErrorMessage{Errc::timeout, "龙游县外办 𠀀"};
  CHECK(decode(encode(fine)).value() == fine);
}

}  // namespace liaison::sync

namespace liaison::sync {

TEST_CASE("a cell names the person who wrote it: listed once in the batch's name table, never as a stamp") {
  const std::vector<Cell> cells = {
      staffed(cell(TableId::cases, 3, std::string("a"), {10, kNodes[0]}, {}, 1), "longyou/王伟"),
      staffed(cell(TableId::cases, 4, std::string("b"), {11, kNodes[0]}, {}, 1), "longyou/王伟"),
      staffed(cell(TableId::cases, 5, std::string("c"), {12, kNodes[0]}, {}, 1), "longyou/李娜"),
      cell(TableId::cases, 6, std::string("d"), {13, kNodes[0]}, {}, 1)};
  const Message push = Push{7, cells};
  const Bytes bytes = encode(push);
  auto decoded = decode(bytes);
  REQUIRE(decoded.ok());
  CHECK(std::get<Push>(decoded.value()) == std::get<Push>(push));
  msgpack::object_handle handle = msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  msgpack::object root = handle.get();
  CHECK(at(root, 2).via.array.size == 3);                   // the node, and each person once
  CHECK(at(root, 3).via.array.ptr[3].via.array.size == 8);  // a cell naming nobody keeps protocol 5's shape

  const Message one = Push{1, {cells[0]}};  // nodes: [longyou:office-1, longyou/王伟]
  check_error(edited(one, [](msgpack::object& root, msgpack::zone&) { at(cell0(root), 8) = msgpack::object(1); }),
              Errc::malformed, "staff_ref names no staff member");
  check_error(edited(one, [](msgpack::object& root, msgpack::zone&) { at(cell0(root), 5) = msgpack::object(2); }),
              Errc::malformed, "stamp names a staff member, not a node");
  check_error(edited(one, [](msgpack::object& root, msgpack::zone&) { at(cell0(root), 8) = msgpack::object(3); }),
              Errc::malformed, "staff_ref 3 is out of range");
  for (const char* bad : {"mars/王伟", "longyou/", "longyou/a/b", "longyou/ 王伟"}) {
    CAPTURE(bad);
    check_error(edited(one, [&](msgpack::object& root,
                                msgpack::zone& zone) { at(at(root, 2), 1) = msgpack::object(std::string(bad), zone); }),
                Errc::malformed, "staff ref");
  }
}

}  // namespace liaison::sync
