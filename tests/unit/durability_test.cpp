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
#ifdef __x86_64__
  struct {
    std::uint64_t off, len;
  } range{0, 0};  // the whole file
  struct {
    std::uint64_t cache, dirty, writeback, evicted, recently_evicted;
  } stat{};
  constexpr long kCachestat = 451;
  if (::syscall(kCachestat, fd, &range, &stat, 0) == 0) return stat.dirty;
#else
  (void)fd;
#endif
  return std::nullopt;
}

// Writes 8 MiB to a new file and returns it open; its pages are dirty until written back (the
// kernel's own writeback waits 30 s for pages this young).
int dirty_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  EXPECT_GE(fd, 0);
  const std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(::write(fd, chunk.data(), chunk.size()), ssize_t(chunk.size()));
  return fd;
}

// Whether the file's dirty pages are all handed to the device within 10 s.
bool written_back(int fd) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < end) {
    if (dirty_pages(fd) == std::uint64_t(0)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(Writeback, StartsTheWritebackOfAFileTheCallerClosedAtOnce) {
  for (const bool own_thread : {true, false}) {
    ScratchDir dir;
    const int fd = dirty_file(dir / "a");
    const auto dirty = dirty_pages(fd);
    if (!dirty) GTEST_SKIP() << "no cachestat in this kernel";
    ASSERT_GT(*dirty, 0u) << "a file just written has dirty pages";
    const int other = ::open((dir / "a").c_str(), O_RDONLY | O_CLOEXEC);
    const std::size_t before = open_descriptors();
    {
      detail::Writeback writeback(own_thread);
      writeback.start(other);
      ::close(other);  // the request holds its own descriptor
      EXPECT_TRUE(written_back(fd)) << "own thread " << own_thread;
    }
    EXPECT_EQ(open_descriptors(), before - 1) << "own thread " << own_thread;
    ::close(fd);
  }
}

// Every request's descriptor is closed, whether made or dropped when the Writeback goes.
TEST(Writeback, RequestsFromTwoThreadsLeaveNoDescriptorOpen) {
  ScratchDir dir;
  const std::size_t before = open_descriptors();
  {
    std::vector<int> fds;
    for (int i = 0; i < 12; ++i) fds.push_back(dirty_file(dir / std::to_string(i)));
    detail::Writeback writeback(true);
    // From two threads, while the thread makes the first requests.
    std::thread other([&] {
      for (std::size_t i = 0; i < fds.size(); i += 2) writeback.start(fds[i]);
    });
    for (std::size_t i = 1; i < fds.size(); i += 2) writeback.start(fds[i]);
    other.join();
    for (const int fd : fds) ::close(fd);
  }
  EXPECT_EQ(open_descriptors(), before);
}

TEST(Writeback, DeferredCommitsThroughItAreRenamedAndWrittenBack) {
  ScratchDir dir;
  const auto path = dir / "sum.tif";
  detail::Writeback writeback(true);
  {
    detail::AtomicFile file(path);
    const int fd = dirty_file(file.temp_path());
    if (!dirty_pages(fd)) GTEST_SKIP() << "no cachestat in this kernel";
    file.commit(/*no_clobber=*/true, detail::Durability::kDeferred, &writeback);
    EXPECT_TRUE(std::filesystem::exists(path)) << "in place under its name at once";
    EXPECT_TRUE(written_back(fd));
    ::close(fd);
  }
  EXPECT_EQ(std::filesystem::file_size(path), 8u << 20);
  detail::sync_paths({path}, {dir.path()});
}

}  // namespace
}  // namespace flamecare
