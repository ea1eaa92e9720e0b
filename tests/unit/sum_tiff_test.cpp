#include "flamecare/sum_tiff.hpp"
#include "support/process.hpp"
#include "support/scratch_dir.hpp"

#include <gtest/gtest.h>
#include <tiffio.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <span>
#include <sstream>
#include <string>

#include "flamecare/error.hpp"
#include "io/sum_tiff_internal.hpp"
#include "support/expect_error.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;

using TempDir = flamecare::test_support::ScratchDir;

using test_support::slurp;

// The same formula as sum_tiff_check.py's expected(): wraps like numpy's astype.
template <class T>
T formula(int c, int y, int x) {
  const std::int64_t base = c * 1000 + y * 37 + x;
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(double(base) + 0.25);
  } else if constexpr (sizeof(T) == 8) {
    return std::is_signed_v<T> ? static_cast<T>(base - (std::int64_t{1} << 40))
                               : static_cast<T>(std::uint64_t(base) + (std::uint64_t{1} << 40));
  } else {
    return static_cast<T>(std::is_signed_v<T> ? base - 500 : base);
  }
}

AnyImage formula_image(PixelType type, int channels, int height, int width) {
  AnyImage image = make_image(type, channels, height, width);
  std::visit(
      [](auto& im) {
        using T = typename decltype(im.pixels)::value_type;
        for (int c = 0; c < im.channels; ++c)
          for (int y = 0; y < im.height; ++y)
            for (int x = 0; x < im.width; ++x) im.at(c, y, x) = formula<T>(c, y, x);
      },
      image);
  return image;
}

bool same_image(const AnyImage& a, const AnyImage& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& ia) {
        const auto& ib = std::get<std::decay_t<decltype(ia)>>(b);
        return ia.channels == ib.channels && ia.height == ib.height && ia.width == ib.width &&
               ia.pixels == ib.pixels;
      },
      a);
}

void expect_kind(ErrorKind kind, const std::function<void()>& fn, const std::string& name = "") {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    if (!name.empty()) {
      EXPECT_EQ(std::string(e.what()).rfind(name, 0), 0u) << e.what();
    }
  }
}

int run_python_check(const fs::path& file, PixelType type, int c, int h, int w) {
  const fs::path script =
      fs::path(__FILE__).parent_path().parent_path() / "python/sum_tiff_check.py";
  const std::string cmd = test_support::test_python() + " '" + script.string() + "' '" +
                          file.string() + "' " + std::string(pixel_type_name(type)) + " " +
                          std::to_string(c) + " " + std::to_string(h) + " " + std::to_string(w);
  return std::system(cmd.c_str());
}

constexpr PixelType kAllTypes[] = {PixelType::kInt8,   PixelType::kUint8,  PixelType::kInt16,
                                   PixelType::kUint16, PixelType::kInt32,  PixelType::kUint32,
                                   PixelType::kInt64,  PixelType::kUint64, PixelType::kFloat32,
                                   PixelType::kFloat64};

TEST(SumTiff, RoundTripsEveryPixelType) {
  TempDir dir;
  for (PixelType type : kAllTypes) {
    const fs::path path = dir.path() / (std::string(pixel_type_name(type)) + ".tif");
    const AnyImage image = formula_image(type, 3, 5, 7);
    write_sum_tiff(path, image);
    const AnyImage back = read_sum_tiff(path);
    EXPECT_EQ(pixel_type_of(back), type) << pixel_type_name(type);
    EXPECT_TRUE(same_image(back, image)) << pixel_type_name(type);
  }
}

