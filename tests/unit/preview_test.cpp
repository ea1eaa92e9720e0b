#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <thread>

#include "core/block_means.hpp"
#include "flamecare/error.hpp"
#include "flamecare/preview.hpp"
#include "io/png_encode.hpp"
#include "io/png_preview_layout.hpp"
#include "pipeline/create_preview.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;

using TempDir = flamecare::test_support::ScratchDir;

using test_support::expect_kind;

RgbImage solid(int h, int w, float r, float g, float b) {
  RgbImage im{h, w, {}};
  for (int i = 0; i < h * w; ++i) im.rgb.insert(im.rgb.end(), {r, g, b});
  return im;
}

// A smooth gradient plus a few Gaussian blobs, per channel, like a cell image.
AnyImage blobs(int channels, int h, int w, int seed) {
  Image<std::int32_t> im(channels, h, w);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        double v = 200.0 * x / w + 100.0 * y / h;
        for (int k = 0; k < 4; ++k) {
          const double cy = h * (0.2 + 0.2 * ((k + seed + c) % 4)),
                       cx = w * (0.15 + 0.23 * ((k * 3 + seed) % 4));
          v += 3000.0 * std::exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (0.004 * h * w));
        }
        im.at(c, y, x) = std::int32_t(v);
      }
  return im;
}

TEST(ToRgb, GreyClipsAndScales) {
  Image<std::int32_t> im(1, 1, 4);
  im.pixels = {0, 10, 15, 30};
  const RgbImage out = to_rgb(im, {10}, {20});
  ASSERT_EQ(out.rgb.size(), 12u);
  const float want[] = {0.0f, 0.0f, 0.5f, 1.0f};
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 3; ++k) EXPECT_FLOAT_EQ(out.rgb[3 * i + k], want[i]);
}

TEST(ToRgb, ChannelsMapToRgbAndFlatRangeIsZero) {
  Image<float> im(3, 1, 2);
  im.pixels = {1, 3, /*G*/ 5, 5, /*B*/ -1, 2};
  const RgbImage out = to_rgb(im, {1, 5, 0}, {3, 5, 4});  // G has hi == lo
  EXPECT_FLOAT_EQ(out.rgb[0], 0.0f);
  EXPECT_FLOAT_EQ(out.rgb[3], 1.0f);
  EXPECT_FLOAT_EQ(out.rgb[1], 0.0f);
  EXPECT_FLOAT_EQ(out.rgb[4], 0.0f);
  EXPECT_FLOAT_EQ(out.rgb[2], 0.0f);
  EXPECT_FLOAT_EQ(out.rgb[5], 0.5f);
  Image<std::uint16_t> two(2, 1, 1);
  two.pixels = {4, 8};
  const RgbImage rg = to_rgb(two, {0, 0}, {8, 8});
  EXPECT_EQ(rg.rgb, (std::vector<float>{0.5f, 1.0f, 0.0f}));
  expect_kind(ErrorKind::kInvalidArgument, [&] { to_rgb(two, {0}, {8}); });
}

