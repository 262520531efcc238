// Node identity: `county:device`, as carried in a certificate's CN
// (`longyou:office-1`, `city:hub`). The county part is the node's scope: a
// county node sees and writes only its county's rows; `city` nodes see all.
// Value type; thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "shared/error.hpp"

namespace liaison {

inline constexpr std::string_view kCityScope = "city";
// The six county-level offices under the Quzhou city office.
inline constexpr std::array<std::string_view, 6> kCounties = {"kecheng", "qujiang",   "jiangshan",
                                                              "longyou", "changshan", "kaihua"};

bool is_county(std::string_view name) noexcept;

class NodeId {
 public:
  NodeId() = default;
  // Accepts `scope:device` where scope is `city` or a county and device is
  // 1-32 of [a-z0-9-]. The error message says what was wrong.
  static Result<NodeId> parse(std::string_view text);

  const std::string& str() const noexcept { return text_; }
  std::string_view scope() const noexcept { return std::string_view(text_).substr(0, colon_); }
  std::string_view device() const noexcept { return std::string_view(text_).substr(colon_ + 1); }
  bool is_city() const noexcept { return scope() == kCityScope; }
  bool empty() const noexcept { return text_.empty(); }

  friend bool operator==(const NodeId& a, const NodeId& b) { return a.text_ == b.text_; }
  friend auto operator<=>(const NodeId& a, const NodeId& b) { return a.text_ <=> b.text_; }

 private:
  std::string text_;
  std::size_t colon_ = 0;
};

}  // namespace liaison
