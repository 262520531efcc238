// liaison-hub: the city office's hub — its configuration, the server, and
// the admin commands that act on the hub's replica. The commands and their
// dispatch live in the liaison_hub library (hub/program.cpp); this is the
// process around them.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "hub/program.hpp"
#include "shared/heap.hpp"
#include "shared/private_files.hpp"

int main(int argc, char** argv) {
  liaison::create_files_private();
  liaison::keep_heap_between_batches();
  try {
    return liaison::hub::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    // Startup failures and bugs only: every expected failure is a value.
    std::cerr << "liaison-hub: internal error: " << e.what() << " — please report this\n";
    return 1;
  }
}
