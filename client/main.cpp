// liaison-client: the command line of county offices and field laptops.
// The commands and their dispatch live in the liaison_client library
// (client/program.cpp); this is the process around them.
#include <exception>
#include <string>
#include <vector>

#include "client/output.hpp"
#include "client/program.hpp"
#include "shared/heap.hpp"
#include "shared/private_files.hpp"

int main(int argc, char** argv) {
  liaison::create_files_private();
  liaison::keep_heap_between_batches();
  std::vector<std::string> words(argv + 1, argv + argc);
  try {
    return liaison::client::run(std::move(words));
  } catch (const std::exception& e) {
    // Startup failures and bugs only: every expected failure is a value.
    return liaison::client::fail(std::string("internal error: ") + e.what(), "please report this to the city office");
  }
}
