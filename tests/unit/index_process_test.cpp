// Concurrency and crash safety of the index with real processes (fork + SIGKILL).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "flamecare/index.hpp"
#include "index_test_util.hpp"
#include "io/atomic_file.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;
using test_support::FakeScreener;
using test_support::TempDir;
using test_support::write_bytes;

// Runs fn in a child process; returns its pid. The child exits 0 when fn returns, 1 on a throw.
template <class Fn>
pid_t fork_child(Fn fn) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 0;
    try {
      fn();
    } catch (...) {
      code = 1;
    }
    ::_exit(code);
  }
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

IndexOptions slow_options(const fs::path& root, const fs::path& datasets, FakeScreener& screener,
                          std::chrono::milliseconds delay) {
  IndexOptions options = test_support::fake_options(root, datasets, screener, 2);
  options.screen = [&screener, delay](const fs::path& p) {
    std::this_thread::sleep_for(delay);
    return screener(p);
  };
  return options;
}

// Every file under root appears exactly once, ids are unique and are 0..n-1.
void expect_complete(const fs::path& root, const fs::path& csv, std::size_t expected_files) {
  const ImageIndex index = read_index_csv(csv);  // throws on duplicate ids or paths
  ASSERT_EQ(index.entries.size(), expected_files);
  std::set<int> ids;
  for (const auto& e : index.entries) {
    EXPECT_TRUE(fs::exists(root / e.image)) << e.image;
    EXPECT_EQ(e.status, IndexStatus::kUsable) << e.image;
    ids.insert(e.id);
  }
  EXPECT_EQ(ids.size(), expected_files);
  EXPECT_EQ(*ids.rbegin(), static_cast<int>(expected_files) - 1);
}

TEST(IndexProcesses, ConcurrentRunsInSeveralProcessesLoseAndDuplicateNothing) {
  TempDir dir;
  const fs::path root = dir.path() / "raw";
  const fs::path datasets = dir.path() / "datasets";
  for (int i = 0; i < 3; ++i) write_bytes(root / ("base" + std::to_string(i) + ".tif"), 1);
  constexpr int kProcesses = 3;
  constexpr int kRounds = 2;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
      // Each process brings its own new file, then indexes. Later starters screen faster, so
      // without the lock an early starter (which never saw the later files) would write last
      // and drop them; with it, each run waits and builds on the previous one's CSV.
      const auto delay = std::chrono::milliseconds(300 / (1 + 3 * p));
      children.push_back(fork_child([&, p, delay] {
        write_bytes(root / ("r" + std::to_string(round) + "/p" + std::to_string(p) + ".tif"), 2);
        FakeScreener screener;
        update_index(slow_options(root, datasets, screener, delay), Reporter());
      }));
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
    for (const pid_t pid : children) EXPECT_EQ(wait_exit_code(pid), 0);
  }
  expect_complete(root, datasets / kIndexFileName, 3 + kProcesses * kRounds);
}

TEST(IndexProcesses, ConcurrentRunsInTwoThreadsLoseAndDuplicateNothing) {
  TempDir dir;
  const fs::path root = dir.path() / "raw";
  const fs::path datasets = dir.path() / "datasets";
  fs::create_directories(root);
  // Both files exist before either run starts: a file still being written when the other run
  // lists the folder would (rightly) be screened again once complete.
  write_bytes(root / "a.tif", 1);
  write_bytes(root / "b.tif", 1);
  FakeScreener a;
  FakeScreener b;
  std::thread ta([&] {
    update_index(slow_options(root, datasets, a, std::chrono::milliseconds(50)), Reporter());
  });
  std::thread tb([&] {
    update_index(slow_options(root, datasets, b, std::chrono::milliseconds(50)), Reporter());
  });
  ta.join();
  tb.join();
  expect_complete(root, datasets / kIndexFileName, 2);
  EXPECT_EQ(a.total() + b.total(), 2);  // the second run saw the first's result
}

