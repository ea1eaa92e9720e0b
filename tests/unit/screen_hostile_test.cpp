// Issue 7, inputs: crafted raw files and sidecars that crashed, hung or misled screening (SIGFPE,
// bad_alloc, stack overflow, FIFO hangs, wrong reasons, raw bytes in reasons). Each must give one
// clean reason code with a UTF-8 one-line detail, within seconds.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "flamecare/screen.hpp"
#include "io/scanimage_detail.hpp"
#include "pipeline/frame_sums.hpp"
#include "support/crafted_inputs.hpp"
#include "support/process.hpp"
#include "support/scratch_dir.hpp"
#include "util/text.hpp"

namespace fc = flamecare;
namespace fs = std::filesystem;

namespace {

const fs::path kBigTiff =
    std::string(FLAMECARE_FIXTURES_DIR) + "/real/tiffstack/TS_UnitTestImage_BigTIFF.tif";

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), std::streamsize(bytes.size()));
}

// Runs `fn` in a child process: true when it returns within `seconds` (a hang or a crash there
// fails the test instead of stopping the whole test binary).
bool finishes_in_time(const std::function<bool()>& fn, int seconds = 20) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::alarm(unsigned(seconds));
    ::_exit(fn() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

class ScreenHostile : public testing::Test {
 protected:
  // Screens `file`; expects reason `code` and `fragment` in a one-line, valid UTF-8 detail.
  fc::ScreenResult expect_reason(const fs::path& file, fc::ScreenReason code,
                                 const std::string& fragment) {
    const fc::ScreenResult r = fc::screen_raw_image(file);
    EXPECT_FALSE(r.usable()) << file;
    EXPECT_EQ(r.reason_code(), fc::to_string(code)) << r.reason_text();
    EXPECT_NE(r.detail.find(fragment), std::string::npos) << r.reason_text();
    EXPECT_TRUE(fc::detail::is_valid_utf8(r.reason_text())) << r.reason_text();
    EXPECT_EQ(r.reason_text().find_first_of("\r\n"), std::string::npos) << r.reason_text();
    return r;
  }
  fs::path stack(const std::string& name, const std::string& tif, const std::string& sidecar) {
    write(dir_ / (name + ".tif"), tif);
    if (!sidecar.empty()) write(dir_ / (name + ".tileData.txt"), sidecar);
    return dir_ / (name + ".tif");
  }
  flamecare::test_support::ScratchDir dir_;
};

}  // namespace

TEST_F(ScreenHostile, ImpossibleHeaderCountsAreCorruptNotSigfpe) {
  expect_reason(stack("si3", fc::test::si3_huge_counts(), fc::test::sidecar_json(1)),
                fc::ScreenReason::kCorrupt,
                "state.acq.numberOfChannelsSave = 65536 is out of range (1..64)");
  expect_reason(stack("si5", fc::test::si5_huge_counts(), fc::test::sidecar_json(1)),
                fc::ScreenReason::kCorrupt,
                "SI.hStackManager.numSlices = 536870912 is out of range (1..1000000)");
}

TEST_F(ScreenHostile, DeclaredPixelsBeyondTheFileAreCorruptAndNeverAllocated) {
  const auto huge = stack("huge", fc::test::huge_overlapping_strips(), fc::test::sidecar_json(1));
  EXPECT_EQ(fs::file_size(huge), 1000290u);
  expect_reason(huge, fc::ScreenReason::kCorrupt,
                "page 0 declares 100000x100000 uint16 pixels (20000000000 bytes), more than the "
                "whole file has (1000290)");
  // Reading it for a dataset is an Error for this image (skipped), never bad_alloc.
  try {
    fc::detail::sum_frame_pair(huge, {0, 1}, {0, 1}, 0, fc::Reporter{});
    ADD_FAILURE() << "no error";
  } catch (const fc::RawFileError& e) {
    EXPECT_EQ(e.reason(), fc::ScreenReason::kCorrupt) << e.what();
  }
  expect_reason(stack("shared", fc::test::shared_strips(), fc::test::sidecar_json(2)),
                fc::ScreenReason::kCorrupt,
                "page 1 strip 0 (bytes 152..2200) overlaps page 0 strip 0 (bytes 152..2200)");
  fc::test::ClassicTiffSpec header;  // the only strip is the file header itself
  header.description = fc::test::si3_description(1, 1, 1);
  header.layout = [](int, std::uint32_t, std::uint64_t bytes) {
    return fc::test::StripLayout{{0}, {std::uint32_t(bytes)}, std::string(bytes, 'x')};
  };
  expect_reason(stack("header", fc::test::classic_tiff(header), fc::test::sidecar_json(1)),
                fc::ScreenReason::kCorrupt,
                "page 0 strip 0 (bytes 0..2048) overlaps the file header (bytes 0..8)");
}

