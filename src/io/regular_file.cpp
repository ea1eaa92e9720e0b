#include "io/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

std::string kind_of_mode(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

std::string name_of(const std::filesystem::path& path) { return printable(path.native()); }

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string non_regular_kind(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return kind_of_mode(st.st_mode);
  const int err = errno;
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    return err == ELOOP ? "a symlink loop" : "a dangling symlink";
  }
  return err == ENOENT ? "missing" : fmt::format("not accessible ({})", std::strerror(err));
}

UniqueFd open_regular_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) {
      struct stat lst {};
      if (::lstat(path.c_str(), &lst) == 0)
        throw Error(ErrorKind::kIo, fmt::format("{}: is a dangling symlink", name_of(path)));
      throw Error(ErrorKind::kNotFound, fmt::format("{}: no such file", name_of(path)));
    }
    if (err == ELOOP)
      throw Error(ErrorKind::kIo, fmt::format("{}: is a symlink loop", name_of(path)));
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot stat: {}", name_of(path), std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ErrorKind::kIo, fmt::format("{}: is {}, not a regular file", name_of(path),
                                            kind_of_mode(st.st_mode)));
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot open: {}", name_of(path), std::strerror(errno)));
  }
  // The path may have been replaced between stat and open.
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorKind::kIo, fmt::format("{}: is not a regular file", name_of(path)));
  }
  // Regular files never block; clear O_NONBLOCK so reads behave as usual.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

std::string read_regular_file(const std::filesystem::path& path, std::uint64_t max_bytes) {
  const UniqueFd fd = open_regular_file(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot stat: {}", name_of(path), std::strerror(errno)));
  }
  if (std::uint64_t(st.st_size) > max_bytes) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: {} bytes is more than the {} bytes allowed for this file",
                            name_of(path), st.st_size, max_bytes));
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      throw Error(ErrorKind::kIo,
                  fmt::format("{}: read error: {}", name_of(path), std::strerror(errno)));
    }
    if (got == 0) break;
    // The file may grow after fstat; the bound holds for what is read.
    if (text.size() + std::size_t(got) > max_bytes) {
      throw Error(ErrorKind::kUnsupported,
                  fmt::format("{}: more than the {} bytes allowed for this file", name_of(path),
                              max_bytes));
    }
    text.append(buffer, std::size_t(got));
  }
  return text;
}

int pread_fully(int fd, void* dst, std::size_t n, std::uint64_t offset, std::size_t& done) {
  auto* p = static_cast<char*>(dst);
  done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, p + done, n - done, off_t(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno;
    if (got == 0) break;
    done += std::size_t(got);
  }
  return 0;
}

int pwrite_fully(int fd, const void* src, std::size_t n, std::uint64_t offset) {
  const auto* p = static_cast<const char*>(src);
  while (n > 0) {
    const ssize_t put = ::pwrite(fd, p, n, off_t(offset));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) return errno;
    if (put == 0) return EIO;
    p += put;
    n -= std::size_t(put);
    offset += std::uint64_t(put);
  }
  return 0;
}

}  // namespace flamecare::detail