// The thumbnails' type has a vectorised path: every length (whole vectors and a tail), NaN,
// infinities and flat or reversed ranges must give the plain formula's values.
TEST(ToRgb, DoublesOfEveryLengthEqualThePlainFormula) {
  const double inf = std::numeric_limits<double>::infinity();
  const double specials[] = {std::nan(""), inf, -inf, -7.5, 0.25, 13.0, 99.0};
  for (int channels = 1; channels <= 3; ++channels) {
    for (int width = 1; width <= 11; ++width) {
      Image<double> im(channels, 1, width);
      for (std::size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = specials[(i * 5 + 1) % 7];
      const std::vector<double> lo = {0, 5, 20}, hi = {10, 5, 0};  // normal, flat, reversed
      const RgbImage out = to_rgb(im, lo, hi);
      ASSERT_EQ(out.rgb.size(), 3u * std::size_t(width));
      for (int c = 0; c < channels; ++c) {
        for (int x = 0; x < width; ++x) {
          const double range = hi[c] - lo[c];
          const double t = range > 0 ? (im.at(c, 0, x) - lo[c]) / range : 0.0;
          const float want = std::isnan(t) ? 0.0f : float(std::clamp(t, 0.0, 1.0));
          for (int k = channels == 1 ? 0 : c; k <= (channels == 1 ? 2 : c); ++k)
            ASSERT_EQ(out.rgb[3 * std::size_t(x) + k], want)
                << channels << " " << width << " " << x;
        }
      }
      for (int k = channels; channels > 1 && k < 3; ++k)
        for (int x = 0; x < width; ++x) ASSERT_EQ(out.rgb[3 * std::size_t(x) + k], 0.0f);
    }
  }
}

TEST(ToRgb, ReducedMapsBlockMeansAndFactorOneIsToRgb) {
  const AnyImage image = blobs(2, 7, 10, 1);
  const std::vector<double> lo = {100, 50}, hi = {2500, 3000};
  const RgbImage full = to_rgb(image, lo, hi);
  EXPECT_EQ(to_rgb_reduced(image, lo, hi, 1).rgb, full.rgb) << "factor 1 is to_rgb, bit for bit";
  // 7 x 10 by 3: 3 x 4 blocks; the last row of blocks has 1 row, the last column 1 column.
  const RgbImage reduced = to_rgb_reduced(image, lo, hi, 3);
  ASSERT_EQ(reduced.height, 3);
  ASSERT_EQ(reduced.width, 4);
  const auto& im = std::get<Image<std::int32_t>>(image);
  for (int c = 0; c < 2; ++c)
    for (int by = 0; by < 3; ++by)
      for (int bx = 0; bx < 4; ++bx) {
        double sum = 0;
        int n = 0;
        for (int y = by * 3; y < std::min(7, by * 3 + 3); ++y)
          for (int x = bx * 3; x < std::min(10, bx * 3 + 3); ++x, ++n) sum += im.at(c, y, x);
        const double t = std::clamp((sum / n - lo[c]) / (hi[c] - lo[c]), 0.0, 1.0);
        EXPECT_FLOAT_EQ(reduced.rgb[3 * std::size_t(by * 4 + bx) + c], float(t))
            << "channel " << c << " block " << by << "," << bx;
      }
  expect_kind(ErrorKind::kInvalidArgument, [&] { to_rgb_reduced(image, lo, hi, 0); });
}

// Rows fed a few at a time (pieces that split the bands of `factor` rows unevenly, as the blocks
// of `create` do) give each block's float64 mean, written out here as a plain loop over the block
// (column sums first, as the accumulator adds them, so equal to the last bit); block_means of the
// whole image gives the same. Rows out of order, of another width or a take() before the last row
// are refused.
TEST(BlockMeans, RowsInPiecesAreTheBlocksMeans) {
  const int h = 23, w = 10, f = 4;
  for (const PixelType type : {PixelType::kInt32, PixelType::kFloat32}) {
    AnyImage image = make_image(type, 4, h, w);
    std::visit(
        [](auto& im) {
          for (std::size_t i = 0; i < im.pixels.size(); ++i)
            im.pixels[i] = static_cast<typename decltype(im.pixels)::value_type>(
                std::sin(double(i)) * 1e3 + 0.1 * double(i % 7));
        },
        image);
    detail::BlockMeans pieces(3, h, w, f);
    for (int c = 0; c < 4; ++c) {  // the fourth channel is ignored
      for (int y = 0, rows = 1; y < h; y += rows, rows = rows % 6 + 1) {
        const int n = std::min(rows, h - y);
        AnyImage part = make_image(type, 1, n, w);
        std::visit(
            [&](auto& p) {
              const auto& im = std::get<std::decay_t<decltype(p)>>(image);
              std::copy_n(im.plane(c).begin() + std::ptrdiff_t(y) * w, n * w, p.pixels.begin());
            },
            part);
        pieces.add_rows(c, part);
      }
    }
    const Image<double> streamed = pieces.take();
    ASSERT_EQ(streamed.channels, 3);
    ASSERT_EQ(streamed.height, 6);
    ASSERT_EQ(streamed.width, 3);
    std::visit(
        [&](const auto& im) {
          for (int c = 0; c < 3; ++c)
            for (int by = 0; by < 6; ++by)
              for (int bx = 0; bx < 3; ++bx) {
                double sum = 0;
                const int rows = std::min(f, h - by * f), cols = std::min(f, w - bx * f);
                for (int x = bx * f; x < bx * f + cols; ++x) {
                  double column = 0;
                  for (int y = by * f; y < by * f + rows; ++y) column += double(im.at(c, y, x));
                  sum += column;
                }
                EXPECT_EQ(streamed.at(c, by, bx), sum / (double(rows) * cols))
                    << pixel_type_name(type) << " c" << c << " " << by << "," << bx;
              }
        },
        image);
    EXPECT_EQ(block_means(image, 3, f).pixels, streamed.pixels) << pixel_type_name(type);
  }
  detail::BlockMeans means(2, 5, 4, 2);
  const auto rows = [](int n, int width) { return make_image(PixelType::kInt32, 1, n, width); };
  expect_kind(ErrorKind::kInvalidArgument, [&] { means.add_rows(0, rows(6, 4)); });
  expect_kind(ErrorKind::kInvalidArgument, [&] { means.add_rows(0, rows(2, 3)); });
  means.add_rows(0, rows(2, 4));
  expect_kind(ErrorKind::kInvalidArgument, [&] { means.add_rows(1, rows(1, 4)); });  // too soon
  expect_kind(ErrorKind::kInvalidArgument, [&] { means.take(); });
  expect_kind(ErrorKind::kInvalidArgument, [] { detail::BlockMeans(1, 5, 4, 0); });
  EXPECT_EQ(block_means(make_image(PixelType::kInt32, 2, 0, 5), 1, 2).width, 3);  // no pixels
}

// Writes `png` to `path`, reads it back with cairo (libpng checks CRCs and Adler-32) and expects
// every pixel of `pixels` (RGB24, `stride` bytes a row) in it.
void expect_png_holds(const std::string& png, const fs::path& path,
                      const std::vector<unsigned char>& pixels, int width, int height, int stride) {
  std::ofstream(path, std::ios::binary).write(png.data(), std::streamsize(png.size()));
  const detail::PngPixels back = detail::read_png(path);
  ASSERT_EQ(back.width, width);
  ASSERT_EQ(back.height, height);
  int bad = 0;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      std::uint32_t want = 0;
      std::memcpy(&want, &pixels[std::size_t(y) * stride + 4 * std::size_t(x)], 4);
      if (back.rgb[std::size_t(y) * width + x] != (want & 0xffffffu) && bad++ < 3)
        ADD_FAILURE() << y << "," << x;
    }
  EXPECT_EQ(bad, 0);
}

