// The hub's configuration file, DATA/hub.json: where it listens and which
// certificate files it uses. Written by `liaison-hub init`, read by every
// other command.
#pragma once

#include <cstdint>
#include <string>

#include "shared/error.hpp"

namespace liaison::hub {

struct HubConfig {
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 7443;
  std::string ca, cert, key, crl;  // absolute paths
  std::string node;                // the hub certificate's CN
  std::uint64_t max_clock_ahead_ms = 60'000;
  std::uint32_t max_frame_bytes = 16u << 20;
};

std::string config_path(const std::string& data_dir);
std::string replica_path(const std::string& data_dir);
Result<HubConfig> load_config(const std::string& data_dir);
Status save_config(const std::string& data_dir, const HubConfig& config);
// "HOST:PORT" -> host, port; the message says what is wrong.
Status parse_listen(const std::string& text, HubConfig& config);

}  // namespace liaison::hub
