#pragma once
// Opening untrusted input files safely: only regular files (never a FIFO, device or directory,
// which could block or never end), checked before and after open, with a size bound.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace flamecare::detail {

/// An owned read-only file descriptor; closes on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

/// What kind of thing `path` is (following symlinks), in words for messages: "a FIFO",
/// "a directory", "a dangling symlink", "a symlink loop", ... ; "" for a regular file.
std::string non_regular_kind(const std::filesystem::path& path);

/// Opens `path` read-only if, and only if, it is a regular file: checked with stat before the
/// open, opened with O_NONBLOCK (a FIFO swapped in between cannot block) and checked again with
/// fstat. Throws Error(kNotFound) when it does not exist, Error(kIo) for anything that is not a
/// regular file ("<path>: is a FIFO, not a regular file") or cannot be opened.
UniqueFd open_regular_file(const std::filesystem::path& path);

/// Reads a whole regular file of at most `max_bytes` bytes (as open_regular_file). Throws
/// additionally Error(kUnsupported) naming the size and the limit when the file is larger, and
/// Error(kIo) on a read error.
std::string read_regular_file(const std::filesystem::path& path, std::uint64_t max_bytes);

/// Reads up to `n` bytes at `offset` of `fd` with pread (retrying short reads and EINTR) into
/// `dst`; `done` says how many were read (fewer than n only at the end of the file). Returns 0,
/// or the errno of the failed read. Never throws.
int pread_fully(int fd, void* dst, std::size_t n, std::uint64_t offset, std::size_t& done);

/// Writes `n` bytes of `src` at `offset` of `fd` with pwrite (retrying short writes and EINTR).
/// Returns 0, or the errno of the failed write (EIO when nothing could be written). Never throws.
int pwrite_fully(int fd, const void* src, std::size_t n, std::uint64_t offset);

}  // namespace flamecare::detail
