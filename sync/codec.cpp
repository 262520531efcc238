// msgpack encoding of protocol messages, and the validating decoder that turns
// any byte string into either a Message or a typed Error, without throwing.
//
// Wire layout, protocol 6. Every message is one msgpack array, type first:
//   hello     [1, protocol, node:str, schema, cursor, hub_id, client_time_ms, client_id, compression]
//   welcome   [2, hub_time_ms, hub_id, hub_seq, max_frame_bytes, max_batch_cells, max_clock_ahead_ms, compression,
//              hub_schema]   (hub_schema since protocol 5; a welcome to a protocol 4 client leaves it out)
//   push      [3, batch, nodes, cells]
//   push_ack  [4, batch, applied, [rejection...], nodes, corrections]
//   pull      [5, request, cursor, max_cells]
//   changes   [6, request, nodes, cells, next:cursor, more:bool]
//   notify    [7, hub_seq]     ping [8, nonce]     pong [9, nonce]
//   error     [10, code, message:str]
//   urgent    [11, nodes, cells]
//   revocations [12, crl_pem:str]
// Numbers are msgpack unsigned integers (smallest encoding); uuids are 16-byte
// bin; a cursor is [low, pos]; an error code is the Errc value.
//
// Cells travel in batches with a node table, because a batch's stamps name a
// handful of nodes many times over:
//   nodes  [node:str...]  valid node ids (NodeId::parse), and since protocol 6
//          staff refs ("longyou/王伟", parse_staff_ref); the encoder lists each once
//   cells  [[table, row:bin16, column, value, hlc, node_ref, base_hlc, base_node_ref(, staff_ref)]...]
// node_ref 0 is the empty node; node_ref i >= 1 is nodes[i - 1]. A cell's own
// stamp always names a node; its base is empty (0, 0) for a fresh cell.
// staff_ref (protocol 6), present only when a person signed in on the
// writing device made the change, names a staff ref of the table; stamps
// never do.
// value is nil, an integer (int64; non-negative ones arrive as msgpack uint),
// a float (float64 on send; float32 accepted) or a str.
//   rejection [table, row:bin16, column, stamp_hlc, stamp_node:str, code, reason:str]
// A stamp with a non-zero hlc must name a node, wherever it appears. Decoding also
// checks table and column against the schema, that every count is within
// DecodeLimits, that codes are defined Errc values other than ok, and that no
// bytes follow the message.
//
// A hello from another protocol version decodes only as far as its version
// (other fields default), so the hub can answer protocol_version instead of
// malformed; hello's [1, protocol, ...] prefix and the error layout must never
// change.
#include "sync/codec.hpp"

#include <msgpack.hpp>
#include <zstd.h>

#include <concepts>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "shared/node_id.hpp"
#include "shared/staff.hpp"
#include "shared/text.hpp"

namespace liaison::sync {
namespace {

// ---------------------------------------------------------------- encoding

// Packs straight into the result instead of copying out of an sbuffer.
struct VectorStream {
  std::vector<std::uint8_t>* out;
  void write(const char* data, std::size_t size) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
  }
};
using Packer = msgpack::packer<VectorStream>;

// A cell batch is two fields on the wire: its node table, then its cells.
struct Batch {
  const std::vector<Cell>& cells;
};
template <class T>
constexpr std::uint32_t kWidth = 1;
template <>
constexpr std::uint32_t kWidth<Batch> = 2;

class Encoder {
 public:
  explicit Encoder(Packer& pk) : pk_(pk) {}

  // Packs an array of `items`; message fields and tuples alike.
  template <class... T>
  void array(const T&... items) {
    pk_.pack_array((kWidth<T> + ... + 0));
    (put(items), ...);
  }

