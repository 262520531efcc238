// Reading and writing DATA/hub.json with cereal.
#include "hub/config.hpp"

#include <cereal/archives/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "shared/config_file.hpp"

namespace liaison::hub {

namespace {

// The fields every hub.json has had since the first release.
template <class Archive, class Config>  // Config: HubConfig or const HubConfig
void common_fields(Archive& ar, Config& c) {
  ar(cereal::make_nvp("listen_host", c.listen_host), cereal::make_nvp("listen_port", c.listen_port),
     cereal::make_nvp("ca", c.ca), cereal::make_nvp("cert", c.cert), cereal::make_nvp("key", c.key),
     cereal::make_nvp("crl", c.crl), cereal::make_nvp("node", c.node),
     cereal::make_nvp("max_clock_ahead_ms", c.max_clock_ahead_ms),
     cereal::make_nvp("max_frame_bytes", c.max_frame_bytes));
}

}  // namespace

void save(cereal::JSONOutputArchive& ar, const HubConfig& c) {
  common_fields(ar, c);
  ar(cereal::make_nvp("idle_timeout_ms", c.idle_timeout_ms));
  ar(cereal::make_nvp("max_connections_per_node", c.max_connections_per_node));
  ar(cereal::make_nvp("case_number_pattern", c.case_numbers.text()));
}

void load(cereal::JSONInputArchive& ar, HubConfig& c) {
  common_fields(ar, c);
  optional_field(ar, "idle_timeout_ms", c.idle_timeout_ms);
  optional_field(ar, "max_connections_per_node", c.max_connections_per_node);
  std::string pattern(c.case_numbers.text());
  optional_field(ar, "case_number_pattern", pattern);
  auto parsed = CaseNumberPattern::parse(pattern);
  if (!parsed) throw std::invalid_argument(parsed.error().message);
  c.case_numbers = std::move(*parsed);
}

Status parse_case_number_pattern(const std::string& text, HubConfig& config) {
  auto parsed = CaseNumberPattern::parse(text);
  if (!parsed) return make_error(Errc::invalid_argument, "--case-number-pattern: " + parsed.error().message);
  config.case_numbers = std::move(*parsed);
  return {};
}

std::string config_path(const std::string& data_dir) { return (std::filesystem::path(data_dir) / "hub.json").string(); }
std::string replica_path(const std::string& data_dir) { return (std::filesystem::path(data_dir) / "hub.db").string(); }

Result<HubConfig> load_config(const std::string& data_dir) {
  const std::string path = config_path(data_dir);
  std::ifstream in(path);
  std::error_code ec;
  if (!in && std::filesystem::exists(path, ec))
    return make_error(Errc::storage_failed, "can't read hub configuration " + path + ": " + std::strerror(errno) +
                                                " — it must belong to the user running liaison-hub (see 'ls -l " +
                                                path + "')");
  if (!in)
    return make_error(Errc::not_found, "no hub configuration at " + path + " — run 'liaison-hub init --data " +
                                           data_dir + " ...' first, or pass the right --data");
  HubConfig config;
  try {
    cereal::JSONInputArchive archive(in);
    archive(cereal::make_nvp("hub", config));
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument, "hub configuration " + path + " is not valid: " + e.what() +
                                                  " — fix it or run 'liaison-hub init --force'");
  }
  return config;
}

Status save_config(const std::string& data_dir, const HubConfig& config) {
  const std::string path = config_path(data_dir);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return make_error(Errc::storage_failed, "can't write " + tmp + " — check the folder's permissions");
    cereal::JSONOutputArchive archive(out);
    archive(cereal::make_nvp("hub", config));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);  // all or nothing
  if (ec) return make_error(Errc::storage_failed, "can't write " + path + ": " + ec.message());
  return {};
}

Status parse_listen(const std::string& text, HubConfig& config) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return make_error(Errc::invalid_argument, "--listen '" + text + "' is not HOST:PORT, e.g. 0.0.0.0:7443");
  const std::string port = text.substr(colon + 1);
  char* end = nullptr;
  const unsigned long value = std::strtoul(port.c_str(), &end, 10);
  if (!end || *end || value > 65535)
    return make_error(Errc::invalid_argument, "--listen port '" + port + "' is not a port number (0-65535)");
  config.listen_host = text.substr(0, colon);
  if (config.listen_host.size() > 2 && config.listen_host.front() == '[')
    config.listen_host = config.listen_host.substr(1, config.listen_host.size() - 2);
  config.listen_port = static_cast<std::uint16_t>(value);
  return {};
}

namespace {

// A whole number from 1 to `max` given to `--option`; the error names the
// option, the range and an example.
Result<std::uint64_t> parse_count(const std::string& text, std::string_view option, std::uint64_t max,
                                  std::string_view what_and_example) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || !end || *end || text[0] == '-' || n < 1 || n > max)
    return make_error(Errc::invalid_argument,
                      "--" + std::string(option) + " '" + text + "' is not " + std::string(what_and_example));
  return static_cast<std::uint64_t>(n);
}

}  // namespace

Status parse_idle_timeout(const std::string& text, HubConfig& config) {
  auto seconds = parse_count(text, "idle-timeout", 86'400, "a number of seconds between 1 and 86400, e.g. 60");
  if (!seconds) return seconds.error();
  config.idle_timeout_ms = *seconds * 1000;
  return {};
}

Status parse_connections_per_node(const std::string& text, HubConfig& config) {
  auto n = parse_count(text, "max-connections-per-node", 100'000, "a number from 1 to 100000, e.g. 8");
  if (!n) return n.error();
  config.max_connections_per_node = static_cast<std::uint32_t>(*n);
  return {};
}

}  // namespace liaison::hub