TEST(IndexProcesses, KilledWhileScreeningLeavesThePreviousIndexAndReleasesTheLock) {
  TempDir dir;
  const fs::path root = dir.path() / "raw";
  const fs::path datasets = dir.path() / "datasets";
  const fs::path csv = datasets / kIndexFileName;
  write_bytes(root / "old.tif", 1);
  FakeScreener screener;
  update_index(test_support::fake_options(root, datasets, screener), Reporter());
  const std::string before = detail::read_file(csv);

  write_bytes(root / "new.tif", 1);
  const fs::path started = dir.path() / "started";
  const pid_t child = fork_child([&] {
    FakeScreener slow;
    IndexOptions options = test_support::fake_options(root, datasets, slow, 1);
    options.screen = [&](const fs::path&) -> ScreenResult {
      write_bytes(started, 0);
      std::this_thread::sleep_for(std::chrono::seconds(30));
      return {};
    };
    update_index(options, Reporter());
  });
  for (int i = 0; i < 1000 && !fs::exists(started); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fs::exists(started));
  ::kill(child, SIGKILL);
  EXPECT_EQ(wait_exit_code(child), 128 + SIGKILL);
  EXPECT_EQ(detail::read_file(csv), before);
  EXPECT_EQ(read_index_csv(csv).entries.size(), 1u);
  // The kernel dropped the dead process's flock, so the next run is not blocked.
  const IndexResult result =
      update_index(test_support::fake_options(root, datasets, screener), Reporter());
  EXPECT_EQ(result.summary.added, 1u);
}

ImageIndex big_index(int rows, int tag) {
  ImageIndex index;
  for (int i = 0; i < rows; ++i) {
    IndexEntry e;
    e.id = i;
    e.image = "acquisition " + std::to_string(tag) + "/some, long/directory/tile_" +
              std::to_string(i) + ".tif";
    e.frames = 40;
    e.status = IndexStatus::kUsable;
    e.size_bytes = 123456789;
    e.mtime_ns = 1700000000000000000LL + i;
    index.entries.push_back(std::move(e));
  }
  return index;
}

bool has_temporary(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

// SIGKILL a process that rewrites a multi-megabyte index over and over, at random moments: the
// index must always be one complete version, never a torn mixture or a partial file. The child
// writes pre-formatted text through write_file_atomic, which is all write_index_csv does after
// formatting, so that kills land in the write rather than in the (slow under sanitizers) format.
TEST(IndexProcesses, KilledWhileWritingLeavesACompleteIndex) {
  TempDir dir;
  const fs::path csv = dir.path() / kIndexFileName;
  const std::string text_a = format_index_csv(big_index(20000, 1));
  const std::string text_b = format_index_csv(big_index(20000, 2));
  detail::write_file_atomic(csv, text_a);
  std::mt19937 rng(12345);
  int temp_left = 0;
  constexpr int kKills = 20;
  for (int k = 0; k < kKills; ++k) {
    const pid_t child = fork_child([&] {
      for (;;) {
        detail::write_file_atomic(csv, text_b);
        detail::write_file_atomic(csv, text_a);
      }
    });
    // Wait until the child is inside its write loop, then kill it a random moment later.
    for (int i = 0; i < 5000 && !has_temporary(dir.path()); ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    ::kill(child, SIGKILL);
    EXPECT_EQ(wait_exit_code(child), 128 + SIGKILL);
    const std::string now = detail::read_file(csv);
    EXPECT_TRUE(now == text_a || now == text_b) << "torn index after kill " << k;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
      const std::string name = entry.path().filename().string();
      if (name == kIndexFileName) continue;
      EXPECT_TRUE(name.starts_with(std::string(kIndexFileName) + ".tmp-")) << name;
      ++temp_left;
      fs::remove(entry.path());
    }
  }
  EXPECT_EQ(read_index_csv(csv).entries.size(), 20000u);  // and it parses
  // Evidence that kills landed mid-write (a temporary was being filled), not only between writes.
  EXPECT_GT(temp_left, 0);
  std::printf("[ info ] %d of %d kills interrupted a write (temporary left behind)\n", temp_left,
              kKills);
}

TEST(IndexProcesses, StaleTemporariesFromAKilledWriterAreRemovedUnderTheLock) {
  TempDir dir;
  const fs::path root = dir.path() / "raw";
  const fs::path datasets = dir.path() / "datasets";
  write_bytes(root / "a.tif", 1);
  write_bytes(datasets / (std::string(kIndexFileName) + ".tmp-999-0-abc"), 100);
  write_bytes(datasets / "unrelated.tmp-1", 1);
  FakeScreener screener;
  update_index(test_support::fake_options(root, datasets, screener), Reporter());
  EXPECT_FALSE(fs::exists(datasets / (std::string(kIndexFileName) + ".tmp-999-0-abc")));
  EXPECT_TRUE(fs::exists(datasets / "unrelated.tmp-1"));
}

}  // namespace
}  // namespace flamecare
