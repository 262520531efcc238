// For the tests of the programs' commands: runs a command line through the
// program's run() in this process, with what it prints on stdout and stderr
// captured, and makes a throw-away CA and node certificates with the
// project's own certs/liaison-ca.sh.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace liaison::testing {

struct Ran {
  int status = -1;
  std::string out;
  std::string err;
};

template <class Run>
Ran run_captured(Run run, const std::vector<std::string>& words) {
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  Ran ran;
  try {
    ran.status = run(words);
  } catch (...) {
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    throw;
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  ran.out = out.str();
  ran.err = err.str();
  return ran;
}

// A scratch folder with a CA in ca/ and certificates in nodes/ for `nodes`
// (files nodes/<node with ':' as '-'>.pem and .key); removed at the end.
struct ScratchPki {
  std::string dir;
  explicit ScratchPki(const std::vector<std::string>& nodes) {
    char tmpl[] = "/tmp/liaison-commands-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    const std::string ca_sh = std::string(LIAISON_SOURCE_DIR) + "/certs/liaison-ca.sh";
    REQUIRE(std::system((ca_sh + " init " + dir + "/ca >/dev/null").c_str()) == 0);
    for (const auto& node : nodes)
      REQUIRE(std::system((ca_sh + " issue " + dir + "/ca " + node + " --out " + dir + "/nodes >/dev/null").c_str()) ==
              0);
    ::unsetenv("LIAISON_DATA");
  }
  ~ScratchPki() { std::filesystem::remove_all(dir); }
  std::string ca() const { return dir + "/ca/ca.pem"; }
  std::string cert(std::string node) const { return dir + "/nodes/" + file_name(node) + ".pem"; }
  std::string key(std::string node) const { return dir + "/nodes/" + file_name(node) + ".key"; }
  static std::string file_name(std::string node) {
    for (char& ch : node)
      if (ch == ':') ch = '-';
    return node;
  }
};

}  // namespace liaison::testing
