// doctest entry point shared by every suite binary. Messages are in the
// language the environment asks for (CTest sets LANGUAGE=en: the tests read
// English), as the programs choose it at their start.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "shared/labels.hpp"

int main(int argc, char** argv) {
  liaison::set_language(liaison::language_from_environment());
  return doctest::Context(argc, argv).run();
}
