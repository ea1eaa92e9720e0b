// Rows read in place through a memory map (ScanImageReader::with_rows, detail::MappedFile): the
// same bytes as pread gives, no copy where one strip holds the rows, and a file that shrinks while
// mapped is an error, not a SIGBUS that kills the process.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flamecare/error.hpp"
#include "flamecare/scanimage.hpp"
#include "flamecare/screen.hpp"
#include "flamecare/synth.hpp"
#include "io/mapped_file.hpp"
#include "support/libtiff_stack.hpp"
#include "support/scratch_dir.hpp"

namespace fc = flamecare;
namespace fs = std::filesystem;

namespace {

const long kPage = ::sysconf(_SC_PAGESIZE);

// A file of `pages` pages of byte value 7, open read-only.
int make_file(const fs::path& path, int pages) {
  const int w = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const std::vector<char> bytes(std::size_t(kPage) * std::size_t(pages), 7);
  EXPECT_EQ(::write(w, bytes.data(), bytes.size()), ssize_t(bytes.size()));
  ::close(w);
  return ::open(path.c_str(), O_RDONLY);
}

struct Touch {
  const std::byte* at;
  int seen;
};

void touch(void* arg) {
  auto* t = static_cast<Touch*>(arg);
  t->seen = int(*static_cast<const volatile std::byte*>(t->at));
}

}  // namespace

// The guard turns the SIGBUS of a vanished page into `false`, again and again, and lets reads of
// pages still there complete.
TEST(MappedFile, GuardTurnsSigbusOfATruncatedFileIntoFalse) {
  const fc::test_support::ScratchDir scratch;
  const fs::path& dir = scratch.path();
  const int fd = make_file(dir / "f", 3);
  fc::detail::MappedFile map(fd, std::uint64_t(3 * kPage));
  ASSERT_TRUE(map.valid());
  ASSERT_EQ(::truncate((dir / "f").c_str(), kPage), 0);
  for (int round = 0; round < 3; ++round) {
    Touch inside{map.at(std::uint64_t(kPage / 2)), -1};
    EXPECT_TRUE(map.run_guarded(touch, &inside));
    EXPECT_EQ(inside.seen, 7);
    Touch gone{map.at(std::uint64_t(2 * kPage + 5)), -1};
    EXPECT_FALSE(map.run_guarded(touch, &gone)) << "round " << round;
    EXPECT_EQ(gone.seen, -1);
  }
  ::close(fd);
}

// Outside a guard a SIGBUS keeps its default action: the handler claims only its own faults.
TEST(MappedFileDeathTest, SigbusOutsideTheGuardStillKills) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const fc::test_support::ScratchDir scratch;
  const fs::path& dir = scratch.path();
  const int fd = make_file(dir / "f", 2);
  fc::detail::MappedFile map(fd, std::uint64_t(2 * kPage));
  Touch warm{map.at(0), -1};
  ASSERT_TRUE(map.run_guarded(touch, &warm));  // the handler is installed now
  ASSERT_EQ(::truncate((dir / "f").c_str(), 0), 0);
  Touch gone{map.at(std::uint64_t(kPage + 1)), -1};
  EXPECT_DEATH(touch(&gone), "");
  ::close(fd);
}

// Exceptions from the guarded function pass through and leave no guard behind.
TEST(MappedFile, ExceptionsPassThroughTheGuard) {
  const fc::test_support::ScratchDir scratch;
  const fs::path& dir = scratch.path();
  const int fd = make_file(dir / "f", 1);
  fc::detail::MappedFile map(fd, std::uint64_t(kPage));
  EXPECT_THROW(map.run_guarded([](void*) { throw fc::Error(fc::ErrorKind::kIo, "x"); }, nullptr),
               fc::Error);
  Touch t{map.at(0), -1};
  EXPECT_TRUE(map.run_guarded(touch, &t));
  EXPECT_EQ(t.seen, 7);
  EXPECT_FALSE(fc::detail::MappedFile(fd, 0).valid());
  ::close(fd);
}

