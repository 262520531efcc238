// Parsing and validation of node ids.
#include "shared/node_id.hpp"

#include <algorithm>

namespace liaison {

bool is_county(std::string_view name) noexcept {
  return std::find(kCounties.begin(), kCounties.end(), name) != kCounties.end();
}

Result<NodeId> NodeId::parse(std::string_view text) {
  const auto colon = text.find(':');
  const std::string shown(text.substr(0, 64));
  if (colon == std::string_view::npos)
    return make_error(Errc::invalid_argument,
                      "node id '" + shown + "' has no ':' — write it as county:device, e.g. longyou:office-1");
  const auto scope = text.substr(0, colon);
  const auto device = text.substr(colon + 1);
  if (scope != kCityScope && !is_county(scope))
    return make_error(Errc::invalid_argument,
                      "node id '" + shown + "' names unknown office '" + std::string(scope.substr(0, 32)) +
                          "' — use city, kecheng, qujiang, jiangshan, longyou, changshan or kaihua");
  if (device.empty() || device.size() > 32 || !std::all_of(device.begin(), device.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      }))
    return make_error(Errc::invalid_argument,
                      "node id '" + shown + "' has a bad device name — use 1 to 32 of a-z, 0-9 and '-'");
  NodeId id;
  id.text_ = std::string(text);
  id.colon_ = colon;
  return id;
}

}  // namespace liaison