  void operator()(const Hello& m) {
    array(MessageType::hello, m.protocol, m.node, m.schema, m.pull_cursor, m.hub_id, m.client_time_ms, m.client_id,
          m.compression);
  }
  void operator()(const Welcome& m) {
    if (m.hub_schema == 0)
      array(MessageType::welcome, m.hub_time_ms, m.hub_id, m.hub_seq, m.max_frame_bytes, m.max_batch_cells,
            m.max_clock_ahead_ms, m.compression);
    else
      array(MessageType::welcome, m.hub_time_ms, m.hub_id, m.hub_seq, m.max_frame_bytes, m.max_batch_cells,
            m.max_clock_ahead_ms, m.compression, m.hub_schema);
  }
  void operator()(const Push& m) { array(MessageType::push, m.batch, Batch{m.cells}); }
  void operator()(const PushAck& m) {
    array(MessageType::push_ack, m.batch, m.applied, m.rejections, Batch{m.corrections});
  }
  void operator()(const Pull& m) { array(MessageType::pull, m.request, m.cursor, m.max_cells); }
  void operator()(const Changes& m) { array(MessageType::changes, m.request, Batch{m.cells}, m.next, m.more); }
  void operator()(const Notify& m) { array(MessageType::notify, m.hub_seq); }
  void operator()(const Ping& m) { array(MessageType::ping, m.nonce); }
  void operator()(const Pong& m) { array(MessageType::pong, m.nonce); }
  void operator()(const Urgent& m) { array(MessageType::urgent, Batch{m.cells}); }
  void operator()(const ErrorMessage& m) { array(MessageType::error, m.code, m.message); }
  void operator()(const Revocations& m) { array(MessageType::revocations, m.crl_pem); }

 private:
  template <std::unsigned_integral T>
  void put(T v) {
    pk_.pack_uint64(v);
  }
  template <class E>
  requires std::is_enum_v<E>
  void put(E e) { pk_.pack_uint64(static_cast<std::uint64_t>(e)); }
  void put(bool b) { b ? pk_.pack_true() : pk_.pack_false(); }
  void put(const std::string& text) {
    const auto size = static_cast<std::uint32_t>(text.size());
    pk_.pack_str(size);
    pk_.pack_str_body(text.data(), size);
  }
  void put(const Uuid& id) {
    pk_.pack_bin(16);
    pk_.pack_bin_body(reinterpret_cast<const char*>(id.bytes.data()), 16);
  }
  void put(const FeedCursor& cursor) { array(cursor.low, cursor.pos); }
  void put(const Value& value) {
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
      pk_.pack_int64(*i);
    } else if (const auto* d = std::get_if<double>(&value)) {
      // msgpack-c's pack_double writes integral doubles (and -0.0) as
      // integers, which would make a real 3.0 arrive as the integer 3. So
      // float64 is written by hand; pack_str_body is msgpack-c's raw append.
      std::uint64_t bits = 0;
      std::memcpy(&bits, d, sizeof bits);
      char raw[9] = {static_cast<char>(0xcb)};
      for (int b = 0; b < 8; ++b) raw[1 + b] = static_cast<char>(bits >> (56 - 8 * b));
      pk_.pack_str_body(raw, sizeof raw);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      put(*text);
    } else {
      pk_.pack_nil();
    }
  }
  void put(const std::vector<Rejection>& rejections) {
    pk_.pack_array(static_cast<std::uint32_t>(rejections.size()));
    for (const Rejection& r : rejections) array(r.table, r.row, r.column, r.stamp.hlc, r.stamp.node, r.code, r.reason);
  }
  void put(const Batch& batch) {
    std::unordered_map<std::string_view, std::uint32_t> refs;
    std::vector<const std::string*> nodes;
    auto add = [&](const std::string& node) {
      if (!node.empty() && refs.emplace(node, static_cast<std::uint32_t>(nodes.size() + 1)).second)
        nodes.push_back(&node);
    };
    for (const Cell& cell : batch.cells) {
      add(cell.stamp.node);
      add(cell.base.node);
      add(cell.staff);
    }
    auto ref = [&](const std::string& node) -> std::uint32_t { return node.empty() ? 0 : refs.find(node)->second; };
    pk_.pack_array(static_cast<std::uint32_t>(nodes.size()));
    for (const std::string* node : nodes) put(*node);
    pk_.pack_array(static_cast<std::uint32_t>(batch.cells.size()));
    for (const Cell& c : batch.cells)
      if (c.staff.empty())
        array(c.table, c.row, c.column, c.value, c.stamp.hlc, ref(c.stamp.node), c.base.hlc, ref(c.base.node));
      else
        array(c.table, c.row, c.column, c.value, c.stamp.hlc, ref(c.stamp.node), c.base.hlc, ref(c.base.node),
              ref(c.staff));
  }