TEST_F(ScreenHostile, IfdLoopIsCorruptNotFramesMismatch) {
  expect_reason(stack("loop", fc::test::self_loop_ifd(), fc::test::sidecar_json(2)),
                fc::ScreenReason::kCorrupt,
                "IFD loop: the IFD after page 1 points back to byte 690, an earlier IFD");
  fc::test::ClassicTiffSpec one;  // the first IFD names itself: one page repeating forever
  one.description = fc::test::si3_description(2, 1, 1);
  one.self_loop = true;
  expect_reason(stack("loop1", fc::test::classic_tiff(one), fc::test::sidecar_json(2)),
                fc::ScreenReason::kCorrupt, "IFD loop: the IFD after page 0 points back");
}

TEST_F(ScreenHostile, BigTiffCutTo8To15BytesIsTruncated) {
  const std::string data = flamecare::test_support::slurp(kBigTiff);
  for (std::size_t n = 8; n < 16; ++n) {
    write(dir_ / "cut.tif", data.substr(0, n));
    expect_reason(dir_ / "cut.tif", fc::ScreenReason::kTruncated,
                  "the BigTIFF header needs 16 bytes but the file has " + std::to_string(n));
  }
  write(dir_ / "cut.tif", std::string("II*\0\x08", 5));  // a classic magic, 5 of 8 header bytes
  expect_reason(dir_ / "cut.tif", fc::ScreenReason::kTruncated, "header needs 8 bytes");
}

TEST_F(ScreenHostile, FifoTiffAndFifoSidecarNeverBlock) {
  ASSERT_EQ(::mkfifo((dir_ / "fifo.tif").c_str(), 0644), 0);
  EXPECT_TRUE(finishes_in_time([&] {
    const auto r = fc::screen_raw_image(dir_ / "fifo.tif");
    return r.reason == fc::ScreenReason::kUnreadable && r.detail == "is a FIFO, not a regular file";
  }));
  const auto tif = stack("s", fc::test::si3_stack(1), "");
  ASSERT_EQ(::mkfifo((dir_ / "s.tileData.txt").c_str(), 0644), 0);
  EXPECT_TRUE(finishes_in_time([&] {
    const auto r = fc::screen_raw_image(tif);
    return r.reason == fc::ScreenReason::kBadSidecar &&
           r.detail.ends_with("s.tileData.txt: is a FIFO, not a regular file");
  }));
}

TEST_F(ScreenHostile, SidecarsThatAreNotJsonTextSayWhatTheyAre) {
  const auto tif = stack("s", fc::test::si3_stack(1), fc::test::deep_sidecar());
  const auto sidecar = dir_ / "s.tileData.txt";
  EXPECT_TRUE(finishes_in_time([&] {  // stack overflow (SIGSEGV) before the fix
    return fc::screen_raw_image(tif).detail.find("JSON nested deeper than 64 levels (at byte ") !=
           std::string::npos;
  }));
  expect_reason(tif, fc::ScreenReason::kBadSidecar, "JSON nested deeper than 64 levels");
  write(sidecar, fc::test::utf16_sidecar(1));
  expect_reason(tif, fc::ScreenReason::kBadSidecar,
                "looks like UTF-16 text (byte-order mark FF FE), not UTF-8 JSON");
  write(sidecar, fc::test::utf16_sidecar(1).substr(2));  // no byte-order mark
  expect_reason(tif, fc::ScreenReason::kBadSidecar,
                "has a NUL byte at byte 1: looks like UTF-16 or binary data");
  write(sidecar, "{\"TileData\": {\"caf\xE9\": 1}}");  // Latin-1, not UTF-8
  expect_reason(tif, fc::ScreenReason::kBadSidecar, "is not UTF-8 text (byte E9 at byte 18)");
  fs::remove(sidecar);
  fs::create_directory(sidecar);
  expect_reason(tif, fc::ScreenReason::kBadSidecar, "is a directory, not a regular file");
  fs::remove(sidecar);
  fs::create_symlink("/dev/zero", sidecar);  // read without limit until bad_alloc before the fix
  expect_reason(tif, fc::ScreenReason::kBadSidecar, "is a character device, not a regular file");
  fs::remove(sidecar);
  fs::create_symlink("nowhere.txt", sidecar);
  expect_reason(tif, fc::ScreenReason::kBadSidecar, "is a dangling symlink");
  fs::remove(sidecar);
  write(sidecar, fc::test::sidecar_json(1) + std::string(fc::kMaxSidecarBytes, ' '));
  expect_reason(tif, fc::ScreenReason::kBadSidecar, "more than the 4194304 bytes allowed");
  fs::remove(sidecar);
  expect_reason(tif, fc::ScreenReason::kNoSidecar, "s.tileData.txt does not exist");
  write(sidecar, fc::test::sidecar_json(1));
  EXPECT_TRUE(fc::screen_raw_image(tif).usable());
}

