#pragma once
// Atomic outputs: write to a temporary sibling, fsync, rename over the final name.
#include <filesystem>
#include <string_view>

namespace flamecare::detail {

/// A temporary path next to `final_path`; commit() renames it into place, the destructor removes
/// it when commit() was never called (so a failed run leaves nothing that looks complete).
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path final_path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& final_path() const { return final_; }
  /// fsyncs the temporary file and renames it to the final path. Throws Error(kIo).
  /// With no_clobber, fails with Error(kInvalidArgument) if the final path already exists.
  void commit(bool no_clobber = false);

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

/// Writes `content` to `path` atomically. Throws Error(kIo); with no_clobber an existing `path`
/// is an Error(kInvalidArgument) and stays untouched.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       bool no_clobber = false);

/// Reads a whole file. Throws Error(kNotFound / kIo).
std::string read_file(const std::filesystem::path& path);

/// An exclusive advisory lock (flock) on `lock_path`, created if needed; blocks until held and is
/// released by the destructor (or by the kernel if the process dies). Throws Error(kIo).
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& lock_path);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  int fd_ = -1;
};

}  // namespace flamecare::detail
