// ScanImageReader on real ScanImage files, formula stacks from the synth writer and libtiff-made
// edge cases (big-endian, SI 3.x descriptions, compression, mixed pages, truncation).
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <tiffio.h>

#include "flamecare/error.hpp"
#include "flamecare/scanimage.hpp"
#include "flamecare/synth.hpp"
#include "io/repeated_ifd.hpp"
#include "support/libtiff_stack.hpp"

namespace fc = flamecare;
namespace fs = std::filesystem;

namespace {

const std::string kReal = std::string(FLAMECARE_FIXTURES_DIR) + "/real/";
const std::string kBigTiff = kReal + "tiffstack/TS_UnitTestImage_BigTIFF.tif";
const std::string kSi38 = kReal + "scanimage38/Blank-IPA_1s_16r_032.tif";

fs::path temp_dir(const std::string& name) {
  const auto dir =
      fs::temp_directory_path() / ("flamecare_reader_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

template <class T>
std::vector<T> page_of(const fc::ScanImageReader& r, std::size_t page) {
  const auto& i = r.info();
  std::vector<T> v(std::size_t(i.height) * i.width);
  r.read_page(page, std::as_writable_bytes(std::span(v)));
  return v;
}

void copy_prefix(const fs::path& from, const fs::path& to, std::size_t bytes) {
  std::ifstream in(from, std::ios::binary);
  std::string data(bytes, '\0');
  in.read(data.data(), std::streamsize(bytes));
  std::ofstream(to, std::ios::binary).write(data.data(), std::streamsize(bytes));
}

fc::Error open_error(const fs::path& file) {
  try {
    fc::ScanImageReader r(file);
  } catch (const fc::Error& e) {
    return e;
  }
  ADD_FAILURE() << file << " opened without error";
  return fc::Error(fc::ErrorKind::kInternal, "none");
}

bool contains(const fc::Error& e, const std::string& s) {
  return std::string(e.what()).find(s) != std::string::npos;
}

}  // namespace

TEST(ScanImageReader, RealBigTiff2016) {
  fc::ScanImageReader r(kBigTiff);
  const auto& i = r.info();
  EXPECT_TRUE(i.big_tiff);
  EXPECT_EQ(i.header_version, 3);
  EXPECT_EQ(i.scanimage_version, "2016");
  EXPECT_EQ(i.flavor, "ScanImage 2016+ BigTIFF (static header v3)");
  EXPECT_EQ(i.channels, 1);
  EXPECT_EQ(i.saved_channels, std::vector<int>({2}));  // channelSave = 2 (scalar)
  EXPECT_EQ(i.frames, 3);                              // framesPerSlice = Inf → pages
  EXPECT_EQ(i.slices, 1);
  EXPECT_EQ(i.height, 512);
  EXPECT_EQ(i.width, 512);
  EXPECT_EQ(i.pixel_type, fc::PixelType::kInt16);
  EXPECT_EQ(i.pages, 3u);
  EXPECT_EQ(i.file_size, 1589756u);
  EXPECT_EQ(i.metadata.at("SI.TIFF_FORMAT_VERSION"), "3");
  const long long expected[] = {1576437, 1538339, 1567693};
  long long total = 0;
  for (std::size_t p = 0; p < 3; ++p) {
    const auto v = page_of<std::int16_t>(r, p);
    long long sum = 0;
    for (auto x : v) sum += x;
    EXPECT_EQ(sum, expected[p]) << "page " << p;
    total += sum;
  }
  EXPECT_EQ(total, 4682469);
  EXPECT_EQ(page_of<std::int16_t>(r, 0)[0], -6);
  EXPECT_EQ(page_of<std::int16_t>(r, 1)[10 * 512 + 20], -9);
  EXPECT_EQ(page_of<std::int16_t>(r, 2)[511 * 512 + 511], 12);
}

TEST(ScanImageReader, RealScanImage38) {
  fc::ScanImageReader r(kSi38);
  const auto& i = r.info();
  EXPECT_FALSE(i.big_tiff);
  EXPECT_EQ(i.header_version, 0);
  EXPECT_EQ(i.scanimage_version, "3.8");
  EXPECT_EQ(i.frames, 30);
  EXPECT_EQ(i.channels, 1);
  EXPECT_EQ(i.slices, 1);
  EXPECT_EQ(i.pages, 30u);
  EXPECT_EQ(i.pixel_type, fc::PixelType::kUint16);
  EXPECT_EQ(i.height, 64);
  EXPECT_EQ(i.width, 64);
  long long total = 0;
  for (std::size_t p = 0; p < 30; ++p)
    for (auto x : page_of<std::uint16_t>(r, p)) total += x;
  EXPECT_EQ(total, 5767841);
  EXPECT_EQ(page_of<std::uint16_t>(r, 0)[0], 34);
  EXPECT_EQ(page_of<std::uint16_t>(r, 1)[10 * 64 + 20], 13);
  EXPECT_EQ(page_of<std::uint16_t>(r, 29)[63 * 64 + 63], 45);
}

TEST(ScanImageReader, ImageJFilesAreNotScanImage) {
  testing::internal::CaptureStderr();
  for (const char* f :
       {"tiffstack/TS_UnitTestImage.tif", "tiffstack/TS_UnitTestImage_ImageJ_BigStack_8frames.tif",
        "imagej_resave/test_00001.tif"}) {
    const auto e = open_error(kReal + f);
    EXPECT_EQ(e.kind(), fc::ErrorKind::kUnsupported) << f;
    EXPECT_TRUE(contains(e, "not a ScanImage file (no SI.* metadata)")) << e.what();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");  // libtiff warnings stay silent
}

TEST(ScanImageReader, FormulaStacksEveryTypeExactly) {
  struct Case {
    fc::PixelType type;
    int version, channels;
    std::optional<int> fps;
    std::function<double(int, int, int)> value;
  };
  const std::vector<Case> cases = {
      {fc::PixelType::kInt16, 4, 2, 3,
       [](int p, int y, int x) { return p * 1000 + y * 37 - x * 91 - 500; }},
      {fc::PixelType::kUint16, 3, 1, std::nullopt,
       [](int p, int y, int x) { return p * 9000 + y * 300 + x; }},
      {fc::PixelType::kUint8, 4, 3, 3,
       [](int p, int y, int x) { return (p * 31 + y * 7 + x * 3) % 256; }},
      {fc::PixelType::kInt8, 3, 3, std::nullopt,
       [](int p, int y, int x) { return (p * 31 + y * 7 + x * 3) % 256 - 128; }},
      {fc::PixelType::kFloat32, 4, 1, 3,
       [](int p, int y, int x) { return p + y * 0.25 - x * 0.5; }},
  };
  const auto dir = temp_dir("formula");
  for (const auto& k : cases) {
    SCOPED_TRACE(std::string(fc::pixel_type_name(k.type)));
    fc::StackSpec spec;
    spec.frames = 3;
    spec.channels = k.channels;
    spec.height = 7;
    spec.width = 9;
    spec.pixel_type = k.type;
    spec.header_version = k.version;
    spec.frames_per_slice = k.fps;
    const auto file = dir / (std::string(fc::pixel_type_name(k.type)) + ".tif");
    fc::write_scanimage_tiff(file, spec, k.value);
    fc::ScanImageReader r(file);
    const auto& i = r.info();
    EXPECT_EQ(i.header_version, k.version);
    EXPECT_EQ(i.pixel_type, k.type);
    EXPECT_EQ(i.channels, k.channels);
    EXPECT_EQ(i.frames, 3);
    EXPECT_EQ(i.slices, 1);
    ASSERT_EQ(i.pages, std::size_t(3 * k.channels));
    std::vector<std::byte> buf(7 * 9 * fc::pixel_size(k.type));
    int bad = 0;
    for (int p = 0; p < int(i.pages); ++p) {
      r.read_page(std::size_t(p), buf);
      for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 9; ++x) {
          const auto at = buf.data() + (y * 9 + x) * fc::pixel_size(k.type);
          double got = 0;
          switch (k.type) {
            case fc::PixelType::kInt16: {
              std::int16_t v;
              std::memcpy(&v, at, 2);
              got = v;
              break;
            }
            case fc::PixelType::kUint16: {
              std::uint16_t v;
              std::memcpy(&v, at, 2);
              got = v;
              break;
            }
            case fc::PixelType::kUint8:
              got = double(std::uint8_t(*at));
              break;
            case fc::PixelType::kInt8:
              got = double(std::int8_t(*at));
              break;
            default: {
              float v;
              std::memcpy(&v, at, 4);
              got = v;
              break;
            }
          }
          if (got != k.value(p, y, x) && bad++ < 3)
            ADD_FAILURE() << "page " << p << " y " << y << " x " << x << ": " << got;
        }
    }
    EXPECT_EQ(bad, 0);
  }
  fs::remove_all(dir);
}

TEST(ScanImageReader, BigEndianLegacyDescriptionMultiStrip) {
  const auto dir = temp_dir("bigendian");
  fc::test::TiffSpec spec;
  spec.mode = "wb";
  fc::test::write_libtiff(dir / "be.tif", spec);
  fc::ScanImageReader r(dir / "be.tif");
  EXPECT_EQ(r.info().flavor, "ScanImage 3.x (ImageDescription)");
  EXPECT_EQ(r.info().frames, 2);
  EXPECT_EQ(r.info().pixel_type, fc::PixelType::kInt16);
  for (int p = 0; p < 2; ++p) {
    const auto v = page_of<std::int16_t>(r, std::size_t(p));
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x) EXPECT_EQ(v[std::size_t(y * 5 + x)], p * 100 + y * 10 + x - 20);
  }
  fs::remove_all(dir);
}

TEST(ScanImageReader, Si5DescriptionAfterFrameLines) {
  const auto dir = temp_dir("si5");
  fc::test::TiffSpec spec;
  spec.pages = 4;
  spec.description =
      "frameNumbers = 1\nepoch = [2016 9 30 16 38 52.040]\nscanimage.SI.VERSION_MAJOR = '5.1'\n"
      "scanimage.SI.hChannels.channelSave = [1;2]\nscanimage.SI.hStackManager.framesPerSlice = "
      "2\n";
  fc::test::write_libtiff(dir / "si5.tif", spec);
  fc::ScanImageReader r(dir / "si5.tif");
  EXPECT_EQ(r.info().flavor, "ScanImage 4/5 (ImageDescription)");
  EXPECT_EQ(r.info().channels, 2);
  EXPECT_EQ(r.info().frames, 2);
  EXPECT_EQ(r.info().metadata.count("frameNumbers"), 0u);
  fs::remove_all(dir);
}

TEST(ScanImageReader, RejectsCompressedMixedAndOddTypes) {
  const auto dir = temp_dir("reject");
  testing::internal::CaptureStderr();
  fc::test::TiffSpec lzw;
  lzw.compression = COMPRESSION_LZW;
  fc::test::write_libtiff(dir / "lzw.tif", lzw);
  auto e = open_error(dir / "lzw.tif");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kUnsupported);
  EXPECT_TRUE(contains(e, "compressed")) << e.what();