// The PNG encoder (Up filter, level-1 deflate) gives back every pixel through cairo's reader,
// including the first row (no row above), the first rows of parts (their row above is another
// part's) and rows with padding in their stride.
TEST(PngEncode, RoundTripsEveryPixelThroughCairosReader) {
  TempDir dir;
  const int width = 37, height = 23, stride = 4 * width + 12;
  std::vector<unsigned char> pixels(std::size_t(stride) * height, 0xee);
  std::uint32_t state = 12345;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      state = state * 1664525u + 1013904223u;
      const std::uint32_t rgb = (y % 5 == 0) ? 0x102030u * std::uint32_t(x % 3) : state >> 8;
      std::memcpy(&pixels[std::size_t(y) * stride + 4 * std::size_t(x)], &rgb, 4);
    }
  // Deflated whole, or in parts (up to one per row) on one thread or several.
  const std::size_t line = 1 + 3 * width;
  for (const std::size_t part :
       {std::size_t(0), line * height, line * 8, line * 3, line, line / 2}) {
    for (const int threads : {1, 3}) {
      SCOPED_TRACE(testing::Message() << part << " bytes a part, " << threads << " threads");
      const std::string png =
          detail::encode_png_rgb24(pixels.data(), width, height, stride, threads, part);
      // The parts depend on the image alone: the same file whatever the threads.
      EXPECT_EQ(png, detail::encode_png_rgb24(pixels.data(), width, height, stride, 1, part));
      expect_png_holds(png, dir / "round.png", pixels, width, height, stride);
    }
  }
}

