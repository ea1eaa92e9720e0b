// screen_raw_image: every reason code from a real or synthetic bad input, and usable files.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "flamecare/screen.hpp"
#include "flamecare/synth.hpp"
#include "support/libtiff_stack.hpp"

namespace fc = flamecare;
namespace fs = std::filesystem;
using namespace std::string_literals;

namespace {

const std::string kReal = std::string(FLAMECARE_FIXTURES_DIR) + "/real/";
const fs::path kBigTiff = kReal + "tiffstack/TS_UnitTestImage_BigTIFF.tif";

class Screen : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("flamecare_screen_" + std::to_string(::getpid()) + "_" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A synthetic stack with `frames` pages per channel and a sidecar saying `per_tile` frames.
  fs::path stack(const std::string& name, int frames, std::optional<int> fps, int per_tile,
                 int channels = 2) {
    fc::StackSpec spec;
    spec.frames = frames;
    spec.channels = channels;
    spec.height = 16;
    spec.width = 12;
    spec.frames_per_slice = fps;
    const auto file = dir_ / name;
    fc::write_scanimage_tiff(file, spec, [](int p, int y, int x) { return p + y - x; });
    fc::TileDataSpec tile;
    tile.frames_per_tile = per_tile;
    tile.channels = channels;
    tile.height = 16;
    tile.width = 12;
    tile.bidirectional_correction = 2;
    fc::write_tile_data(file, tile);
    return file;
  }
  void copy_prefix(const fs::path& from, const fs::path& to, std::size_t bytes) {
    std::ifstream in(from, std::ios::binary);
    std::string data(bytes, '\0');
    in.read(data.data(), std::streamsize(bytes));
    std::ofstream(to, std::ios::binary).write(data.data(), std::streamsize(bytes));
  }
  void expect_reason(const fs::path& file, std::string_view code, const std::string& detail) {
    const auto r = fc::screen_raw_image(file);
    EXPECT_FALSE(r.usable()) << file;
    EXPECT_EQ(r.frames, -1);
    EXPECT_EQ(r.reason_code(), code) << r.reason_text();
    EXPECT_NE(r.detail.find(detail), std::string::npos) << r.reason_text();
    EXPECT_EQ(r.reason_text().find('\n'), std::string::npos) << r.reason_text();
    EXPECT_NE(std::find(fc::kScreenReasons.begin(), fc::kScreenReasons.end(), code),
              fc::kScreenReasons.end());
  }

  fs::path dir_;
};

}  // namespace

TEST(ScreenReasons, DocumentedOrder) {
  const std::vector<std::string_view> expected = {
      "unreadable",  "empty",       "not_tiff",   "truncated",   "corrupt",        "not_scanimage",
      "unsupported", "multi_slice", "no_sidecar", "bad_sidecar", "frames_mismatch"};
  EXPECT_EQ(fc::kScreenReasons, expected);
}

TEST_F(Screen, UsableStack) {
  const auto file = stack("good.tif", 5, 5, 5);
  const auto r = fc::screen_raw_image(file);
  EXPECT_TRUE(r.usable()) << r.reason_text();
  EXPECT_EQ(r.frames, 5);
  EXPECT_EQ(r.reason, fc::ScreenReason::kNone);
  EXPECT_EQ(r.reason_text(), "");
  EXPECT_EQ(r.reason_code(), "");
  ASSERT_TRUE(r.info && r.tile);
  EXPECT_EQ(r.info->channels, 2);
  EXPECT_EQ(r.tile->bidirectional_correction, 2);
  // framesPerSlice Inf: frames come from the pages.
  EXPECT_EQ(fc::screen_raw_image(stack("inf.tif", 4, std::nullopt, 4, 1)).frames, 4);
}

TEST_F(Screen, SidecarChannelDisagreementIsNotAReason) {
  const auto file = stack("c.tif", 3, 3, 3, 2);
  fc::TileDataSpec tile;
  tile.frames_per_tile = 3;
  tile.channels = 3;
  fc::write_tile_data(file, tile);
  const auto r = fc::screen_raw_image(file);
  EXPECT_TRUE(r.usable()) << r.reason_text();
  EXPECT_EQ(r.tile->channels_saved, "[1,2,3]");
  EXPECT_EQ(r.info->channels, 2);
}

