// The project's one error vocabulary: codes for SQLite, decode, protocol,
// authority and configuration failures, each with what it takes to get past
// it (Recovery: try again later, start the sync over, or a person). Errors are
// values on the network and storage paths; `Result<T>` carries a value or an
// `Error`. Plain data: safe to copy between threads.
#pragma once

#include <cassert>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace liaison {

enum class Errc {
  ok = 0,
  // storage
  storage_busy = 1,  // SQLite BUSY/LOCKED: retry
  storage_failed,    // any other SQLite failure (I/O, full disk, corrupt)
  schema_mismatch,   // replica was made by an incompatible version
  not_found,         // no such row / case / directive
  invalid_argument,  // bad user input (field name, value, id)
  usage,             // a command line that can't be understood: unknown option, missing argument (exit 2)
  // wire
  frame_too_large = 20,  // length prefix above the limit; refused before allocation
  truncated,             // input ended inside a frame or message
  malformed,             // bytes are not a valid msgpack message of ours
  wrong_type,            // valid msgpack, but a field has the wrong type
  unexpected_message,    // valid message, wrong for the session state
  protocol_version,      // peer speaks another protocol version
  cursor_ahead,          // peer's cursor is beyond our feed: resync from zero
  timeout,               // peer silent past the deadline
  disconnected,          // link went away
  // authority (typed rejections of single cells)
  out_of_scope = 40,   // row belongs to another county
  not_permitted,       // this side may not write this field / table
  bad_transition,      // status change not allowed from the current status
  immutable_field,     // field can't change after creation
  append_only,         // child records only grow; existing ones are fixed
  forged_stamp,        // cell stamped with another node's id
  clock_ahead,         // stamp too far in the hub's future
  unknown_parent,      // child record of a case the hub doesn't know
  bad_value,           // value has the wrong type for its field
  unknown_field,       // table or column not in the schema
  forged_attribution,  // a field saying who or when names another node, or a time ahead of the hub
  crl_expired,         // the hub's revocation list is out of date: it syncs with no one until renewed
};
inline constexpr Errc kLastErrc = Errc::crl_expired;

const std::error_category& liaison_category() noexcept;
inline std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), liaison_category()}; }

// What it takes for an operation that failed with a code to succeed. The
// reconnect loop, the re-sending of refused cells and the exit status
// switch on it, never on a message's text.
enum class Recovery {
  retry,   // the same again later may work: a busy file, a link that broke, a clock, an expired CRL
  resync,  // start over from an earlier point (the hub's feed is behind our cursor)
  person,  // someone must act: a refusal, a bad input, a version to upgrade, a damaged file
};
Recovery recovery_of(Errc code) noexcept;
// Short stable name ("out_of_scope"), used in logs, JSON and on the wire.
const char* errc_name(Errc code) noexcept;
// The code errc_name gives `name`; Errc::ok for a name it never gives.
Errc errc_from_name(std::string_view name) noexcept;

struct Error {
  Errc code = Errc::ok;
  std::string message;  // what happened, to what, and what to do next

  Recovery recovery() const noexcept { return recovery_of(code); }
};

// A value or an error. Deliberately tiny: the codebase predates std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Error> v_;
};

// Success or an error, for operations with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}
  static Status success() { return {}; }

  bool ok() const noexcept { return error_.code == Errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace liaison

template <>
struct std::is_error_code_enum<liaison::Errc> : std::true_type {};

// Propagate an error from a Status/Result-returning expression.
#define LIAISON_TRY(expr)                                              \
  do {                                                                 \
    auto liaison_try_status_ = (expr);                                 \
    if (!liaison_try_status_.ok()) return liaison_try_status_.error(); \
  } while (0)