// A preview-sized image whose parts span many deflate blocks: rows of noise no deflate can shrink
// (stored blocks), flat rows (long matches) and gradients, whole or in parts on two threads.
TEST(PngEncode, LargeImagesRoundTripWholeAndInParts) {
  TempDir dir;
  const int width = 640, height = 480, stride = 4 * width;
  std::vector<unsigned char> pixels(std::size_t(stride) * height);
  std::uint32_t state = 99;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      state = state * 1664525u + 1013904223u;
      const int band = (y / 40) % 3;
      const std::uint32_t rgb = band == 0   ? state >> 8
                                : band == 1 ? 0x406080u
                                            : std::uint32_t(x % 256) * 0x010101u;
      std::memcpy(&pixels[std::size_t(y) * stride + 4 * std::size_t(x)], &rgb, 4);
    }
  const std::size_t whole = (1 + 3 * std::size_t(width)) * height;
  for (const std::size_t part : {whole, std::size_t(64) << 10, std::size_t(7) << 10}) {
    SCOPED_TRACE(testing::Message() << part << " bytes a part");
    const std::string png = detail::encode_png_rgb24(pixels.data(), width, height, stride, 2, part);
    EXPECT_LT(png.size(), whole) << "the flat and gradient rows shrink";
    expect_png_holds(png, dir / "large.png", pixels, width, height, stride);
  }
}

// Leaves `pattern` in the next 256 KiB of this thread's stack, where the encoder's frames go next.
[[gnu::noinline]] void paint_stack(std::uint16_t pattern) {
  volatile std::uint16_t area[128 * 1024];
  for (auto& v : area) v = pattern;
}

// Every setting of the deflate is set: what the stack held before (here a window of 2^3 bytes in
// the field an older ISA-L's init leaves alone) changes neither the bytes nor the size.
TEST(PngEncode, OutputDoesNotDependOnWhatTheStackHeld) {
  const int width = 320, height = 200, stride = 4 * width;
  std::vector<unsigned char> pixels(std::size_t(stride) * height);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const std::uint32_t rgb = std::uint32_t((x * 7 + (y / 9) * 13) % 251) * 0x010203u;
      std::memcpy(&pixels[std::size_t(y) * stride + 4 * std::size_t(x)], &rgb, 4);
    }
  paint_stack(0);
  const std::string clean = detail::encode_png_rgb24(pixels.data(), width, height, stride, 1);
  paint_stack(3);
  const std::string painted = detail::encode_png_rgb24(pixels.data(), width, height, stride, 1);
  EXPECT_EQ(clean.size(), painted.size());
  EXPECT_TRUE(clean == painted);
}

// An image drawn in grays (every pixel R = G = B, as a sheet of one-channel patches) is written
// as an 8-bit gray PNG, a third of the bytes; one colour pixel anywhere keeps it RGB. Either way
// every pixel comes back.
TEST(PngEncode, GrayImagesAreWrittenAsGrayPngs) {
  TempDir dir;
  const int width = 29, height = 17, stride = 4 * width + 8;
  std::vector<unsigned char> pixels(std::size_t(stride) * height, 0x5a);
  std::uint32_t state = 777;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      state = state * 1664525u + 1013904223u;
      const std::uint32_t v = state >> 24;
      const std::uint32_t gray = (v << 16) | (v << 8) | v;
      std::memcpy(&pixels[std::size_t(y) * stride + 4 * std::size_t(x)], &gray, 4);
    }
  const auto colour_type = [](const std::string& png) { return int(std::uint8_t(png.at(25))); };
  const auto round_trip = [&](const std::string& png) {
    expect_png_holds(png, dir / "gray.png", pixels, width, height, stride);
  };
  const std::size_t line = 1 + width;
  for (const std::size_t part : {line * height, line * 4, line}) {  // one part, 5, one per row
    const std::string gray =
        detail::encode_png_rgb24(pixels.data(), width, height, stride, 2, part);
    EXPECT_EQ(colour_type(gray), 0) << "8-bit gray";
    round_trip(gray);
  }
  // One pixel, last row, with blue one step off its gray.
  pixels[std::size_t(height - 1) * stride + 4 * std::size_t(width - 1)] ^= 1;
  const std::string rgb = detail::encode_png_rgb24(pixels.data(), width, height, stride, 2);
  EXPECT_EQ(colour_type(rgb), 2) << "8-bit RGB";
  round_trip(rgb);
}

