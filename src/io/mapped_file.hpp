#pragma once
// Reading a file's bytes in place through a read-only memory map, safely: the page cache's pages
// are used directly (no copy into a buffer, which is most of what reading a warm file costs), and
// a file that shrinks while mapped — touching its vanished pages raises SIGBUS — ends the access
// with a return value instead of killing the process. docs/ROBUSTNESS.md ("Raw files that change
// while being read") says how.
#include <cstddef>
#include <cstdint>
#include <span>

namespace flamecare::detail {

/// A read-only shared map of the first `size` bytes of an open file.
class MappedFile {
 public:
  MappedFile() = default;
  /// Maps `size` bytes of `fd` (the descriptor stays the caller's and may be closed afterwards).
  /// The map is empty (valid() false) when `size` is 0 or the kernel refuses: callers then read
  /// with pread(). Never throws.
  MappedFile(int fd, std::uint64_t size) noexcept;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  bool valid() const { return data_ != nullptr; }
  std::uint64_t size() const { return size_; }
  /// Bytes [offset, offset + n) of the map; the caller checked they lie inside it. Touch them only
  /// inside run_guarded.
  const std::byte* at(std::uint64_t offset) const { return data_ + offset; }
  /// Maps bytes [offset, offset + n) of the map into the page tables in one call (from the page
  /// cache, reading from disk what is not there), instead of one page fault per few pages as they
  /// are touched. A hint: failures (a shrunk file, an old kernel) are left to the touch.
  void populate(std::uint64_t offset, std::size_t n) const noexcept;
  /// Drops this process's page table entries of the whole map (the page cache keeps the pages, so
  /// touching them again only maps them again): bounds the resident memory a long scan shows.
  void release() const noexcept;
  /// Runs fn(arg) so that a SIGBUS raised by touching this map (the file was truncated after it
  /// was mapped) ends fn and returns false instead of killing the process; true when fn returned.
  /// A SIGBUS elsewhere goes on to the handler installed before (or the default action). fn is
  /// left by a jump: it must not allocate, lock or own anything with a destructor. Exceptions
  /// thrown by fn propagate.
  bool run_guarded(void (*fn)(void*), void* arg) const;

 private:
  const std::byte* data_ = nullptr;
  std::uint64_t size_ = 0;
};

}  // namespace flamecare::detail