  fc::test::TiffSpec mixed;
  mixed.page_width = [](int p) { return p == 0 ? 5 : 6; };
  fc::test::write_libtiff(dir / "mixed.tif", mixed);
  e = open_error(dir / "mixed.tif");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
  EXPECT_TRUE(contains(e, "page 1 is 6x4")) << e.what();

  fc::test::TiffSpec f64;
  f64.bits = 64;
  f64.format = SAMPLEFORMAT_IEEEFP;
  fc::test::write_libtiff(dir / "f64.tif", f64);
  e = open_error(dir / "f64.tif");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kUnsupported);
  EXPECT_TRUE(contains(e, "64 bits")) << e.what();
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  fs::remove_all(dir);
}

// Pages whose IFD repeats the last one libtiff read skip libtiff (RepeatedIfd); the others make
// libtiff read every directory up to theirs. Either way each page's own strips are read.
TEST(ScanImageReader, PagesThatDoNotRepeatTheFirstAreReadByLibtiff) {
  const auto dir = temp_dir("repeated");
  testing::internal::CaptureStderr();
  for (const std::string mode : {"w", "wb", "w8"}) {
    SCOPED_TRACE(mode);
    fc::test::TiffSpec spec;
    spec.mode = mode;
    spec.pages = 7;
    spec.description =
        "state.software.version=3.8\rstate.acq.numberOfFrames=7\r"
        "state.acq.numberOfChannelsSave=1\rstate.acq.numberOfZSlices=1\r";
    // Pages 3 and 4 have another resolution, page 6 another orientation.
    spec.page_tags = [](TIFF* t, int p) {
      TIFFSetField(t, TIFFTAG_XRESOLUTION, p == 3 || p == 4 ? 96.0 : 72.0);
      TIFFSetField(t, TIFFTAG_ORIENTATION, p == 6 ? ORIENTATION_BOTLEFT : ORIENTATION_TOPLEFT);
    };
    fc::test::write_libtiff(dir / "pages.tif", spec);
    const std::uint64_t before = fc::detail::RepeatedIfd::pages_repeated();
    fc::ScanImageReader r(dir / "pages.tif");
    ASSERT_EQ(r.info().pages, 7u);
    // Pages 1 and 2 repeat page 0, page 4 repeats page 3; 3, 5 and 6 are read by libtiff.
    EXPECT_EQ(fc::detail::RepeatedIfd::pages_repeated() - before, 3u);
    for (int p = 0; p < 7; ++p) {
      const auto v = page_of<std::int16_t>(r, std::size_t(p));
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 5; ++x)
          ASSERT_EQ(v[std::size_t(y * 5 + x)], p * 100 + y * 10 + x - 20) << "page " << p;
    }
    // A page that differs where it matters, after pages that repeated the first, is named.
    spec.page_width = [](int p) { return p == 5 ? 6 : 5; };
    fc::test::write_libtiff(dir / "mixed.tif", spec);
    const auto e = open_error(dir / "mixed.tif");
    EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
    EXPECT_TRUE(contains(e, "page 5 is 6x4")) << e.what();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  fs::remove_all(dir);
}

