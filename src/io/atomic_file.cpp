#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "flamecare/error.hpp"

namespace flamecare::detail {
namespace {

std::string unique_suffix() {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format(".tmp-{}-{}-{:x}", ::getpid(), counter++, rng() & 0xffffff);
}

void fsync_path(const std::filesystem::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;  // best effort: the rename is what guarantees atomicity
  ::fsync(fd);
  ::close(fd);
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

void AtomicFile::commit(bool no_clobber) {
  fsync_path(temp_, false);
  if (no_clobber) {
    // link() fails with EEXIST instead of replacing, so a concurrent writer cannot be clobbered.
    if (::link(temp_.c_str(), final_.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST) {
        throw Error(ErrorKind::kInvalidArgument,
                    fmt::format("{}: already exists; not overwriting", final_.string()));
      }
      throw Error(ErrorKind::kIo,
                  fmt::format("{}: cannot create: {}", final_.string(), std::strerror(err)));
    }
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  } else if (::rename(temp_.c_str(), final_.c_str()) != 0) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot rename {} into place: {}", final_.string(),
                                            temp_.filename().string(), std::strerror(errno)));
  }
  committed_ = true;
  fsync_path(final_.parent_path().empty() ? "." : final_.parent_path(), true);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       bool no_clobber) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      throw Error(ErrorKind::kIo, fmt::format("{}: cannot write {} bytes: {}", path.string(),
                                              content.size(), std::strerror(errno)));
    }
  }
  file.commit(no_clobber);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    const auto kind = std::filesystem::exists(path, ec) ? ErrorKind::kIo : ErrorKind::kNotFound;
    throw Error(kind, fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::kIo, fmt::format("{}: read failed", path.string()));
  return std::move(buffer).str();
}

FileLock::FileLock(const std::filesystem::path& lock_path) {
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot open lock file: {}", lock_path.string(),
                                            std::strerror(errno)));
  }
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot lock: {}", lock_path.string(), std::strerror(err)));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace flamecare::detail