// One channel read alone (what `patches` does per sample): that plane exactly, the others as
// they were; a channel the file lacks is refused, naming the file.
TEST(SumTiff, OneChannelIsReadAlone) {
  TempDir dir;
  const fs::path path = dir.path() / "a.tif";
  const Image<std::int32_t> image =
      std::get<Image<std::int32_t>>(formula_image(PixelType::kInt32, 3, 5, 7));
  write_sum_tiff(path, AnyImage(image));
  for (int c = 0; c < 3; ++c) {
    // A worker's image of three planes is reused as one plane holding channel c alone.
    AnyImage back = AnyImage(Image<std::int32_t>(3, 5, 7, -1));
    EXPECT_EQ(detail::read_sum_tiff(path, back, c), 3);
    const auto& got = std::get<Image<std::int32_t>>(back);
    ASSERT_EQ(got.channels, 1);
    ASSERT_EQ(got.height, 5);
    ASSERT_EQ(got.width, 7);
    ASSERT_EQ(got.pixels.size(), got.plane_size());
    for (std::size_t i = 0; i < got.plane_size(); ++i)
      EXPECT_EQ(got.plane(0)[i], image.plane(c)[i]) << c << " " << i;
  }
  AnyImage back;
  EXPECT_EQ(detail::read_sum_tiff(path, back), 3);
  EXPECT_EQ(std::get<Image<std::int32_t>>(back).pixels, image.pixels);
  // A channel the file does not have: nothing read, no plane, the file's count returned (the
  // caller tells the user which file has the wrong shape).
  EXPECT_EQ(detail::read_sum_tiff(path, back, 3), 3);
  EXPECT_EQ(std::get<Image<std::int32_t>>(back).channels, 0);
  EXPECT_TRUE(std::get<Image<std::int32_t>>(back).pixels.empty());
}

TEST(SumTiff, TifffileReadsShapedSeries) {
  TempDir dir;
  struct Case {
    PixelType type;
    int c, h, w;
  };
  // 1100 x 1000 int64 is 8.8 MB per plane: two strips per page.
  const Case cases[] = {{PixelType::kInt32, 2, 6, 9},   {PixelType::kUint32, 3, 4, 5},
                        {PixelType::kFloat32, 1, 8, 3}, {PixelType::kInt64, 2, 1100, 1000},
                        {PixelType::kUint64, 2, 3, 3},  {PixelType::kInt16, 4, 2, 6},
                        {PixelType::kUint16, 2, 6, 9},  {PixelType::kInt8, 2, 3, 4},
                        {PixelType::kUint8, 3, 2, 2},   {PixelType::kFloat64, 2, 5, 5}};
  for (const Case& k : cases) {
    const fs::path path = dir.path() / (std::string(pixel_type_name(k.type)) + ".tif");
    const AnyImage image = formula_image(k.type, k.c, k.h, k.w);
    write_sum_tiff(path, image);
    EXPECT_EQ(run_python_check(path, k.type, k.c, k.h, k.w), 0) << pixel_type_name(k.type);
    if (k.h > 1000) {
      EXPECT_TRUE(same_image(read_sum_tiff(path), image));
    }
  }
}

// Strip by strip as `create` writes (strips of a block's rows, a short last strip per page):
// the same pixels as the whole image; tifffile reads it as the numpy formula says.
TEST(SumTiff, WriterStreamsStripsOfAnyHeight) {
  TempDir dir;
  const AnyImage image = formula_image(PixelType::kInt32, 3, 11, 6);
  const auto* bytes =
      reinterpret_cast<const std::byte*>(std::get<Image<std::int32_t>>(image).pixels.data());
  const fs::path path = dir.path() / "streamed.tif";
  detail::SumTiffWriter writer(path, shape_of(image), PixelType::kInt32, 4);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 11; y += 4) {
      const std::size_t row = 6 * sizeof(std::int32_t), rows = std::size_t(std::min(4, 11 - y));
      writer.write_strip(c, y, std::span(bytes + (std::size_t(c) * 11 + y) * row, rows * row));
    }
  }
  EXPECT_FALSE(fs::exists(path));  // only the temporary file until committed
  writer.commit(true, detail::Durability::kNow);
  EXPECT_TRUE(same_image(read_sum_tiff(path), image));
  EXPECT_EQ(run_python_check(path, PixelType::kInt32, 3, 11, 6), 0);
}

