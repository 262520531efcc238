// Reading the JSON configuration files (client.json, hub.json) with cereal:
// fields added after the first release are optional, so a file written by
// an older version still loads and keeps the new fields' defaults.
#pragma once

#include <cereal/archives/json.hpp>

#include <string>
#include <type_traits>

namespace liaison {

// Reads `name` into `value` when the file has it; leaves `value` as it is
// when it does not (cereal's JSON reader throws on a missing name). Writes
// it always. Any other error propagates.
template <class Archive, class T>
void optional_field(Archive& archive, const char* name, T& value) {
  if constexpr (std::is_same_v<Archive, cereal::JSONInputArchive>) {
    try {
      archive(cereal::make_nvp(name, value));
    } catch (const cereal::Exception& e) {
      if (std::string(e.what()).find("not found") == std::string::npos) throw;
    }
  } else {
    archive(cereal::make_nvp(name, value));
  }
}

}  // namespace liaison