TEST(PreviewPng, PanelsLandWhereTheLayoutSays) {
  TempDir dir;
  PreviewSheet sheet;
  sheet.title = "20261124_2I_denoising_5to40F";
  sheet.column_titles = {"input: 5 frames", "ground truth: 40 frames"};
  sheet.panel_size = 64;
  sheet.rows.push_back({"a/one.tif", {solid(8, 8, 1, 0, 0), solid(4, 8, 0, 0.5f, 1)}});
  sheet.rows.push_back({std::string(300, 'x') + "/two.tif", {solid(8, 4, 0, 1, 0)}});
  sheet.rows.push_back({"wide.tif", {solid(2, 8, 1, 1, 1)}});
  const fs::path path = dir.path() / "p.png";
  write_preview_png(path, sheet);

  const detail::PngPixels png = detail::read_png(path);
  const detail::PreviewLayout layout = detail::preview_layout(sheet);
  EXPECT_EQ(png.width, layout.width());
  EXPECT_EQ(png.height, layout.height());
  const int mid = 32;
  EXPECT_EQ(png.at(layout.cell_x(0) + mid, layout.cell_y(0) + mid), 0xff0000u);
  // The 4 x 8 panel fills a 32 x 64 band in the middle of its 64-high row; above it is background.
  ASSERT_EQ(layout.row_heights, (std::vector<int>{64, 64, 16}));
  EXPECT_EQ(png.at(layout.cell_x(1) + mid, layout.cell_y(0) + mid), 0x0080ffu);
  EXPECT_EQ(png.at(layout.cell_x(1) + 2, layout.cell_y(0) + 20), 0x0080ffu);
  EXPECT_NE(png.at(layout.cell_x(1) + mid, layout.cell_y(0) + 8), 0x0080ffu);
  // The 8 x 4 panel is 64 high and 32 wide, centred: its left quarter is background.
  EXPECT_EQ(png.at(layout.cell_x(0) + mid, layout.cell_y(1) + mid), 0x00ff00u);
  EXPECT_NE(png.at(layout.cell_x(0) + 8, layout.cell_y(1) + mid), 0x00ff00u);
  // Nearest-neighbour: the scaled panel's edge is as pure as its middle.
  EXPECT_EQ(png.at(layout.cell_x(0) + 16, layout.cell_y(1) + 1), 0x00ff00u);
  // A 2 x 8 panel makes a 16-high row, not a 64-high one.
  EXPECT_EQ(layout.row_heights[2], 16);
  EXPECT_EQ(png.at(layout.cell_x(0) + mid, layout.cell_y(2) + 8), 0xffffffu);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(PreviewPng, ExampleSheetRenders) {
  // FLAMECARE_PREVIEW_EXAMPLE=/tmp/x.png keeps the sheet for a look by eye.
  TempDir dir;
  const char* keep = std::getenv("FLAMECARE_PREVIEW_EXAMPLE");
  const fs::path path = keep != nullptr ? fs::path(keep) : dir.path() / "example.png";
  PreviewSheet sheet;
  sheet.title = "20261124_3I_denoising_5to40F — training pairs";
  sheet.column_titles = {"input: 5 frames", "ground truth: 40 frames"};
  sheet.panel_size = 200;
  const char* labels[] = {"mouse_brain/session1/roi_00001.tif", "grey/single_channel_image.tif",
                          "a/very/long/path/that/goes/on/and/on/through/many/folders/of/the/"
                          "acquisition/tree/until/it/reaches/stack_00042_with_long_name.tif"};
  for (int r = 0; r < 3; ++r) {
    const int channels = r == 1 ? 1 : 3, h = r == 0 ? 96 : 64, w = r == 2 ? 48 : 96;
    const AnyImage in = blobs(channels, h, w, r), gt = blobs(channels, h, w, r);
    const std::vector<double> lo(3, 0.0), hi_in(3, 6000.0), hi_gt(3, 3300.0);
    sheet.rows.push_back({labels[r], {to_rgb(in, lo, hi_in), to_rgb(gt, lo, hi_gt)}});
  }
  write_preview_png(path, sheet);
  const detail::PngPixels png = detail::read_png(path);
  EXPECT_EQ(png.width, detail::preview_layout(sheet).width());
  EXPECT_EQ(png.height, detail::preview_layout(sheet).height());
}

// Fonts loaded ahead on other threads (as create does while summing) while a sheet is drawn: the
// same pixels as a sheet drawn alone.
TEST(PreviewPng, FontsLoadedOnOtherThreadsDrawTheSameSheet) {
  TempDir dir;
  PreviewSheet sheet;
  sheet.title = "20261126_2I_denoising_5to40F  (dataset 0x0001)";
  sheet.column_titles = {"input: sum of 5 frames", "ground truth: sum of 40 frames"};
  for (int r = 0; r < 2; ++r) {
    const AnyImage in = blobs(3, 64, 64, r);
    const std::vector<double> lo(3, 0.0), hi(3, 6000.0);
    sheet.rows.push_back({"image " + std::to_string(r), {to_rgb(in, lo, hi), to_rgb(in, lo, hi)}});
  }
  write_preview_png(dir.path() / "alone.png", sheet);
  std::vector<std::thread> loaders;
  for (int t = 0; t < 3; ++t) loaders.emplace_back(detail::load_preview_fonts);
  write_preview_png(dir.path() / "together.png", sheet);
  for (auto& t : loaders) t.join();
  detail::load_preview_fonts();
  const auto alone = detail::read_png(dir.path() / "alone.png");
  const auto together = detail::read_png(dir.path() / "together.png");
  EXPECT_EQ(together.width, alone.width);
  EXPECT_EQ(together.height, alone.height);
  EXPECT_TRUE(together.rgb == alone.rgb);
}

TEST(PreviewPng, LegendSaysWhichColourIsWhichChannel) {
  const auto labels = [](int channels) {
    std::vector<std::string> out;
    for (const LegendItem& item : detail::channel_legend(channels)) out.push_back(item.label);
    return out;
  };
  EXPECT_EQ(labels(1), (std::vector<std::string>{"channel 1 = grey"}));
  EXPECT_EQ(labels(2), (std::vector<std::string>{"channel 1 = red", "channel 2 = green"}));
  EXPECT_EQ(labels(4),
            (std::vector<std::string>{"channel 1 = red", "channel 2 = green", "channel 3 = blue"}));
  // Each label's square is drawn in its channel's colour, under the title, above the panels.
  TempDir dir;
  PreviewSheet sheet;
  sheet.title = "legend";
  sheet.legend = detail::channel_legend(3);
  sheet.column_titles = {"input", "ground truth"};
  sheet.rows.push_back({"a.tif", {solid(8, 8, 0, 0, 0), solid(8, 8, 0, 0, 0)}});
  write_preview_png(dir.path() / "l.png", sheet);
  const detail::PngPixels png = detail::read_png(dir.path() / "l.png");
  const detail::PreviewLayout layout = detail::preview_layout(sheet);
  ASSERT_EQ(layout.legend_items, 3);
  EXPECT_LT(layout.legend_y() + detail::PreviewLayout::kLegendHeight, layout.cell_y(0));
  const int y = layout.legend_y() + detail::PreviewLayout::kLegendHeight / 2;
  const std::uint32_t colours[] = {0xff0000u, 0x00ff00u, 0x0000ffu};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(png.at(layout.legend_x(i) + detail::PreviewLayout::kSwatch / 2, y), colours[i])
        << sheet.legend[std::size_t(i)].label;
  }
  // No legend, no legend line: the panels move up by its height.
  PreviewSheet plain = sheet;
  plain.legend.clear();
  EXPECT_EQ(detail::preview_layout(plain).cell_y(0) + detail::PreviewLayout::kLegendHeight,
            layout.cell_y(0));
}

TEST(PreviewPng, Errors) {
  TempDir dir;
  PreviewSheet empty;
  expect_kind(ErrorKind::kInvalidArgument, [&] { write_preview_png(dir.path() / "e.png", empty); });
  PreviewSheet no_panels;
  no_panels.rows.push_back({"label", {}});
  expect_kind(ErrorKind::kInvalidArgument,
              [&] { write_preview_png(dir.path() / "e.png", no_panels); });
  PreviewSheet bad;
  bad.rows.push_back({"label", {RgbImage{2, 2, {0.5f}}}});
  expect_kind(ErrorKind::kInvalidArgument, [&] { write_preview_png(dir.path() / "e.png", bad); });
  EXPECT_TRUE(fs::is_empty(dir.path()));
  PreviewSheet ok;
  ok.rows.push_back({"label", {solid(2, 2, 1, 1, 1)}});
  expect_kind(ErrorKind::kIo, [&] { write_preview_png("/nonexistent_flamecare/p.png", ok); });
}

}  // namespace
}  // namespace flamecare
