#pragma once
// Small helpers the tests share: whole-file reads, running a helper command, and the Python
// interpreter of the numpy/tifffile cross-checks.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace flamecare::test_support {

/// The whole file as bytes ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs `command` through the shell and returns its stdout; the calling test fails when the
/// command cannot start or exits non-zero.
inline std::string run_command(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  std::string text;
  char buf[4096];
  while (pipe != nullptr && std::fgets(buf, sizeof buf, pipe) != nullptr) text += buf;
  EXPECT_EQ(pipe == nullptr ? -1 : ::pclose(pipe), 0) << command;
  return text;
}

/// The Python interpreter with numpy, tifffile and scipy for cross-checks, quoted for the shell:
/// $FLAMECARE_TEST_PYTHON when set, else the project virtualenv that CMake recorded (`make venv`
/// creates it). The calling test fails when the interpreter does not exist.
inline std::string test_python() {
  const char* env = std::getenv("FLAMECARE_TEST_PYTHON");
  const std::string python = env != nullptr && *env != '\0' ? env : FLAMECARE_TEST_PYTHON;
  EXPECT_TRUE(std::filesystem::exists(python))
      << python << " does not exist: run `make venv` (or set FLAMECARE_TEST_PYTHON)";
  return "'" + python + "'";
}

}  // namespace flamecare::test_support