TEST(ScanImageReader, TruncatedFilesNameThePageAndBytes) {
  const auto dir = temp_dir("truncated");
  testing::internal::CaptureStderr();
  copy_prefix(kBigTiff, dir / "pix.tif", 700000);  // inside page 1's pixel strip
  auto e = open_error(dir / "pix.tif");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
  EXPECT_TRUE(contains(e,
                       "truncated: page 1 strip 0 ends at byte 1063084 but the file has "
                       "700000 bytes"))
      << e.what();
  copy_prefix(kBigTiff, dir / "ifd.tif", 536500);  // inside page 1's IFD (at 536412)
  e = open_error(dir / "ifd.tif");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
  EXPECT_TRUE(contains(e,
                       "truncated: the IFD at byte 536412 of page 1 ends at byte 536788 but the "
                       "file has 536500 bytes"))
      << e.what();
  copy_prefix(kBigTiff, dir / "ifd0.tif", 9800);  // inside the first IFD
  EXPECT_TRUE(contains(open_error(dir / "ifd0.tif"), "truncated")) << e.what();
  copy_prefix(kBigTiff, dir / "static.tif", 2000);  // inside the static header text
  EXPECT_TRUE(contains(open_error(dir / "static.tif"), "static header needs 8491 bytes"));
  // libtiff's own messages end up in the errors above, never on stderr.
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  fs::remove_all(dir);
}

