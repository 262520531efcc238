// Names, messages and recovery classes of liaison::Errc.
#include "shared/error.hpp"

namespace liaison {
namespace {

class LiaisonCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "liaison"; }
  std::string message(int value) const override { return errc_name(static_cast<Errc>(value)); }
};

}  // namespace

const std::error_category& liaison_category() noexcept {
  static const LiaisonCategory category;
  return category;
}

Recovery recovery_of(Errc code) noexcept {
  switch (code) {
    case Errc::storage_busy:
    case Errc::timeout:
    case Errc::disconnected:
    // A message cut or garbled on the way (a relay, a bad link): a new
    // connection starts clean, and nothing half-received was applied.
    case Errc::truncated:
    case Errc::malformed:
    case Errc::wrong_type:
    case Errc::unexpected_message:
    case Errc::clock_ahead:  // re-stamped from the corrected clock and sent again
    case Errc::crl_expired:  // the city renews the list; syncing resumes then
      return Recovery::retry;
    case Errc::cursor_ahead:  // the client pulls from the start
      return Recovery::resync;
    default: return Recovery::person;
  }
}

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::storage_busy: return "storage_busy";
    case Errc::storage_failed: return "storage_failed";
    case Errc::schema_mismatch: return "schema_mismatch";
    case Errc::not_found: return "not_found";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::usage: return "usage";
    case Errc::frame_too_large: return "frame_too_large";
    case Errc::truncated: return "truncated";
    case Errc::malformed: return "malformed";
    case Errc::wrong_type: return "wrong_type";
    case Errc::unexpected_message: return "unexpected_message";
    case Errc::protocol_version: return "protocol_version";
    case Errc::cursor_ahead: return "cursor_ahead";
    case Errc::timeout: return "timeout";
    case Errc::disconnected: return "disconnected";
    case Errc::out_of_scope: return "out_of_scope";
    case Errc::not_permitted: return "not_permitted";
    case Errc::bad_transition: return "bad_transition";
    case Errc::immutable_field: return "immutable_field";
    case Errc::append_only: return "append_only";
    case Errc::forged_stamp: return "forged_stamp";
    case Errc::clock_ahead: return "clock_ahead";
    case Errc::unknown_parent: return "unknown_parent";
    case Errc::bad_value: return "bad_value";
    case Errc::unknown_field: return "unknown_field";
    case Errc::forged_attribution: return "forged_attribution";
    case Errc::crl_expired: return "crl_expired";
  }
  return "unknown_error";
}

Errc errc_from_name(std::string_view name) noexcept {
  for (int e = 1; e <= static_cast<int>(kLastErrc); ++e)
    if (name == errc_name(static_cast<Errc>(e))) return static_cast<Errc>(e);
  return Errc::ok;
}

}  // namespace liaison
