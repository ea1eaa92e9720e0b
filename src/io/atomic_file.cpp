#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/writeback.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

std::string unique_suffix() {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format(".tmp-{}-{}-{:x}", ::getpid(), counter++, rng() & 0xffffff);
}

std::string shown(const std::filesystem::path& path) { return printable(path.string()); }

// Returns 0 or the errno of a failed open/fsync (for a directory: best effort, always 0).
int fsync_path(const std::filesystem::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return directory ? 0 : errno;
  int result = ::fsync(fd) == 0 ? 0 : errno;
  // File systems without fsync (some FUSE mounts) say EINVAL/ENOSYS/ENOTSUP: nothing to report.
  if (result == EINVAL || result == ENOSYS || result == ENOTSUP) result = 0;
  ::close(fd);
  return directory ? 0 : result;
}

// Hands the file's dirty pages to the device (without waiting for the write), so that by the
// time it is fsynced most of it is written: now, or through `writeback` (whose thread may be the
// one that waits for room in the device's queue). Returns 0 or the errno of a failure the file
// system reports.
int start_writeback(const std::filesystem::path& path, Writeback* writeback) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int result = 0;
  if (writeback != nullptr) {
    writeback->start(fd);
  } else if (::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) != 0) {
    result = errno;
  }
  if (result == EINVAL || result == ENOSYS || result == ENOTSUP || result == ESPIPE) result = 0;
  ::close(fd);
  return result;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path final_path) : final_(std::move(final_path)) {
  temp_ = final_;
  temp_ += unique_suffix();
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void AtomicFile::commit(bool no_clobber, Durability durability, Writeback* writeback) {
  // The data must be on disk before the name says it is complete; on a full disk or a failing
  // device the fsync is where delayed write errors surface. Deferred: sync_paths() does that.
  const int err =
      durability == Durability::kNow ? fsync_path(temp_, false) : start_writeback(temp_, writeback);
  if (err != 0) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot write: {}", shown(final_), std::strerror(err)));
  }
  if (no_clobber) {
    // link() fails with EEXIST instead of replacing, so a concurrent writer cannot be clobbered.
    if (::link(temp_.c_str(), final_.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST) {
        throw Error(ErrorKind::kAlreadyExists,
                    fmt::format("{}: already exists; not overwriting", shown(final_)));
      }
      throw Error(ErrorKind::kIo,
                  fmt::format("{}: cannot create: {}", shown(final_), std::strerror(err)));
    }
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  } else if (::rename(temp_.c_str(), final_.c_str()) != 0) {
    const int err = errno;
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot rename {} into place: {}", shown(final_),
                                            shown(temp_.filename()), std::strerror(err)));
  }
  committed_ = true;
  if (durability == Durability::kNow)
    fsync_path(final_.parent_path().empty() ? "." : final_.parent_path(), true);
}

void sync_paths(const std::vector<std::filesystem::path>& files,
                const std::vector<std::filesystem::path>& directories) {
  for (const auto& file : files) {
    if (const int err = fsync_path(file, false); err != 0) {
      throw Error(ErrorKind::kIo,
                  fmt::format("{}: cannot write: {}", shown(file), std::strerror(err)));
    }
  }
  for (const auto& dir : directories) fsync_path(dir, true);
}

int write_all(int fd, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       bool no_clobber) {
  AtomicFile file(path);
  const int fd = ::open(file.temp_path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int err = errno;
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot create {}: {}", shown(path),
                            shown(file.temp_path().filename()), std::strerror(err)));
  }
  int err = write_all(fd, content.data(), content.size());
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot write {} bytes: {}", shown(path),
                                            content.size(), std::strerror(err)));
  }
  file.commit(no_clobber);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    std::error_code ec;
    const auto kind = std::filesystem::exists(path, ec) ? ErrorKind::kIo : ErrorKind::kNotFound;
    throw Error(kind, fmt::format("{}: cannot open: {}", shown(path), std::strerror(err)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::kIo, fmt::format("{}: read failed", shown(path)));
  return std::move(buffer).str();
}

FileLock::FileLock(const std::filesystem::path& lock_path, const Reporter& reporter) {
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int err = errno;
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot open lock file: {}", shown(lock_path), std::strerror(err)));
  }
  // Polled rather than blocking, so a cancelled run does not wait for another run to finish.
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK || err == EINTR) {
      try {
        reporter.check_cancelled();
      } catch (...) {
        ::close(fd_);
        throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    ::close(fd_);
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot lock: {}", shown(lock_path), std::strerror(err)));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return true;  // not a process id we could judge
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

std::optional<pid_t> atomic_temp_owner(std::string_view filename) {
  // "<final>.tmp-<pid>-<counter>-<hex>", as unique_suffix() makes it.
  const auto at = filename.rfind(".tmp-");
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  const std::string_view rest = filename.substr(at + 5);
  const auto dash1 = rest.find('-');
  const auto dash2 = dash1 == std::string_view::npos ? dash1 : rest.find('-', dash1 + 1);
  if (dash2 == std::string_view::npos) return std::nullopt;
  const std::string_view pid = rest.substr(0, dash1);
  const std::string_view counter = rest.substr(dash1 + 1, dash2 - dash1 - 1);
  const std::string_view hex = rest.substr(dash2 + 1);
  if (!all_digits(pid) || pid.size() > 9 || !all_digits(counter) || hex.empty() ||
      hex.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return std::nullopt;
  return static_cast<pid_t>(std::stol(std::string(pid)));
}

std::size_t remove_left_by_dead(const std::filesystem::path& dir,
                                const std::function<std::optional<pid_t>(std::string_view)>& owner,
                                const Reporter& reporter) {
  std::size_t removed = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto pid = owner(name);
    if (!pid || *pid == ::getpid() || process_alive(*pid)) continue;
    std::error_code remove_ec;
    std::filesystem::remove_all(it->path(), remove_ec);
    if (remove_ec) continue;
    ++removed;
    reporter.info(fmt::format("removed {} left by an interrupted run", shown(it->path())));
  }
  return removed;
}

}  // namespace flamecare::detail
