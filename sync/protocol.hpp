// Protocol messages between a node and the hub. Semantics per message (what
// the receiver does with duplicates, unknown rows, stale cursors) are written
// in docs/PROTOCOL.md; this header is the shape. Value types.
//
//   client                              hub
//   Hello(cursor, clock)        ->
//                               <-      Revocations(crl)  (the CA's list, when the hub has one)
//                               <-      Welcome(hub time, limits) | Error
//   Push(batch n, cells)        ->      merged in one transaction
//                               <-      PushAck(n, rejections, corrections)
//   Pull(request n, cursor)     ->
//                               <-      Changes(n, cells, next cursor, more?)
//                               <-      Notify(hub seq)   (new cells in scope)
//                               <-      Urgent(cells)     (a new directive, ahead of the pull)
//                               <-      Revocations(crl)  (again when the CA's list changes)
//   Ping(nonce)                 <->     Pong(nonce)
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "shared/error.hpp"
#include "sync/cell.hpp"

namespace liaison::sync {

// Protocol 5 added the hub's schema version to `welcome`; protocol 6 adds
// the staff member to cells (codec.cpp). A hub of protocol 6 refuses older
// clients with "update liaison-client": their writes would name nobody.
// See docs/PROTOCOL.md, "Schema versions".
inline constexpr std::uint32_t kProtocolVersion = 6;
inline constexpr std::uint32_t kOldestProtocolVersion = 6;

// How far ahead of the hub's clock a stamp may be before the hub refuses it
// (clock_ahead), unless the hub's configuration says otherwise; the hub
// tells every client its bound in `welcome`.
inline constexpr std::uint64_t kDefaultMaxClockAheadMs = 60'000;

// The size limits of the protocol, in one place (a frame's is in
// framing.hpp). The hub tells a client its page size in `welcome`.
inline constexpr std::uint32_t kDefaultBatchCells = 4000;  // cells per push batch and per pull page
inline constexpr std::uint32_t kMaxPushCells = 10'000;     // cells per push the hub accepts
// A batch or page ends after a whole row, and may carry the row's parent
// ahead of it: it runs over its size by up to this many cells.
inline constexpr std::uint32_t kRowSlackCells = 1000;
inline constexpr std::size_t kMaxStringBytes = 1u << 20;  // one string in a message (a note, a revocation list)

// Compression of large messages, negotiated in Hello/Welcome (a bit set of
// the codecs a side reads); see codec.hpp encode_for_wire.
inline constexpr std::uint32_t kCompressionZstd = 1;

enum class MessageType : std::uint8_t {
  hello = 1,
  welcome = 2,
  push = 3,
  push_ack = 4,
  pull = 5,
  changes = 6,
  notify = 7,
  ping = 8,
  pong = 9,
  error = 10,
  urgent = 11,
  revocations = 12,
};

struct Hello {
  std::uint32_t protocol = kProtocolVersion;
  std::string node;  // must equal the certificate's CN
  std::uint32_t schema = kSchemaVersion;
  FeedCursor pull_cursor;  // where this node's copy of the hub feed stands
  Uuid hub_id;             // the hub replica the cursor belongs to (nil: none yet)
  std::uint64_t client_time_ms = 0;
  // The client's replica. When a node comes back with another replica (a
  // reinstalled laptop), its first full pull includes the cells it stamped
  // before; otherwise it has them already and they are left out.
  Uuid client_id;
  std::uint32_t compression = 0;  // codecs the client reads (kCompression*)
  friend bool operator==(const Hello&, const Hello&) = default;
};

struct Welcome {
  std::uint64_t hub_time_ms = 0;
  Uuid hub_id;
  std::uint64_t hub_seq = 0;  // the hub feed's current end
  std::uint32_t max_frame_bytes = 0;
  std::uint32_t max_batch_cells = 0;
  std::uint64_t max_clock_ahead_ms = 0;  // stamps further ahead are refused
  std::uint32_t compression = 0;         // what both sides use from now on
  // The hub's schema version (protocol 5); 0 in a protocol 4 welcome, which
  // has no such field. A client behind it is told to update.
  std::uint32_t hub_schema = 0;
  friend bool operator==(const Welcome&, const Welcome&) = default;
};

struct Push {
  std::uint64_t batch = 0;  // client-chosen, echoed in the ack
  std::vector<Cell> cells;
  friend bool operator==(const Push&, const Push&) = default;
};

// One refused cell: which, why, and whether sending it again can succeed.
struct Rejection {
  TableId table = TableId::cases;
  Uuid row;
  std::uint16_t column = 0;
  Stamp stamp;
  Errc code = Errc::not_permitted;
  std::string reason;
  friend bool operator==(const Rejection&, const Rejection&) = default;
};

struct PushAck {
  std::uint64_t batch = 0;
  std::uint32_t applied = 0;  // cells accepted (including duplicates)
  std::vector<Rejection> rejections;
  // Authoritative values, newer than the refused ones, for the client to
  // converge to (a tombstone where the hub has no such row).
  std::vector<Cell> corrections;
  friend bool operator==(const PushAck&, const PushAck&) = default;
};

// Pull requests are numbered, rising within a connection, and each Changes
// echoes the number it answers: a copy of an old request or answer (a
// network that duplicates, or a retransmitting relay) is recognised and
// ignored instead of moving either side's cursor backwards.
struct Pull {
  std::uint64_t request = 0;
  FeedCursor cursor;
  std::uint32_t max_cells = 0;
  friend bool operator==(const Pull&, const Pull&) = default;
};

struct Changes {
  std::uint64_t request = 0;  // the Pull this answers
  std::vector<Cell> cells;
  FeedCursor next;
  bool more = false;
  friend bool operator==(const Changes&, const Changes&) = default;
};

// Cells the hub sends ahead of the client's pull: a directive issued while
// the client is still working through a backlog. Merged at once; they come
// again, in order, in the pull (as duplicates).
struct Urgent {
  std::vector<Cell> cells;
  friend bool operator==(const Urgent&, const Urgent&) = default;
};

// The CA's certificate revocation list (PEM), as the hub uses it: sent
// just before the welcome and again whenever the hub loads a new one, so that
// clients keep a current list without anyone copying files. The client
// checks the CA's signature itself (the hub is only the courier) and
// refuses a hub whose own certificate the list revokes.
struct Revocations {
  std::string crl_pem;
  friend bool operator==(const Revocations&, const Revocations&) = default;
};

struct Notify {
  std::uint64_t hub_seq = 0;
  friend bool operator==(const Notify&, const Notify&) = default;
};

struct Ping {
  std::uint64_t nonce = 0;
  friend bool operator==(const Ping&, const Ping&) = default;
};

struct Pong {
  std::uint64_t nonce = 0;
  friend bool operator==(const Pong&, const Pong&) = default;
};

struct ErrorMessage {
  Errc code = Errc::malformed;
  std::string message;
  friend bool operator==(const ErrorMessage&, const ErrorMessage&) = default;
};

using Message =
    std::variant<Hello, Welcome, Push, PushAck, Pull, Changes, Notify, Ping, Pong, ErrorMessage, Urgent, Revocations>;

MessageType type_of(const Message& message) noexcept;
const char* message_name(MessageType type) noexcept;

}  // namespace liaison::sync
