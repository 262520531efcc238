// The client's configuration: DIR/client.json, written by `init` (with
// cereal) and read by every other command. It names the node, the hub's
// address and the TLS files, all paths absolute so that commands work from
// any working directory. Value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/error.hpp"

namespace liaison::client {

inline constexpr std::string_view kConfigFile = "client.json";
inline constexpr std::string_view kReplicaFile = "replica.db";
// The CA's revocation list as this node last received it (from --crl at
// init, then from the hub at each sync): the hub is verified against it.
inline constexpr std::string_view kCrlFile = "crl.pem";
inline constexpr int kConfigVersion = 1;

struct HubAddress {
  std::string host;
  std::uint16_t port = 0;
  std::string str() const;  // "host:port" ("[v6]:port" for IPv6 literals)
};

// "HOST:PORT", "HOST" (default port 7443) or "[IPv6]:PORT".
Result<HubAddress> parse_hub_address(std::string_view text);

struct ClientConfig {
  int version = kConfigVersion;
  std::string node;  // certificate CN, e.g. "longyou:office-1"
  std::string hub;   // "host:port"
  std::string ca;    // absolute paths of the PEM files
  std::string cert;
  std::string key;
  std::string crl;  // a list given before it was kept in the data folder (crl.pem there wins)
  // The hub this node trusts: its node id (certificate CN) and the SHA-256
  // of its public key, pinned at init from --hub-cert or at the first
  // connection. Another city certificate is not taken for the hub.
  std::string hub_node = "city:hub";
  std::string hub_key;

  template <class Archive>
  void serialize(Archive& archive);
};

std::string config_path(const std::string& data_dir);
std::string replica_path(const std::string& data_dir);
std::string crl_path(const std::string& data_dir);
// The revocation list to verify the hub against: the one kept in the data
// folder, else the one the configuration names, else none ("").
std::string current_crl(const std::string& data_dir, const ClientConfig& config);

// Reads DIR/client.json. Errors say which file and what to do (run init,
// or re-run init --force when the file is damaged).
Result<ClientConfig> load_config(const std::string& data_dir);
// Writes DIR/client.json atomically (temporary file + rename), mode 0600.
Status save_config(const std::string& data_dir, const ClientConfig& config);

}  // namespace liaison::client
