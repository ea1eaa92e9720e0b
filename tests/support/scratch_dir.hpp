#pragma once
// A fresh temporary directory per test, removed afterwards.
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace flamecare::test_support {

class ScratchDir {
 public:
  ScratchDir() {
    // mkdtemp creates the directory atomically with a unique name: no clash between test runs.
    std::string pattern =
        (std::filesystem::temp_directory_path() / "flamecare-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace flamecare::test_support