TEST_F(Screen, Unreadable) {
  expect_reason(dir_ / "missing.tif", "unreadable", "no such file");
  fs::create_directories(dir_ / "x.tif");
  expect_reason(dir_ / "x.tif", "unreadable", "is a directory");
}

TEST_F(Screen, UnreadablePermissions) {
  const auto file = stack("locked.tif", 2, 2, 2);
  ::chmod(file.c_str(), 0);
  if (::geteuid() != 0) {
    expect_reason(file, "unreadable", "cannot open: Permission denied");
    return;
  }
  // Root reads anything: screen in a child that drops to user nobody (65534) first.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    if (std::ifstream(file).is_open()) ::_exit(4);  // still readable: cannot test here
    const auto r = fc::screen_raw_image(file);
    ::_exit(r.reason_code() == "unreadable" &&
                    r.detail.find("Permission denied") != std::string::npos
                ? 0
                : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 4)
    GTEST_SKIP() << "cannot drop root privileges to make a file unreadable (code "
                 << WEXITSTATUS(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "screening as nobody did not give unreadable";
}

TEST_F(Screen, EmptyAndNotTiff) {
  std::ofstream(dir_ / "empty.tif").close();
  expect_reason(dir_ / "empty.tif", "empty", "empty file (0 bytes)");
  std::ofstream(dir_ / "garbage.tif") << std::string(300, '\x5a');
  expect_reason(dir_ / "garbage.tif", "not_tiff", "not a TIFF file");
}

TEST_F(Screen, TruncatedRealBigTiff) {
  copy_prefix(kBigTiff, dir_ / "pix.tif", 1200000);  // inside page 2's pixels
  expect_reason(dir_ / "pix.tif", "truncated",
                "page 2 strip 0 ends at byte 1589756 but the file has 1200000 bytes");
  copy_prefix(kBigTiff, dir_ / "ifd.tif", 536412 + 100);  // inside page 1's IFD
  expect_reason(dir_ / "ifd.tif", "truncated", "the IFD at byte 536412 of page 1 ends at byte");
}

TEST_F(Screen, CorruptIfd) {
  // A valid header whose first IFD declares 65535 entries (libtiff's sanity check rejects it).
  std::string bytes = "II*\0\x08\0\0\0"s + std::string("\xff\xff", 2) + std::string(64, '\x01');
  std::ofstream(dir_ / "bad.tif", std::ios::binary) << bytes;
  expect_reason(dir_ / "bad.tif", "corrupt",
                "the IFD of page 0 at byte 8 declares 65535 entries (a valid IFD has 1..4096)");
}

TEST_F(Screen, CorruptPageSize) {
  // The real BigTIFF with page 1's ImageWidth (first entry of the IFD at 536412) set to 256.
  std::ifstream in(kBigTiff, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(data.size(), 1589756u);
  ASSERT_EQ(data.substr(536412 + 8, 2), std::string("\x00\x01", 2));  // tag 256
  data[536412 + 8 + 12] = 0;  // value 512 (00 02) → 256 (00 01)
  data[536412 + 8 + 13] = 1;
  std::ofstream(dir_ / "mixed.tif", std::ios::binary) << data;
  expect_reason(dir_ / "mixed.tif", "corrupt", "page 1 is 256x512");
}

TEST_F(Screen, NotScanImage) {
  expect_reason(kReal + "tiffstack/TS_UnitTestImage.tif", "not_scanimage", "no SI.* metadata");
  expect_reason(kReal + "imagej_resave/test_00001.tif", "not_scanimage", "no SI.* metadata");
}

TEST_F(Screen, Unsupported) {
  fc::test::TiffSpec lzw;  // SI 3.x description, LZW-compressed pages
  lzw.compression = COMPRESSION_LZW;
  fc::test::write_libtiff(dir_ / "lzw.tif", lzw);
  expect_reason(dir_ / "lzw.tif", "unsupported", "page 0 is compressed (compression 5)");
  fc::test::TiffSpec f64;
  f64.bits = 64;
  f64.format = SAMPLEFORMAT_IEEEFP;
  fc::test::write_libtiff(dir_ / "f64.tif", f64);
  expect_reason(dir_ / "f64.tif", "unsupported",
                "unsupported pixel type (64 bits, sample format 3)");
}

TEST_F(Screen, JsonStaticHeaderIsUnsupported) {
  std::ifstream in(kBigTiff, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(data.substr(32, 3), "SI.");
  data[32] = '{';  // the static text (and the Software tag pointing at it) now starts like JSON
  std::ofstream(dir_ / "json.tif", std::ios::binary) << data;
  expect_reason(dir_ / "json.tif", "unsupported", "JSON header (useJsonHeaderFormat)");
}

TEST_F(Screen, MultiSlice) {
  fc::test::TiffSpec z;
  z.pages = 6;
  z.description =
      "state.software.version=3.8\rstate.acq.numberOfFrames=2\r"
      "state.acq.numberOfChannelsSave=1\rstate.acq.numberOfZSlices=3\r";
  fc::test::write_libtiff(dir_ / "z.tif", z);
  expect_reason(dir_ / "z.tif", "multi_slice", "3 z slices");
  const auto r = fc::screen_raw_image(dir_ / "z.tif");
  ASSERT_TRUE(r.info);
  EXPECT_EQ(r.info->frames, 2);
}

TEST_F(Screen, NoSidecarAndBadSidecar) {
  expect_reason(kBigTiff, "no_sidecar", "TS_UnitTestImage_BigTIFF.tileData.txt does not exist");
  const auto file = stack("s.tif", 2, 2, 2);
  std::ofstream(fc::tile_data_path(file)) << "{\"TileData\": {";
  expect_reason(file, "bad_sidecar", "malformed JSON");
  std::ofstream(fc::tile_data_path(file)) << R"({"TileData": {"tileID": 1}})";
  expect_reason(file, "bad_sidecar", "required key \"tileResolution\"");
}

TEST_F(Screen, FramesMismatch) {
  // The summed image: one frame on disk while the sidecar says 40.
  expect_reason(stack("summed.tif", 1, std::nullopt, 40), "frames_mismatch",
                "1 frame on disk, sidecar framesPerTile 40");
  // Metadata says 40 frames per slice but only 3 frames were written.
  expect_reason(stack("short.tif", 3, 40, 40), "frames_mismatch",
                "6 pages on disk but metadata frames x channels x slices = 40 x 2 x 1 = 80");
}

TEST_F(Screen, EveryTruncationPointIsTruncatedNeverACrash) {
  std::ifstream in(kBigTiff, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::size_t> cuts;
  for (std::size_t n = 1; n < 12000; n += 97) cuts.push_back(n);  // header, static block, IFD 0
  for (std::size_t n = 12000; n < data.size(); n += 40009) cuts.push_back(n);  // pixels, IFDs
  for (std::size_t n = 536412; n < 536412 + 400; n += 13) cuts.push_back(n);   // inside IFD 1
  for (const auto n : cuts) {
    std::ofstream(dir_ / "cut.tif", std::ios::binary | std::ios::trunc)
        .write(data.data(), std::streamsize(n));
    const auto r = fc::screen_raw_image(dir_ / "cut.tif");
    const auto code = r.reason_code();
    // Below 8 bytes there is no complete TIFF header to recognise.
    EXPECT_TRUE(code == "truncated" || (n < 8 && code == "not_tiff"))
        << "cut at " << n << ": " << r.reason_text();
  }
}

TEST_F(Screen, FlippedIfdBytesNeverCrash) {
  std::ifstream in(kBigTiff, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  int usable = 0;
  for (int trial = 0; trial < 150; ++trial) {
    auto copy = data;
    for (int k = 0; k < 4; ++k) {  // damage IFD 0 or IFD 1 (the tag tables)
      const std::size_t base = (next() >> 8) % 2 ? 9740 : 536412;
      copy[base + (next() >> 8) % 376] = char(next() >> 24);
    }
    std::ofstream(dir_ / "flip.tif", std::ios::binary | std::ios::trunc) << copy;
    const auto r = fc::screen_raw_image(dir_ / "flip.tif");
    if (r.usable()) ++usable;
    EXPECT_NE(r.reason_code(), "unreadable") << r.reason_text();
  }
  EXPECT_EQ(usable, 0);  // the real file has no sidecar, so nothing can be usable
}