// with_rows hands the same rows as read_rows for every page list and row range, in either byte
// order and across strip boundaries; rows one strip holds in a little-endian file are not copied.
TEST(ScanImageReaderRows, WithRowsGivesTheRowsOfReadRows) {
  const fc::test_support::ScratchDir scratch;
  const fs::path& dir = scratch.path();
  for (const auto& [mode, rows_per_strip] :
       {std::pair<std::string, int>{"wb", 2}, {"w", 1}, {"w", 3}, {"w", 7}}) {
    SCOPED_TRACE(mode + " " + std::to_string(rows_per_strip));
    fc::test::TiffSpec spec;
    spec.mode = mode;
    spec.rows_per_strip = rows_per_strip;
    spec.height = 7;
    fc::test::write_libtiff(dir / "rows.tif", spec);
    const fc::ScanImageReader r(dir / "rows.tif");
    const std::vector<std::size_t> pages = {1, 0};
    for (int first = 0; first < 7; ++first) {
      for (int rows = 1; rows <= 7 - first; ++rows) {
        std::vector<std::byte> buffer;
        std::vector<std::vector<std::byte>> got;
        r.with_rows(pages, first, rows, buffer, [&](std::span<const std::byte* const> p) {
          for (const std::byte* rows_of_page : p)
            got.emplace_back(rows_of_page, rows_of_page + rows * 5 * 2);
        });
        ASSERT_EQ(got.size(), 2u);
        for (std::size_t k = 0; k < 2; ++k) {
          std::vector<std::byte> want(std::size_t(rows) * 5 * 2);
          r.read_rows(pages[k], first, rows, want);
          EXPECT_EQ(got[k], want) << "page " << pages[k] << " rows " << first << "+" << rows;
        }
        const bool one_strip = first / rows_per_strip == (first + rows - 1) / rows_per_strip;
        if (mode == "w" && one_strip) {
          EXPECT_TRUE(buffer.empty()) << first << "+" << rows;
        }
        if (mode == "wb") {
          EXPECT_FALSE(buffer.empty());
        }
      }
    }
    std::vector<std::byte> buffer;
    const std::vector<std::size_t> bad_page = {0, 2};
    EXPECT_THROW(r.with_rows(bad_page, 0, 1, buffer, [](auto) {}), fc::Error);
    EXPECT_THROW(r.with_rows(pages, 6, 2, buffer, [](auto) {}), fc::Error);
  }
}

// A stack truncated after it was opened: reading its rows in place is a `truncated` error naming
// the file, and the process lives on.
TEST(ScanImageReaderRows, FileTruncatedWhileOpenIsAnErrorNotASigbus) {
  const fc::test_support::ScratchDir scratch;
  const fs::path& dir = scratch.path();
  fc::StackSpec spec;
  spec.frames = 4;
  spec.channels = 1;
  spec.height = 256;
  spec.width = 256;
  spec.frames_per_slice = 4;
  const auto file = dir / "stack.tif";
  fc::write_scanimage_tiff(file, spec, [](int p, int y, int x) { return p + y + x; });
  const fc::ScanImageReader r(file);
  std::vector<std::byte> buffer;
  const std::vector<std::size_t> first = {0}, last = {3};
  int calls = 0;
  r.with_rows(first, 0, 16, buffer, [&](auto) { ++calls; });
  fs::resize_file(file, fs::file_size(file) / 2);
  try {
    r.with_rows(last, 200, 16, buffer, [&](std::span<const std::byte* const> p) {
      calls += int(*static_cast<const volatile std::byte*>(p[0]) == std::byte{0});
      calls += 100;
    });
    ADD_FAILURE() << "rows of a truncated file were read";
  } catch (const fc::RawFileError& e) {
    EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
    EXPECT_EQ(e.reason(), fc::ScreenReason::kTruncated);
    EXPECT_NE(std::string(e.what()).find("stack.tif"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated while being read"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(calls, 1);
}