TEST(ScanImageReader, OpenErrorsByKind) {
  const auto dir = temp_dir("open");
  EXPECT_EQ(open_error(dir / "missing.tif").kind(), fc::ErrorKind::kNotFound);
  EXPECT_EQ(open_error(dir).kind(), fc::ErrorKind::kIo);
  std::ofstream(dir / "empty.tif").close();
  auto e = open_error(dir / "empty.tif");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
  EXPECT_TRUE(contains(e, "empty file (0 bytes)"));
  std::ofstream(dir / "text.tif") << "hello, this is not a TIFF at all, just text.";
  e = open_error(dir / "text.tif");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
  EXPECT_TRUE(contains(e, "not a TIFF file")) << e.what();
  fs::remove_all(dir);
}

TEST(ScanImageReader, ReadPageRejectsBadArguments) {
  fc::ScanImageReader r(kBigTiff);
  std::vector<std::byte> buf(512 * 512 * 2);
  try {
    r.read_page(3, buf);
    FAIL();
  } catch (const fc::Error& e) {
    EXPECT_EQ(e.kind(), fc::ErrorKind::kInvalidArgument);
    EXPECT_TRUE(contains(e, "page 3 out of range (file has 3 pages)")) << e.what();
  }
  buf.resize(100);
  EXPECT_THROW(r.read_page(0, buf), fc::Error);
}