  Packer& pk_;
};

// ---------------------------------------------------------------- decoding

using Object = msgpack::object;
using Items = std::span<const Object>;
namespace mt = msgpack::type;

const char* kind_name(mt::object_type type) {
  switch (type) {
    case mt::NIL: return "nil";
    case mt::BOOLEAN: return "a bool";
    case mt::POSITIVE_INTEGER: return "an unsigned integer";
    case mt::NEGATIVE_INTEGER: return "a negative integer";
    case mt::FLOAT32:
    case mt::FLOAT64: return "a float";
    case mt::STR: return "a string";
    case mt::BIN: return "binary";
    case mt::ARRAY: return "an array";
    default: return "a map or ext";
  }
}

// Reads fields off the unpacked object tree. Every reader returns false after
// recording, once, what was wrong and where ("push cell 3: ...").
class Reader {
 public:
  Reader(const DecodeLimits& limits, const char* message) : limits_(limits), message_(message) {}

  const Error& error() const { return error_; }
  void at(const char* item, std::size_t index) {
    item_ = item;
    index_ = index;
  }

  bool fail(Errc code, const std::string& detail) {
    std::string where = message_;
    if (item_ != nullptr) where += std::string(" ") + item_ + " " + std::to_string(index_);
    error_ = make_error(code, where + ": " + detail);
    return false;
  }
  bool wrong(const Object& o, const char* field, const char* expected) {
    return fail(Errc::wrong_type, std::string(field) + " is " + kind_name(o.type) + ", expected " + expected);
  }

