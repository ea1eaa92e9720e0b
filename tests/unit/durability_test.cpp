// Deferred durability (AtomicFile Durability::kDeferred + sync_paths): what `create` uses to write
// its sums without waiting for an fsync per file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "io/atomic_file.hpp"
#include "io/writeback.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {

using test_support::expect_kind;
using test_support::ScratchDir;

std::string content_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(Durability, DeferredCommitRenamesAndSyncPathsMakesItDurable) {
  ScratchDir dir;
  const auto path = dir / "sum.tif";
  {
    detail::AtomicFile file(path);
    std::ofstream(file.temp_path(), std::ios::binary) << "pixels";
    file.commit(/*no_clobber=*/true, detail::Durability::kDeferred);
  }
  EXPECT_EQ(content_of(path), "pixels") << "in place under its name at once";
  detail::sync_paths({path}, {dir.path()});
  // No clobbering either way: the deferred commit refuses an existing name like the other.
  detail::AtomicFile again(path);
  std::ofstream(again.temp_path(), std::ios::binary) << "other";
  expect_kind(ErrorKind::kAlreadyExists,
              [&] { again.commit(/*no_clobber=*/true, detail::Durability::kDeferred); });
  EXPECT_EQ(content_of(path), "pixels");
}

TEST(Durability, SyncPathsNamesTheFileItCannotSync) {
  ScratchDir dir;
  const auto gone = dir / "gone.tif";
  try {
    detail::sync_paths({gone}, {dir.path()});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("gone.tif: cannot write"), std::string::npos) << e.what();
  }
}

// The process's open file descriptors.
std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}

// The file's dirty pages in the page cache (the cachestat system call, Linux 6.5), or nothing
// where the kernel does not have it.
std::optional<std::uint64_t> dirty_pages(int fd) {
#ifdef __linux__
  struct {
    std::uint64_t off, len;
  } range{0, 0};  // the whole file
  struct {
    std::uint64_t cache, dirty, writeback, evicted, recently_evicted;
  } stat{};
#ifdef SYS_cachestat
  constexpr long kCachestat = SYS_cachestat;
#else
  constexpr long kCachestat = 451;  // x86-64's, and the generic table's (older headers lack it)
#endif
  if (::syscall(kCachestat, fd, &range, &stat, 0) == 0) return stat.dirty;
#else
  (void)fd;
#endif
  return std::nullopt;
}

// Writes `mib` MiB to a new file and returns it open: its pages stay dirty until written back
// (the kernel's own writeback waits 30 s for pages this young).
int dirty_file(const std::filesystem::path& path, int mib = 8) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  EXPECT_GE(fd, 0);
  const std::string chunk(1 << 20, 'x');
  for (int i = 0; i < mib; ++i)
    EXPECT_EQ(::write(fd, chunk.data(), chunk.size()), ssize_t(chunk.size()));
  return fd;
}

// Dirty files to hand to writeback, and one never handed over that tells whether the kernel
// wrote them back by itself meanwhile (a sync by another process, a low expiry time): then
// nothing can be concluded. Skips where the files' dirty pages cannot be seen (no cachestat;
// tmpfs, which writes nothing back).
class DirtyFiles {
 public:
  DirtyFiles(const std::filesystem::path& dir, int n, int mib)
      : control_(dirty_file(dir / "control", mib)) {
    for (int i = 0; i < n; ++i) fds_.push_back(dirty_file(dir / std::to_string(i), mib));
  }
  ~DirtyFiles() {
    for (const int fd : fds_) ::close(fd);
    ::close(control_);
  }
  // Whether the control file still has dirty pages (false too where they cannot be seen).
  bool control_dirty() const { return dirty_pages(control_).value_or(0) > 0; }
  const std::vector<int>& fds() const { return fds_; }
  // Whether every handed-over file is clean within 10 s (the caller then checks the control).
  bool written_back() const {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      bool clean = true;
      for (const int fd : fds_) clean = clean && dirty_pages(fd) == std::uint64_t(0);
      if (clean) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

 private:
  int control_;
  std::vector<int> fds_;
};

TEST(Writeback, StartsTheWritebackOfFilesTheCallerClosedAtOnce) {
  for (const bool own_thread : {true, false}) {
    SCOPED_TRACE(own_thread ? "own thread" : "inline");
    ScratchDir dir;
    // More files than requests may wait: the thread's queue fills and callers make the rest.
    const DirtyFiles files(dir.path(), 3 * int(detail::Writeback::kMaxPending), 1);
    if (!files.control_dirty()) GTEST_SKIP() << "dirty pages cannot be seen here";
    const std::size_t before = open_descriptors();
    {
      detail::Writeback writeback(own_thread);
      for (const int fd : files.fds()) {
        const int other = ::open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_RDONLY);
        writeback.start(other);
        ::close(other);  // a queued request holds its own descriptor
      }
      const bool clean = files.written_back();
      if (!files.control_dirty()) GTEST_SKIP() << "the kernel wrote the files back by itself";
      EXPECT_TRUE(clean);
    }
    EXPECT_EQ(open_descriptors(), before);
  }
}

// Every request's descriptor is closed, whether the thread made it or it was dropped when the
// Writeback went: here at once, while the thread is busy starting a 64 MiB file's writeback and
// the others wait in its queue; then requests from two threads.
TEST(Writeback, RequestsLeaveNoDescriptorOpen) {
  ScratchDir dir;
  const std::size_t before = open_descriptors();
  {
    const int large = dirty_file(dir / "large", 64);
    const DirtyFiles files(dir.path(), int(detail::Writeback::kMaxPending), 1);
    {
      detail::Writeback writeback(true);
      writeback.start(large);
      for (const int fd : files.fds()) writeback.start(fd);
    }
    {
      detail::Writeback writeback(true);
      std::thread other([&] {
        for (std::size_t i = 0; i < files.fds().size(); i += 2) writeback.start(files.fds()[i]);
      });
      for (std::size_t i = 1; i < files.fds().size(); i += 2) writeback.start(files.fds()[i]);
      other.join();
    }
    ::close(large);
  }
  EXPECT_EQ(open_descriptors(), before);
}

TEST(Writeback, DeferredCommitsThroughItAreRenamedAndWrittenBack) {
  ScratchDir dir;
  const auto path = dir / "sum.tif";
  detail::Writeback writeback(true);
  const DirtyFiles control(dir.path(), 0, 8);
  if (!control.control_dirty()) GTEST_SKIP() << "dirty pages cannot be seen here";
  {
    detail::AtomicFile file(path);
    const int fd = dirty_file(file.temp_path());
    file.commit(/*no_clobber=*/true, detail::Durability::kDeferred, &writeback);
    EXPECT_TRUE(std::filesystem::exists(path)) << "in place under its name at once";
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (dirty_pages(fd) != std::uint64_t(0) && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::optional<std::uint64_t> dirty = dirty_pages(fd);
    ::close(fd);
    if (!control.control_dirty()) GTEST_SKIP() << "the kernel wrote the files back by itself";
    EXPECT_EQ(dirty, std::uint64_t(0));
  }
  EXPECT_EQ(std::filesystem::file_size(path), 8u << 20);
  detail::sync_paths({path}, {dir.path()});
}

}  // namespace
}  // namespace flamecare
