// liaison-client as a function of its command line, for main() and for the
// tests of its commands: finds the command in the table (client/program.cpp),
// prints help, and runs it; returns the exit status (shared/command.hpp).
#pragma once

#include <string>
#include <vector>

namespace liaison::client {

int run(std::vector<std::string> words);

}  // namespace liaison::client
