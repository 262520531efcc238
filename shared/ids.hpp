// Row identifiers: 128-bit UUIDs. New rows get UUIDv7 (48-bit Unix ms prefix,
// so ids sort by creation time and SQLite b-tree inserts stay append-mostly).
// Records that every device of a county must share (a directive receipt) get
// a name-based id so that two devices writing "the same" row merge cell by
// cell instead of creating duplicates. Value type; thread-safe.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace liaison {

struct Uuid {
  std::array<std::uint8_t, 16> bytes{};

  auto operator<=>(const Uuid&) const = default;
  bool is_nil() const noexcept;
  std::string to_string() const;  // lowercase 8-4-4-4-12
  static std::optional<Uuid> parse(std::string_view text);
  static Uuid from_bytes(const void* data);  // REQUIRES: 16 readable bytes
};

// Version-7 UUID for a row created at `unix_ms`, random bits from `rng`.
Uuid new_uuid_v7(std::uint64_t unix_ms, std::mt19937_64& rng);
// When a version-7 UUID was made (Unix ms); nullopt for other versions.
std::optional<std::uint64_t> uuid_v7_ms(const Uuid& id) noexcept;
// The first six bytes of every version-7 UUID made at `unix_ms`: ids made
// from one moment to another lie between two such prefixes, in byte order.
std::array<std::uint8_t, 6> uuid_v7_prefix(std::uint64_t unix_ms) noexcept;

// Deterministic (version-8, SHA-free FNV-based) id derived from a parent id
// and a name: the same inputs give the same id on every device.
Uuid derived_uuid(const Uuid& parent, std::string_view name);

// FNV-1a 64 over `size` bytes, continuing from `hash` (start with
// kFnvOffset): a stable, platform-independent hash for ids and content.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
std::uint64_t fnv1a64(std::uint64_t hash, const void* data, std::size_t size);

struct UuidHash {
  std::size_t operator()(const Uuid& id) const noexcept;
};

}  // namespace liaison