TEST_F(ScreenHostile, PathsThatAreNotUtf8AreEscapedInReasons) {
  const std::string name = "caf\xE9";  // a Latin-1 file name
  const auto tif = stack(name, fc::test::si3_stack(1), "");
  expect_reason(tif, fc::ScreenReason::kNoSidecar, "caf\\xE9.tileData.txt does not exist");
  write(dir_ / (name + ".tileData.txt"), fc::test::sidecar_json(1));
  EXPECT_TRUE(fc::screen_raw_image(tif).usable());
}

TEST_F(ScreenHostile, PagesShortOfBytesOrTooWideAreRefused) {
  // Two strips of 100 bytes for a 2048-byte page, in a file larger than the page. (With one strip
  // libtiff itself replaces a byte count that is too small by the page size, and the strip then
  // passes the end: truncated.)
  fc::test::ClassicTiffSpec shortpage;
  shortpage.description = fc::test::si3_description(1, 1, 1);
  shortpage.rows_per_strip = 16;
  shortpage.layout = [](int, std::uint32_t at, std::uint64_t) {
    return fc::test::StripLayout{{at, at + 100}, {100, 100}, std::string(3000, 'x')};
  };
  expect_reason(stack("short", fc::test::classic_tiff(shortpage), fc::test::sidecar_json(1)),
                fc::ScreenReason::kCorrupt,
                "page 0 holds 200 pixel bytes but 32x32 uint16 needs 2048");
  fc::test::ClassicTiffSpec wide;  // 70000 x 1 uint8: fits in the file, wider than 65536
  wide.width = 70000;
  wide.height = 1;
  wide.bits = 8;
  wide.description = fc::test::si3_description(1, 1, 1);
  expect_reason(stack("wide", fc::test::classic_tiff(wide), fc::test::sidecar_json(1)),
                fc::ScreenReason::kUnsupported,
                "page 0 is 70000x1 uint8 pixels, more than 65536 on a side");
}

TEST_F(ScreenHostile, StaticHeaderAbove16MiBIsUnsupported) {
  std::string data = flamecare::test_support::slurp(kBigTiff).substr(0, 32);
  const std::uint32_t size0 = (16u << 20) + 1;
  std::memcpy(data.data() + 24, &size0, 4);  // size0 of the static block (little-endian host)
  data.resize(32 + size0 + 64, ' ');
  expect_reason(stack("big", data, ""), fc::ScreenReason::kUnsupported,
                "the static header text has 16777217 bytes, more than the 16777216 flamecare "
                "reads");
}

TEST_F(ScreenHostile, AFileThatShrinksAfterOpeningIsTruncatedWhenRead) {
  const auto tif = stack("shrinks", fc::test::si3_stack(2), "");
  const fc::ScanImageReader reader(tif);
  std::vector<std::byte> page(reader.page_bytes());
  reader.read_page(1, page);
  fs::resize_file(tif, 300);
  try {
    reader.read_page(1, page);
    ADD_FAILURE() << "no error";
  } catch (const fc::RawFileError& e) {
    EXPECT_EQ(e.reason(), fc::ScreenReason::kTruncated) << e.what();
    EXPECT_NE(e.detail().find("page 1 strip at byte"), std::string::npos) << e.detail();
  }
  // The rows a blocked sum reads: the same error, never a SIGBUS (pages are read, not mapped).
  std::vector<std::byte> rows(page.size() / std::size_t(reader.info().height));
  try {
    reader.read_rows(1, reader.info().height - 1, 1, rows);
    ADD_FAILURE() << "no error";
  } catch (const fc::RawFileError& e) {
    EXPECT_EQ(e.reason(), fc::ScreenReason::kTruncated) << e.what();
  }
}