// Strips out of order, of the wrong size, or a commit before the last strip are refused naming
// the file; a writer never committed leaves nothing behind.
TEST(SumTiff, WriterRefusesMisuseAndLeavesNoFileUncommitted) {
  TempDir dir;
  const fs::path path = dir.path() / "s.tif";
  const std::vector<std::byte> strip(2 * 5 * sizeof(std::uint16_t));
  {
    detail::SumTiffWriter writer(path, {2, 3, 5}, PixelType::kUint16, 2);
    expect_kind(
        ErrorKind::kInvalidArgument, [&] { writer.write_strip(0, 2, strip); }, path.string());
    expect_kind(ErrorKind::kInvalidArgument, [&] { writer.write_strip(1, 0, strip); });
    expect_kind(ErrorKind::kInvalidArgument,
                [&] { writer.write_strip(0, 0, std::span(strip).first(4)); });
    writer.write_strip(0, 0, strip);
    expect_kind(
        ErrorKind::kInvalidArgument, [&] { writer.commit(false, detail::Durability::kNow); },
        path.string());
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
  expect_kind(ErrorKind::kInvalidArgument, [&] {
    detail::SumTiffWriter(path, {1, 0, 5}, PixelType::kUint16, 2);
  });
}

TEST(SumTiff, NoClobberKeepsExistingFile) {
  TempDir dir;
  const fs::path path = dir.path() / "a.tif";
  { std::ofstream(path) << "precious"; }
  expect_kind(
      ErrorKind::kAlreadyExists,
      [&] { write_sum_tiff(path, formula_image(PixelType::kInt32, 1, 2, 2), true); },
      path.string());
  EXPECT_EQ(slurp(path), "precious");
  write_sum_tiff(path, formula_image(PixelType::kInt32, 1, 2, 2), false);
  EXPECT_TRUE(same_image(read_sum_tiff(path), formula_image(PixelType::kInt32, 1, 2, 2)));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(SumTiff, WriteErrors) {
  expect_kind(
      ErrorKind::kIo,
      [] {
        write_sum_tiff("/nonexistent_flamecare/a.tif", formula_image(PixelType::kInt32, 1, 2, 2));
      },
      "/nonexistent_flamecare/a.tif");
  TempDir dir;
  expect_kind(ErrorKind::kInvalidArgument, [&] {
    write_sum_tiff(dir.path() / "e.tif", make_image(PixelType::kInt32, 0, 2, 2));
  });
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// Writes `pages` pages with libtiff directly, to make files write_sum_tiff never would.
struct PageSpec {
  std::uint32_t width = 4, height = 3;
  std::uint16_t samples = 1, bits = 16, format = SAMPLEFORMAT_UINT;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK, compression = COMPRESSION_NONE;
  bool last_row_first = false;  ///< strips written bottom-up: not one run in page order
  std::uint32_t padding = 0;    ///< bytes after each row strip (written raw)
  std::uint16_t fill_order = FILLORDER_MSB2LSB;  ///< LSB2MSB: written raw, libtiff reverses bits
};

void write_raw_tiff(const fs::path& path, const std::vector<PageSpec>& pages,
                    const char* mode = "w") {
  TIFF* tif = TIFFOpen(path.c_str(), mode);
  ASSERT_NE(tif, nullptr);
  for (const PageSpec& p : pages) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, p.width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, p.height);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, p.samples);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, p.bits);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, p.format);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, p.photometric);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, p.compression);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, std::uint32_t{1});
    TIFFSetField(tif, TIFFTAG_FILLORDER, p.fill_order);
    const bool raw = p.padding > 0 || p.fill_order != FILLORDER_MSB2LSB;
    const std::size_t row = std::size_t(p.width) * p.samples * p.bits / 8;
    for (std::uint32_t k = 0; k < p.height; ++k) {
      const std::uint32_t y = p.last_row_first ? p.height - 1 - k : k;
      std::vector<std::uint8_t> data(row);
      for (std::size_t i = 0; i < row; ++i) data[i] = std::uint8_t(y * 16 + i);
      if (raw) {
        data.resize(row + p.padding, 0xab);
        ASSERT_GE(TIFFWriteRawStrip(tif, y, data.data(), tmsize_t(data.size())), 0);
      } else {
        ASSERT_GE(TIFFWriteEncodedStrip(tif, y, data.data(), tmsize_t(row)), 0);
      }
    }
    TIFFWriteDirectory(tif);
  }
  TIFFClose(tif);
}

