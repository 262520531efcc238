// UUID formatting, parsing and generation.
#include "shared/ids.hpp"

#include <algorithm>

#include <cstring>

namespace liaison {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::uint64_t fnv1a64(std::uint64_t hash, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= p[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

bool Uuid::is_nil() const noexcept {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

std::string Uuid::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid id;
  std::size_t byte = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[byte++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return id;
}

Uuid Uuid::from_bytes(const void* data) {
  Uuid id;
  std::memcpy(id.bytes.data(), data, 16);
  return id;
}

std::array<std::uint8_t, 6> uuid_v7_prefix(std::uint64_t unix_ms) noexcept {
  std::array<std::uint8_t, 6> out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(unix_ms >> (40 - 8 * i));
  return out;
}

Uuid new_uuid_v7(std::uint64_t unix_ms, std::mt19937_64& rng) {
  Uuid id;
  const auto prefix = uuid_v7_prefix(unix_ms);
  std::copy(prefix.begin(), prefix.end(), id.bytes.begin());
  std::uint64_t r1 = rng(), r2 = rng();
  std::memcpy(&id.bytes[6], &r1, 2);
  std::memcpy(&id.bytes[8], &r2, 8);
  id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | 0x70);
  id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return id;
}

std::optional<std::uint64_t> uuid_v7_ms(const Uuid& id) noexcept {
  if ((id.bytes[6] >> 4) != 7) return std::nullopt;
  std::uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | id.bytes[i];
  return ms;
}

Uuid derived_uuid(const Uuid& parent, std::string_view name) {
  std::uint64_t h1 = fnv1a64(kFnvOffset, parent.bytes.data(), 16);
  h1 = fnv1a64(h1, name.data(), name.size());
  std::uint64_t h2 = fnv1a64(h1 ^ 0x9e3779b97f4a7c15ULL, name.data(), name.size());
  h2 = fnv1a64(h2, parent.bytes.data(), 16);
  Uuid id;
  std::memcpy(&id.bytes[0], &h1, 8);
  std::memcpy(&id.bytes[8], &h2, 8);
  id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | 0x80);
  id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return id;
}

std::size_t UuidHash::operator()(const Uuid& id) const noexcept {
  std::uint64_t a, b;
  std::memcpy(&a, &id.bytes[0], 8);
  std::memcpy(&b, &id.bytes[8], 8);
  return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
}

}  // namespace liaison
