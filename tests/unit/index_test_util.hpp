#pragma once
// Helpers for the index tests: a temporary raw tree and a counting fake screener.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include "flamecare/index.hpp"

#include "support/scratch_dir.hpp"

namespace flamecare::test_support {

using TempDir = ScratchDir;

/// Writes `bytes` bytes ('x') to `path`, creating parent directories.
inline void write_bytes(const std::filesystem::path& path, std::size_t bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string(bytes, 'x');
}

/// A screener that records how often each file was screened. A file is usable with
/// frames = its size in bytes unless its name contains "bad" (reason code frames_mismatch) or
/// "throw" (the screener throws).
class FakeScreener {
 public:
  ScreenResult operator()(const std::filesystem::path& path) {
    {
      std::lock_guard lock(mutex_);
      ++calls_[path.filename().string()];
      ++total_;
    }
    const std::string name = path.filename().string();
    if (name.find("throw") != std::string::npos) throw std::runtime_error("fake screener threw");
    ScreenResult result;
    ScanImageInfo info;
    info.channels = 2;
    info.height = 16;
    info.width = 32;
    info.pixel_type = PixelType::kInt16;
    result.info = info;
    if (name.find("bad") != std::string::npos) {
      result.reason = ScreenReason::kFramesMismatch;
      result.detail = "1 frame on disk, sidecar says 40";
      return result;
    }
    TileData tile;
    tile.bidirectional_correction = 3;
    result.tile = tile;
    result.frames = static_cast<int>(std::filesystem::file_size(path));
    return result;
  }
  int calls(const std::string& name) {
    std::lock_guard lock(mutex_);
    return calls_[name];
  }
  int total() {
    std::lock_guard lock(mutex_);
    return total_;
  }
  void reset() {
    std::lock_guard lock(mutex_);
    calls_.clear();
    total_ = 0;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> calls_;
  int total_ = 0;
};

/// IndexOptions for `root`/`datasets` screening with `screener` (which must outlive the run).
inline IndexOptions fake_options(const std::filesystem::path& root,
                                 const std::filesystem::path& datasets, FakeScreener& screener,
                                 int threads = 2) {
  IndexOptions options;
  options.raw_root = root;
  options.datasets_dir = datasets;
  options.threads = threads;
  options.screen = [&screener](const std::filesystem::path& p) { return screener(p); };
  return options;
}

}  // namespace flamecare::test_support