TEST(SumTiff, ReadsBigEndianMultiStripFiles) {
  TempDir dir;
  const fs::path path = dir.path() / "be.tif";
  write_raw_tiff(path, {PageSpec{}, PageSpec{}}, "wb");
  const AnyImage image = read_sum_tiff(path);
  ASSERT_EQ(pixel_type_of(image), PixelType::kUint16);
  const auto& im = std::get<Image<std::uint16_t>>(image);
  ASSERT_EQ(im.channels, 2);
  ASSERT_EQ(im.height, 3);
  ASSERT_EQ(im.width, 4);
  // Row y holds bytes y*16 + i; libtiff wrote our native-order uint16s, so the values survive.
  const std::uint16_t first = std::uint16_t(1 * 16 + 2) | std::uint16_t((1 * 16 + 3) << 8);
  EXPECT_EQ(im.at(1, 1, 1), first);
}

// Sums whose strips are one run of bytes are read with one pread; strips elsewhere (here written
// bottom-up) and byte-swapped files are read strip by strip: the same pixels either way.
TEST(SumTiff, StripsInAnyOrderReadTheSamePixels) {
  TempDir dir;
  PageSpec in_order, bottom_up;
  bottom_up.last_row_first = true;
  for (const char* mode : {"w", "wb"}) {
    SCOPED_TRACE(mode);
    write_raw_tiff(dir.path() / "in_order.tif", {in_order, in_order}, mode);
    write_raw_tiff(dir.path() / "bottom_up.tif", {bottom_up, in_order}, mode);
    const AnyImage a = read_sum_tiff(dir.path() / "in_order.tif");
    const AnyImage b = read_sum_tiff(dir.path() / "bottom_up.tif");
    const auto& im = std::get<Image<std::uint16_t>>(b);
    EXPECT_EQ(std::get<Image<std::uint16_t>>(a).pixels, im.pixels);
    for (int c = 0; c < 2; ++c)
      for (int y = 0; y < 3; ++y)
        EXPECT_EQ(im.at(c, y, 0), std::uint16_t(y * 16) | std::uint16_t((y * 16 + 1) << 8));
  }
}

// The pixels libtiff itself reads from page `page`, strip by strip.
std::vector<std::uint8_t> libtiff_page(const fs::path& path, int page) {
  std::vector<std::uint8_t> bytes;
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  EXPECT_NE(tif, nullptr);
  if (tif == nullptr) return bytes;
  EXPECT_TRUE(TIFFSetDirectory(tif, tdir_t(page)));
  for (std::uint32_t s = 0; s < TIFFNumberOfStrips(tif); ++s) {
    std::vector<std::uint8_t> strip(std::size_t(TIFFStripSize(tif)));
    const tmsize_t got = TIFFReadEncodedStrip(tif, s, strip.data(), tmsize_t(strip.size()));
    EXPECT_GT(got, 0);
    bytes.insert(bytes.end(), strip.begin(), strip.begin() + std::max<tmsize_t>(got, 0));
  }
  TIFFClose(tif);
  return bytes;
}

