// The hub's configuration file, DATA/hub.json: where it listens, which
// certificate files it uses and its session limits. Written by `liaison-hub
// init`, read by every other command. Fields added after the first release
// are optional in the file (an older hub.json keeps its defaults).
#pragma once

#include <cstdint>
#include <string>

#include "shared/case_ref.hpp"
#include "shared/error.hpp"
#include "sync/protocol.hpp"

namespace liaison::hub {

struct HubConfig {
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 7443;
  std::string ca, cert, key, crl;  // absolute paths
  std::string node;                // the hub certificate's CN
  std::uint64_t max_clock_ahead_ms = sync::kDefaultMaxClockAheadMs;
  std::uint32_t max_frame_bytes = 16u << 20;
  // A connection that sends nothing (not even a ping) for this long is
  // closed; honest clients ping every 10 s.
  std::uint64_t idle_timeout_ms = 60'000;
  // Connections one certificate may hold at once (a device needs one or two).
  std::uint32_t max_connections_per_node = 8;
  // How official case numbers are written (shared/case_ref.hpp); checked
  // when the file is read.
  CaseNumberPattern case_numbers;
};

std::string config_path(const std::string& data_dir);
std::string replica_path(const std::string& data_dir);
Result<HubConfig> load_config(const std::string& data_dir);
Status save_config(const std::string& data_dir, const HubConfig& config);
// "HOST:PORT" -> host, port; the message says what is wrong.
Status parse_listen(const std::string& text, HubConfig& config);
// "--idle-timeout SECONDS" -> idle_timeout_ms; at least 1 s.
Status parse_idle_timeout(const std::string& text, HubConfig& config);
// "--case-number-pattern P" -> case_numbers; the message says what P lacks.
Status parse_case_number_pattern(const std::string& text, HubConfig& config);
// "--max-connections-per-node N" -> max_connections_per_node; 1 to 100000.
Status parse_connections_per_node(const std::string& text, HubConfig& config);

}  // namespace liaison::hub
