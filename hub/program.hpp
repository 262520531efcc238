// liaison-hub as a function of its command line, for main() and for the
// tests of its commands: finds the command in the table (hub/program.cpp),
// prints help, runs it and records admin commands; returns the exit status
// (shared/command.hpp).
#pragma once

#include <string>
#include <vector>

namespace liaison::hub {

int run(std::vector<std::string> argv_words);

}  // namespace liaison::hub