// Strips with padding after their rows (counts larger than the rows, each strip where the one
// before it ends) and FillOrder 2 (libtiff reverses the bits) are not one run of the pixels: they
// are read as libtiff reads them.
TEST(SumTiff, PaddedStripsAndReversedBitsReadAsLibtiffReadsThem) {
  TempDir dir;
  PageSpec padded, reversed;
  padded.padding = 2;
  reversed.fill_order = FILLORDER_LSB2MSB;
  for (const auto& [name, spec] : {std::pair{"padded", padded}, std::pair{"reversed", reversed}}) {
    SCOPED_TRACE(name);
    const fs::path path = dir.path() / (std::string(name) + ".tif");
    write_raw_tiff(path, {spec, spec});
    const AnyImage image = read_sum_tiff(path);
    const auto& im = std::get<Image<std::uint16_t>>(image);
    for (int c = 0; c < 2; ++c) {
      const std::vector<std::uint8_t> want = libtiff_page(path, c);
      ASSERT_EQ(want.size(), 2u * 4 * 3);
      EXPECT_EQ(std::memcmp(im.plane(c).data(), want.data(), want.size()), 0) << "page " << c;
    }
  }
}

TEST(SumTiff, ReadErrorsHaveKindsAndNameTheFile) {
  TempDir dir;
  const fs::path d = dir.path();
  expect_kind(
      ErrorKind::kNotFound, [&] { read_sum_tiff(d / "missing.tif"); },
      (d / "missing.tif").string());
  { std::ofstream(d / "text.tif") << "this is not a TIFF file at all"; }
  expect_kind(
      ErrorKind::kCorrupt, [&] { read_sum_tiff(d / "text.tif"); }, (d / "text.tif").string());

  write_sum_tiff(d / "trunc.tif", formula_image(PixelType::kInt32, 2, 40, 40));
  const std::string full = slurp(d / "trunc.tif");
  {
    // Keep the header and first IFD region but cut the pixel data short.
    std::ofstream(d / "trunc.tif", std::ios::binary | std::ios::trunc)
        << full.substr(0, full.size() / 3);
  }
  expect_kind(
      ErrorKind::kCorrupt, [&] { read_sum_tiff(d / "trunc.tif"); }, (d / "trunc.tif").string());

  PageSpec lzw;
  lzw.compression = COMPRESSION_LZW;
  write_raw_tiff(d / "lzw.tif", {lzw});
  expect_kind(ErrorKind::kUnsupported, [&] { read_sum_tiff(d / "lzw.tif"); });

  PageSpec rgb;
  rgb.samples = 3;
  rgb.bits = 8;
  rgb.photometric = PHOTOMETRIC_RGB;
  write_raw_tiff(d / "rgb.tif", {rgb});
  expect_kind(ErrorKind::kUnsupported, [&] { read_sum_tiff(d / "rgb.tif"); });

  PageSpec wide;
  wide.width = 5;
  write_raw_tiff(d / "mixed_size.tif", {PageSpec{}, wide});
  expect_kind(ErrorKind::kUnsupported, [&] { read_sum_tiff(d / "mixed_size.tif"); });
  PageSpec signed_page;
  signed_page.format = SAMPLEFORMAT_INT;
  write_raw_tiff(d / "mixed_type.tif", {PageSpec{}, signed_page});
  expect_kind(ErrorKind::kUnsupported, [&] { read_sum_tiff(d / "mixed_type.tif"); });
}

TEST(SumTiff, LibtiffMessagesAreNotPrinted) {
  TempDir dir;
  {
    // A valid little-endian header whose first IFD lies past the end of the file.
    std::ofstream(dir.path() / "bad.tif", std::ios::binary)
        << std::string("II*\0\x40\x00\x00\x00garbage", 15);
  }
  testing::internal::CaptureStderr();
  expect_kind(ErrorKind::kCorrupt, [&] { read_sum_tiff(dir.path() / "bad.tif"); });
  expect_kind(ErrorKind::kCorrupt, [&] { read_sum_tiff(fs::path(__FILE__)); });
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace flamecare
