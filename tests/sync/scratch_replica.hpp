// Replicas for tests: in a scratch folder removed with everything in it when
// the test ends, on a wall clock the test moves by hand, with a fixed id
// seed and without fsync.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "sync/replica.hpp"

namespace liaison::sync {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/liaison-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(dir_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

inline ReplicaOptions options_for(const std::string& path, const char* node, const std::uint64_t* wall,
                                  bool hub = false) {
  ReplicaOptions options;
  options.path = path;
  options.self = NodeId::parse(node).value();
  options.hub = hub;
  options.wall = [wall] { return *wall; };
  options.seed = 1;
  options.durable = false;
  return options;
}

inline std::unique_ptr<Replica> open_replica(const std::string& path, const char* node, const std::uint64_t* wall,
                                             bool hub = false) {
  auto r = Replica::open(options_for(path, node, wall, hub));
  if (!r) FAIL(r.error().message);
  return std::move(r).value();
}

}  // namespace liaison::sync