// read_rows gives exactly the rows of read_page, across strip boundaries (2 rows per strip here,
// 1 in the second file) and in either byte order; rows out of range are caller errors.
TEST(ScanImageReader, ReadRowsAreSlicesOfThePage) {
  const auto dir = temp_dir("rows");
  for (const auto& [mode, rows_per_strip] :
       {std::pair<std::string, int>{"wb", 2}, {"w", 1}, {"w", 3}}) {
    SCOPED_TRACE(mode + " " + std::to_string(rows_per_strip));
    fc::test::TiffSpec spec;
    spec.mode = mode;
    spec.rows_per_strip = rows_per_strip;
    spec.height = 7;
    fc::test::write_libtiff(dir / "rows.tif", spec);
    fc::ScanImageReader r(dir / "rows.tif");
    for (std::size_t p = 0; p < 2; ++p) {
      const auto page = page_of<std::int16_t>(r, p);
      for (int first = 0; first < 7; ++first) {
        for (int rows = 0; rows <= 7 - first; ++rows) {
          std::vector<std::int16_t> got(std::size_t(rows) * 5);
          r.read_rows(p, first, rows, std::as_writable_bytes(std::span(got)));
          EXPECT_TRUE(std::equal(got.begin(), got.end(), page.begin() + first * 5))
              << "page " << p << " rows " << first << "+" << rows;
        }
      }
    }
    std::vector<std::byte> buf(2 * 5 * 2);
    for (const auto& [page, first, rows] :
         {std::tuple<std::size_t, int, int>{2, 0, 2}, {0, 6, 2}, {0, -1, 2}, {0, 0, 1}}) {
      try {
        r.read_rows(page, first, rows, buf);
        ADD_FAILURE() << "page " << page << " rows " << first << "+" << rows << " accepted";
      } catch (const fc::Error& e) {
        EXPECT_EQ(e.kind(), fc::ErrorKind::kInvalidArgument) << e.what();
      }
    }
  }
  fs::remove_all(dir);
}

TEST(ScanImageReader, PageReadCostCloseToPlainRead) {
  const auto dir = temp_dir("speed");
  fc::StackSpec spec;
  spec.frames = 40;
  spec.channels = 2;
  spec.height = 512;
  spec.width = 512;
  spec.frames_per_slice = 40;
  const auto file = dir / "speed.tif";
  fc::write_scanimage_tiff(file, spec, [](int p, int y, int x) { return (p + y + x) % 1000; });
  using clock = std::chrono::steady_clock;
  auto best = [](const std::function<void()>& fn) {
    double t = 1e9;
    for (int rep = 0; rep < 5; ++rep) {
      const auto t0 = clock::now();
      fn();
      t = std::min(t, std::chrono::duration<double>(clock::now() - t0).count());
    }
    return t;
  };
  std::vector<std::byte> buf(512 * 512 * 2);
  const double t_reader = best([&] {
    fc::ScanImageReader r(file);
    for (std::size_t p = 0; p < r.info().pages; ++p) r.read_page(p, buf);
  });
  const double t_plain = best([&] {
    // The same bytes with read() into the same reused buffer: the floor for any reader.
    const int fd = ::open(file.c_str(), O_RDONLY);
    while (::read(fd, buf.data(), buf.size()) > 0) {
    }
    ::close(fd);
  });
  std::cout << "[ reader ] open + 80 pages " << t_reader * 1e3 << " ms, plain read "
            << t_plain * 1e3 << " ms, ratio " << t_reader / t_plain << "\n";
  RecordProperty("reader_to_read_ratio", std::to_string(t_reader / t_plain));
  EXPECT_LT(t_reader, 10 * t_plain + 0.05);
  fs::remove_all(dir);
}
