// The config file, read and written with cereal's JSON archive; see config.hpp.
#include "client/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cereal/archives/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shared/config_file.hpp"
#include "shared/private_files.hpp"
#include "sync/net/net.hpp"

namespace liaison::client {

namespace fs = std::filesystem;

template <class Archive>
void ClientConfig::serialize(Archive& archive) {
  archive(cereal::make_nvp("version", version), cereal::make_nvp("node", node), cereal::make_nvp("hub", hub),
          cereal::make_nvp("ca", ca), cereal::make_nvp("cert", cert), cereal::make_nvp("key", key),
          cereal::make_nvp("crl", crl));
  optional_field(archive, "hub_node", hub_node);
  optional_field(archive, "hub_key", hub_key);
}

std::string HubAddress::str() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HubAddress> parse_hub_address(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return make_error(Errc::invalid_argument, "hub address '" + std::string(text) + "' " + std::string(why) +
                                                  " — give HOST:PORT, e.g. hub.quzhou.local:7443");
  };
  HubAddress out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad("has no closing ']'");
    out.host = std::string(text.substr(1, close - 1));
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("has text after ']'");
      port_text = rest.substr(1);
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon)
      return bad("looks like IPv6: write it as [ADDRESS]:PORT");
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
  }
  if (out.host.empty()) return bad("has no host");
  if (out.host.find_first_of(" \t/") != std::string::npos) return bad("has a space or '/' in the host");
  if (port_text.empty() && text.find(':') == std::string_view::npos) {
    out.port = sync::net::kDefaultPort;
    return out;
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return bad("has no valid port (1-65535)");
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

std::string config_path(const std::string& data_dir) { return (fs::path(data_dir) / kConfigFile).string(); }
std::string replica_path(const std::string& data_dir) { return (fs::path(data_dir) / kReplicaFile).string(); }
std::string crl_path(const std::string& data_dir) { return (fs::path(data_dir) / kCrlFile).string(); }

std::string current_crl(const std::string& data_dir, const ClientConfig& config) {
  std::error_code ec;
  const std::string kept = crl_path(data_dir);
  return fs::exists(kept, ec) ? kept : config.crl;
}

Result<ClientConfig> load_config(const std::string& data_dir) {
  const std::string path = config_path(data_dir);
  std::error_code ec;
  if (fs::exists(data_dir, ec) && !fs::is_directory(data_dir, ec))
    return make_error(Errc::invalid_argument,
                      data_dir + " is not a folder — give --data (or LIAISON_DATA) this node's data folder");
  if (fs::is_symlink(fs::symlink_status(data_dir, ec)) && !fs::exists(data_dir, ec))
    return make_error(Errc::not_found, "data folder " + data_dir + " is a symbolic link to " +
                                           fs::read_symlink(data_dir, ec).string() +
                                           ", which does not exist — mount or create it, or point --data elsewhere");
  if (!fs::is_directory(data_dir, ec))
    return make_error(Errc::not_found, "data folder " + data_dir +
                                           " does not exist — check --data / LIAISON_DATA, or "
                                           "create it with 'liaison-client init --data " +
                                           data_dir + " ...'");
  std::ifstream in(path);
  if (!in && fs::exists(path, ec))
    return make_error(Errc::storage_failed, "can't read configuration " + path + ": " + std::strerror(errno) +
                                                " — it must belong to the user running liaison-client (see 'ls -l " +
                                                path + "')");
  if (!in)
    return make_error(Errc::not_found, "no client configuration in " + data_dir + " (" + path +
                                           " is missing) — run 'liaison-client init --data " + data_dir +
                                           " ...' first");
  ClientConfig config;
  config.version = 0;
  try {
    cereal::JSONInputArchive archive(in);
    config.serialize(archive);
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument, "configuration " + path + " is damaged (" + e.what() +
                                                  ") — re-create it with 'liaison-client init --force'");
  }
  if (config.version != kConfigVersion)
    return make_error(Errc::schema_mismatch, "configuration " + path + " has version " +
                                                 std::to_string(config.version) + ", this program reads version " +
                                                 std::to_string(kConfigVersion) +
                                                 " — re-create it with 'liaison-client init --force'");
  return config;
}

Status save_config(const std::string& data_dir, const ClientConfig& config) {
  std::ostringstream text;
  {
    cereal::JSONOutputArchive archive(text);
    ClientConfig copy = config;  // cereal's serialize() takes its object non-const
    copy.serialize(archive);
  }  // the archive closes its JSON object when it goes out of scope
  return write_private_file(config_path(data_dir), text.str() + "\n");
}

}  // namespace liaison::client
