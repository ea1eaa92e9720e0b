#include "util/test_point.hpp"

#include <signal.h>

#include <cstdlib>
#include <string>

namespace flamecare::detail {

void test_point(std::string_view name) {
  // Read once: the environment does not change during a run, and getenv is not free.
  static const std::string wanted = [] {
    const char* value = std::getenv(kTestStopEnv);
    return std::string(value == nullptr ? "" : value);
  }();
  if (!wanted.empty() && wanted == name) ::raise(SIGSTOP);
}

}  // namespace flamecare::detail