  bool uint_field(const Object& o, const char* field, std::uint64_t max, std::uint64_t& out) {
    if (o.type != mt::POSITIVE_INTEGER) return wrong(o, field, "an unsigned integer");
    if (o.via.u64 > max)
      return fail(Errc::malformed, std::string(field) + " " + std::to_string(o.via.u64) + " is out of range");
    out = o.via.u64;
    return true;
  }
  template <class T>
  bool uint_field(const Object& o, const char* field, T& out) {
    std::uint64_t v = 0;
    if (!uint_field(o, field, std::numeric_limits<T>::max(), v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  bool boolean(const Object& o, const char* field, bool& out) {
    if (o.type != mt::BOOLEAN) return wrong(o, field, "a bool");
    out = o.via.boolean;
    return true;
  }
  bool string(const Object& o, const char* field, std::string& out) {
    if (o.type != mt::STR) return wrong(o, field, "a string");
    out.assign(o.via.str.ptr, o.via.str.size);
    return utf8(field, out);
  }
  // Text that is not UTF-8 would be stored, then break JSON and terminals.
  bool utf8(const char* field, std::string_view text) {
    return is_valid_utf8(text) || fail(Errc::malformed, std::string(field) + " is not valid UTF-8");
  }
  bool uuid(const Object& o, const char* field, Uuid& out) {
    if (o.type != mt::BIN) return wrong(o, field, "16 bytes of binary");
    if (o.via.bin.size != 16)
      return fail(Errc::malformed,
                  std::string(field) + " is " + std::to_string(o.via.bin.size) + " bytes, expected 16");
    out = Uuid::from_bytes(o.via.bin.ptr);
    return true;
  }
  bool array(const Object& o, const char* field, Items& out) {
    if (o.type != mt::ARRAY) return wrong(o, field, "an array");
    out = Items(o.via.array.ptr, o.via.array.size);
    return true;
  }
  bool tuple(const Object& o, const char* field, std::size_t size, Items& out) {
    if (!array(o, field, out)) return false;
    if (out.size() != size)
      return fail(Errc::malformed, std::string(field) + " has " + std::to_string(out.size()) + " elements, expected " +
                                       std::to_string(size));
    return true;
  }
  bool cursor(const Object& o, const char* field, FeedCursor& out) {
    Items f;
    return tuple(o, field, 2, f) && uint_field(f[0], "cursor low", out.low) && uint_field(f[1], "cursor pos", out.pos);
  }
  bool value(const Object& o, Value& out) {
    switch (o.type) {
      case mt::NIL: out = std::monostate{}; return true;
      case mt::POSITIVE_INTEGER:
        if (o.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          return fail(Errc::malformed, "value " + std::to_string(o.via.u64) + " is out of int64 range");
        out = static_cast<std::int64_t>(o.via.u64);
        return true;
      case mt::NEGATIVE_INTEGER: out = o.via.i64; return true;
      case mt::FLOAT32:
      case mt::FLOAT64: out = o.via.f64; return true;
      case mt::STR: out = std::string(o.via.str.ptr, o.via.str.size); return utf8("value", std::get<std::string>(out));
      default: return wrong(o, "value", "nil, an integer, a float or a string");
    }
  }
  // An empty node is allowed only where it means "no stamp".
  bool node(const Object& o, const char* field, std::string& out, bool required) {
    if (!string(o, field, out)) return false;
    if (out.empty()) return !required || fail(Errc::malformed, std::string(field) + " is empty");
    auto parsed = NodeId::parse(out);
    if (!parsed) return fail(Errc::malformed, std::string(field) + ": " + parsed.error().message);
    return true;
  }
  bool stamp_consistent(const Stamp& stamp, const char* field) {
    if (stamp.hlc != 0 && stamp.node.empty())
      return fail(Errc::malformed, std::string(field) + " has a clock but no node");
    return true;
  }
  bool errc(const Object& o, const char* field, Errc& out) {
    std::uint64_t v = 0;
    if (!uint_field(o, field, static_cast<std::uint64_t>(std::numeric_limits<int>::max()), v)) return false;
    const auto code = static_cast<Errc>(static_cast<int>(v));
    // errc_name's switch covers every enumerator (the compiler checks it), so
    // it doubles as the list of defined codes.
    if (code == Errc::ok || std::strcmp(errc_name(code), "unknown_error") == 0)
      return fail(Errc::malformed, std::string(field) + " " + std::to_string(v) + " is not an error code");
    out = code;
    return true;
  }
  bool table(const Object& o, TableId& out) {
    std::uint64_t v = 0;
    if (!uint_field(o, "table", kTableCount - 1, v)) return false;
    out = static_cast<TableId>(v);
    return true;
  }
  bool column(const Object& o, TableId table, std::uint16_t& out) {
    std::uint64_t v = 0;
    if (!uint_field(o, "column", std::numeric_limits<std::uint64_t>::max(), v)) return false;
    const TableDef& def = Schema::get().table(table);
    if (v >= def.columns.size())
      return fail(Errc::malformed, "column " + std::to_string(v) + " out of range for table " + std::string(def.name));
    out = static_cast<std::uint16_t>(v);
    return true;
  }
  bool count(std::size_t n, const char* what) {
    if (n <= limits_.max_cells) return true;
    return fail(Errc::malformed, std::to_string(n) + " " + what + " exceed the limit of " +
                                     std::to_string(limits_.max_cells) + " per batch");
  }

  bool batch(const Object& nodes_o, const Object& cells_o, const char* item, std::vector<Cell>& out) {
    Items nodes, cells;
    if (!array(nodes_o, "node table", nodes) || !array(cells_o, "cells", cells)) return false;
    if (!count(cells.size(), "cells")) return false;
    // The encoder lists only names that cells refer to: at most three per
    // cell (its stamp's node, its base's, its staff member).
    if (nodes.size() > 3 * cells.size())
      return fail(Errc::malformed, "node table has " + std::to_string(nodes.size()) + " entries for " +
                                       std::to_string(cells.size()) + " cells");
    std::vector<std::string> names(nodes.size());
    std::vector<bool> is_staff(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      at("node", i);
      if (!node_or_staff(nodes[i], names[i])) return false;
      is_staff[i] = names[i].find('/') != std::string::npos;
    }
    out.resize(cells.size());
    for (std::size_t i = 0; i < cells.size(); ++i) {
      at(item, i);
      Items f;
      Cell& cell = out[i];
      if (!array(cells[i], item, f)) return false;
      if (f.size() != 8 && f.size() != 9)
        return fail(Errc::malformed,
                    std::string(item) + " has " + std::to_string(f.size()) + " elements, expected 8 or 9");
      if (!table(f[0], cell.table) || !uuid(f[1], "row", cell.row) || !column(f[2], cell.table, cell.column) ||
          !value(f[3], cell.value) || !stamp(f[4], f[5], names, false, cell.stamp) ||
          !stamp(f[6], f[7], names, true, cell.base))
        return false;
      if (cell.stamp.node.empty()) return fail(Errc::malformed, "stamp names no node");
      if (f.size() == 9 && !staff(f[8], names, is_staff, cell.staff)) return false;
    }
    at(nullptr, 0);
    return true;
  }
  bool stamp(const Object& hlc, const Object& ref, const std::vector<std::string>& names, bool base, Stamp& out) {
    std::uint64_t r = 0;
    if (!uint_field(hlc, base ? "base hlc" : "stamp hlc", out.hlc) ||
        !uint_field(ref, base ? "base node_ref" : "stamp node_ref", names.size(), r))
      return false;
    if (r != 0) out.node = names[r - 1];
    if (out.node.find('/') != std::string::npos)
      return fail(Errc::malformed, std::string(base ? "base" : "stamp") + " names a staff member, not a node");
    return stamp_consistent(out, base ? "base" : "stamp");
  }
  // A node table entry: a node id, or a staff ref ("longyou/王伟").
  bool node_or_staff(const Object& o, std::string& out) {
    if (!string(o, "node", out)) return false;
    if (out.find('/') == std::string::npos) return node(o, "node", out, true);
    auto parsed = parse_staff_ref(out);
    if (!parsed) return fail(Errc::malformed, parsed.error().message);
    return true;
  }
  bool staff(const Object& ref, const std::vector<std::string>& names, const std::vector<bool>& is_staff,
             std::string& out) {
    std::uint64_t r = 0;
    if (!uint_field(ref, "staff_ref", names.size(), r)) return false;
    if (r == 0 || !is_staff[r - 1]) return fail(Errc::malformed, "staff_ref names no staff member");
    out = names[r - 1];
    return true;
  }

  bool rejections(const Object& o, std::vector<Rejection>& out) {
    Items items;
    if (!array(o, "rejections", items) || !count(items.size(), "rejections")) return false;
    out.resize(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      at("rejection", i);
      Items f;
      Rejection& r = out[i];
      if (!tuple(items[i], "rejection", 7, f) || !table(f[0], r.table) || !uuid(f[1], "row", r.row) ||
          !column(f[2], r.table, r.column) || !uint_field(f[3], "stamp hlc", r.stamp.hlc) ||
          !node(f[4], "stamp node", r.stamp.node, false) || !stamp_consistent(r.stamp, "stamp") ||
          !errc(f[5], "code", r.code) || !string(f[6], "reason", r.reason))
        return false;
    }
    at(nullptr, 0);
    return true;
  }

 private:
  const DecodeLimits& limits_;
  const char* message_;
  const char* item_ = nullptr;
  std::size_t index_ = 0;
  Error error_;
};

// Field counts after the type tag, indexed by MessageType, and how many
// fields a later protocol added at the end (present or not: welcome's
// hub_schema).
constexpr std::size_t kFieldCounts[] = {0, 8, 7, 3, 5, 3, 5, 1, 1, 1, 2, 2, 1};
constexpr std::size_t kAddedFields[] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

Result<Message> decode_fields(Reader& in, MessageType type, Items f) {
  // `ok` is evaluated before the move: `m` is only bound, not read, first.
  auto done = [&](auto& m, bool ok) -> Result<Message> {
    if (!ok) return in.error();
    return Message(std::move(m));
  };
  switch (type) {
    case MessageType::hello: {
      Hello m;
      return done(m, in.uint_field(f[0], "protocol", m.protocol) && in.node(f[1], "node", m.node, true) &&
                         in.uint_field(f[2], "schema", m.schema) && in.cursor(f[3], "pull cursor", m.pull_cursor) &&
                         in.uuid(f[4], "hub_id", m.hub_id) && in.uint_field(f[5], "client_time_ms", m.client_time_ms) &&
                         in.uuid(f[6], "client_id", m.client_id) && in.uint_field(f[7], "compression", m.compression));
    }
    case MessageType::welcome: {
      Welcome m;
      return done(m, in.uint_field(f[0], "hub_time_ms", m.hub_time_ms) && in.uuid(f[1], "hub_id", m.hub_id) &&
                         in.uint_field(f[2], "hub_seq", m.hub_seq) &&
                         in.uint_field(f[3], "max_frame_bytes", m.max_frame_bytes) &&
                         in.uint_field(f[4], "max_batch_cells", m.max_batch_cells) &&
                         in.uint_field(f[5], "max_clock_ahead_ms", m.max_clock_ahead_ms) &&
                         in.uint_field(f[6], "compression", m.compression) &&
                         (f.size() < 8 || in.uint_field(f[7], "hub_schema", m.hub_schema)));
    }
    case MessageType::push: {
      Push m;
      return done(m, in.uint_field(f[0], "batch", m.batch) && in.batch(f[1], f[2], "cell", m.cells));
    }
    case MessageType::push_ack: {
      PushAck m;
      return done(m, in.uint_field(f[0], "batch", m.batch) && in.uint_field(f[1], "applied", m.applied) &&
                         in.rejections(f[2], m.rejections) && in.batch(f[3], f[4], "correction", m.corrections));
    }
    case MessageType::pull: {
      Pull m;
      return done(m, in.uint_field(f[0], "request", m.request) && in.cursor(f[1], "cursor", m.cursor) &&
                         in.uint_field(f[2], "max_cells", m.max_cells));
    }
    case MessageType::changes: {
      Changes m;
      return done(m, in.uint_field(f[0], "request", m.request) && in.batch(f[1], f[2], "cell", m.cells) &&
                         in.cursor(f[3], "next", m.next) && in.boolean(f[4], "more", m.more));
    }
    case MessageType::notify: {
      Notify m;
      return done(m, in.uint_field(f[0], "hub_seq", m.hub_seq));
    }
    case MessageType::ping: {
      Ping m;
      return done(m, in.uint_field(f[0], "nonce", m.nonce));
    }
    case MessageType::pong: {
      Pong m;
      return done(m, in.uint_field(f[0], "nonce", m.nonce));
    }
    case MessageType::urgent: {
      Urgent m;
      return done(m, in.batch(f[0], f[1], "cell", m.cells));
    }
    case MessageType::error: {
      ErrorMessage m;
      return done(m, in.errc(f[0], "code", m.code) && in.string(f[1], "message", m.message));
    }
    case MessageType::revocations: {
      Revocations m;
      return done(m, in.string(f[0], "crl", m.crl_pem));
    }
  }
  return make_error(Errc::malformed, "unknown message type");
}

Result<Message> decode_root(const Object& root, const DecodeLimits& limits) {
  if (root.type != mt::ARRAY || root.via.array.size == 0)
    return make_error(Errc::malformed, std::string("not a message: expected an array with a type, got ") +
                                           (root.type == mt::ARRAY ? "an empty array" : kind_name(root.type)));
  const Items items(root.via.array.ptr, root.via.array.size);
  const Object& tag = items[0];
  if (tag.type != mt::POSITIVE_INTEGER || tag.via.u64 == 0 || tag.via.u64 >= std::size(kFieldCounts))
    return make_error(Errc::malformed, tag.type == mt::POSITIVE_INTEGER
                                           ? "unknown message type " + std::to_string(tag.via.u64)
                                           : std::string("message type is ") + kind_name(tag.type));
  const auto type = static_cast<MessageType>(tag.via.u64);
  Reader in(limits, message_name(type));
  const Items fields = items.subspan(1);
  if (type == MessageType::hello && !fields.empty() && fields[0].type == mt::POSITIVE_INTEGER &&
      (fields[0].via.u64 < kOldestProtocolVersion || fields[0].via.u64 > kProtocolVersion)) {
    Hello other;
    if (!in.uint_field(fields[0], "protocol", other.protocol)) return in.error();
    return Message(std::move(other));
  }
  const std::size_t expected = kFieldCounts[tag.via.u64];
  if (fields.size() < expected || fields.size() > expected + kAddedFields[tag.via.u64])
    return make_error(Errc::malformed, std::string(message_name(type)) + " has " + std::to_string(fields.size()) +
                                           " fields, expected " + std::to_string(expected) +
                                           (kAddedFields[tag.via.u64] ? " or " + std::to_string(expected + 1) : ""));
  return decode_fields(in, type, fields);
}

}  // namespace

std::vector<std::uint8_t> encode(const Message& message) {
  std::vector<std::uint8_t> out;
  VectorStream stream{&out};
  Packer pk(stream);
  Encoder encoder(pk);
  std::visit(encoder, message);
  return out;
}

namespace {
Result<Message> decode_plain(std::span<const std::uint8_t> bytes, const DecodeLimits& limits);

constexpr std::uint8_t kEnvelopeMarker = 0xC1;  // "never used" in msgpack
constexpr std::uint8_t kEnvelopeZstd = 1;
// Below this, compressing saves a few bytes for more work on both sides.
constexpr std::size_t kCompressMinBytes = 1024;
// zstd's fastest level: about half the bytes of a page of cases at a few
// hundred MB/s, so a fast link loses little and a slow one gains most.
constexpr int kZstdLevel = 1;

Result<std::vector<std::uint8_t>> inflate(std::span<const std::uint8_t> envelope, const DecodeLimits& limits) {
  if (envelope.size() < 2 || envelope[1] != kEnvelopeZstd)
    return make_error(Errc::malformed, envelope.size() < 2
                                           ? "compressed message without a codec"
                                           : "compressed with unknown codec " + std::to_string(envelope[1]));
  const auto zstd = envelope.subspan(2);
  const unsigned long long size = ZSTD_getFrameContentSize(zstd.data(), zstd.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
    return make_error(Errc::malformed, "compressed message has no valid zstd frame header");
  // Checked before allocating: a small envelope may claim a huge message.
  if (size > limits.max_message_bytes)
    return make_error(Errc::frame_too_large, "compressed message would inflate to " + std::to_string(size) +
                                                 " bytes, over the limit of " +
                                                 std::to_string(limits.max_message_bytes));
  std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
  thread_local const std::unique_ptr<ZSTD_DCtx, std::size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  const std::size_t got = ZSTD_decompressDCtx(context.get(), out.data(), out.size(), zstd.data(), zstd.size());
  if (ZSTD_isError(got) || got != out.size())
    return make_error(Errc::malformed,
                      std::string("compressed message is damaged: ") +
                          (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size differs from its header"));
  return out;
}
}  // namespace

std::vector<std::uint8_t> encode_for_wire(const Message& message, bool compress) {
  std::vector<std::uint8_t> plain = encode(message);
  if (!compress || plain.size() < kCompressMinBytes) return plain;
  std::vector<std::uint8_t> envelope(2 + ZSTD_compressBound(plain.size()));
  envelope[0] = kEnvelopeMarker;
  envelope[1] = kEnvelopeZstd;
  // One context per thread, reused: making one per message costs more than
  // compressing a small page. The checksum makes a damaged envelope an
  // error rather than a different message.
  thread_local const std::unique_ptr<ZSTD_CCtx, std::size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, 1);
  const std::size_t n =
      ZSTD_compress2(context.get(), envelope.data() + 2, envelope.size() - 2, plain.data(), plain.size());
  if (ZSTD_isError(n) || n + 2 >= plain.size()) return plain;  // incompressible: send it as it is
  envelope.resize(n + 2);
  return envelope;
}

Result<Message> decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  if (!bytes.empty() && bytes[0] == kEnvelopeMarker) {
    auto inner = inflate(bytes, limits);
    if (!inner) return inner.error();
    // One envelope only: the inner bytes start with 0xC1 again only if
    // they are not a message, which the msgpack decoder reports.
    return decode_plain(*inner, limits);
  }
  return decode_plain(bytes, limits);
}

namespace {
Result<Message> decode_plain(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  // The array limit must admit a node table of up to two entries per cell;
  // the exact per-batch counts are checked with better messages afterwards.
  const std::size_t max_array = limits.max_cells > (std::numeric_limits<std::uint32_t>::max() - 16) / 2
                                    ? std::numeric_limits<std::uint32_t>::max()
                                    : 2 * limits.max_cells + 16;
  constexpr std::size_t kMaxBin = 64;  // only uuids; over 16 gets a precise message later
  // Maps and exts are never sent; they are admitted only so that one in a
  // field's place is reported as that field's wrong type.
  const msgpack::unpack_limit unpack_limits(max_array, max_array, limits.max_string_bytes, kMaxBin, kMaxBin,
                                            limits.max_depth);
  auto size = [&] { return std::to_string(bytes.size()); };
  try {
    std::size_t offset = 0;
    const msgpack::object_handle handle = msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size(),
                                                          offset, nullptr, nullptr, unpack_limits);
    if (offset != bytes.size())
      return make_error(Errc::malformed, std::to_string(bytes.size() - offset) + " trailing bytes after a " + size() +
                                             "-byte frame's message");
    return decode_root(handle.get(), limits);
  } catch (const msgpack::insufficient_bytes&) {
    return make_error(Errc::truncated, "message ends early, after " + size() + " bytes");
  } catch (const msgpack::depth_size_overflow&) {
    return make_error(Errc::malformed, "message nests deeper than " + std::to_string(limits.max_depth) + " levels");
  } catch (const msgpack::array_size_overflow&) {
    return make_error(Errc::malformed, "an array has more than " + std::to_string(max_array) + " elements");
  } catch (const msgpack::str_size_overflow&) {
    return make_error(Errc::malformed,
                      "a string is longer than the limit of " + std::to_string(limits.max_string_bytes) + " bytes");
  } catch (const msgpack::bin_size_overflow&) {
    return make_error(Errc::malformed, "a binary field is longer than " + std::to_string(kMaxBin) + " bytes");
  } catch (const msgpack::size_overflow&) {
    return make_error(Errc::malformed, "a msgpack map or ext is larger than any field of ours");
  } catch (const msgpack::parse_error&) {
    return make_error(Errc::malformed, "frame of " + size() + " bytes is not msgpack");
  } catch (const std::exception& e) {
    return make_error(Errc::malformed, std::string("message could not be decoded: ") + e.what());
  } catch (...) {
    return make_error(Errc::malformed, "message could not be decoded");
  }
}
}  // namespace

}  // namespace liaison::sync
