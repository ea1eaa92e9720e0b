#pragma once
// Atomic outputs: write to a temporary sibling, fsync, rename over the final name; and cleaning up
// what killed runs left behind.
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "flamecare/log.hpp"

namespace flamecare::detail {

class Writeback;

/// When AtomicFile::commit makes the data durable.
enum class Durability {
  kNow,       ///< fsync the file before the rename, then its directory
  kDeferred,  ///< start writing it back (sync_file_range), leave waiting to sync_paths()
};

/// A temporary path next to `final_path` ("<final>.tmp-<pid>-<n>-<hex>"); commit() renames it
/// into place, the destructor removes it when commit() was never called (so a failed run leaves
/// nothing that looks complete).
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path final_path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& final_path() const { return final_; }
  /// fsyncs the temporary file and renames it to the final path. Throws Error(kIo) naming the
  /// path and the system's reason (a failed fsync, e.g. ENOSPC, is a failure). With no_clobber,
  /// fails with Error(kAlreadyExists) if the final path already exists. With kDeferred the file
  /// is only handed to the device's writeback and renamed: it is durable once sync_paths() has
  /// returned for it, which must happen before anything declares it complete (a file in a
  /// staging dir that is published later); given a `writeback`, the hand-off goes through it.
  void commit(bool no_clobber = false, Durability durability = Durability::kNow,
              Writeback* writeback = nullptr);

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

/// Makes files committed with Durability::kDeferred durable: fsyncs each file, then each
/// directory (best effort, as commit does). Throws Error(kIo) naming the first file whose fsync
/// fails and the system's reason (delayed write errors such as EIO or ENOSPC surface here).
void sync_paths(const std::vector<std::filesystem::path>& files,
                const std::vector<std::filesystem::path>& directories);

/// Writes `content` to `path` atomically. Throws Error(kIo) naming the path and the system's
/// reason ("No space left on device"); with no_clobber an existing `path` is an
/// Error(kAlreadyExists) and stays untouched.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       bool no_clobber = false);

/// Writes all of `size` bytes to `fd` (retrying short writes and EINTR); returns 0 or the errno of
/// the failed write.
int write_all(int fd, const void* data, std::size_t size);

/// Reads a whole file. Throws Error(kNotFound / kIo).
std::string read_file(const std::filesystem::path& path);

/// An exclusive advisory lock (flock) on `lock_path`, created if needed; waits until held and is
/// released by the destructor (or by the kernel if the process dies). While waiting it checks
/// `reporter` for cancellation. Throws Error(kIo), Error(kCancelled).
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& lock_path, const Reporter& reporter = {});
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  int fd_ = -1;
};

/// False when process `pid` is known to be gone (kill(pid, 0) fails with ESRCH); true otherwise,
/// including for this process and for processes we may not signal.
bool process_alive(pid_t pid);

/// The pid in an AtomicFile temporary's file name, nullopt for any other name.
std::optional<pid_t> atomic_temp_owner(std::string_view filename);

/// Removes every entry of `dir` (not recursing; directories with their content) for which
/// `owner` gives the pid of a process that is gone, logging each at info level; returns how many.
/// Errors are ignored: what cannot be removed now is tried again by the next run.
std::size_t remove_left_by_dead(const std::filesystem::path& dir,
                                const std::function<std::optional<pid_t>(std::string_view)>& owner,
                                const Reporter& reporter);

}  // namespace flamecare::detail
