#include "flamecare/pixel_stats.hpp"
#include "support/expect_error.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "flamecare/error.hpp"

namespace flamecare {
namespace {

// numpy's answers for the concatenated images, computed now by the test Python (make venv).
struct NumpyStats {
  std::vector<std::array<double, 6>> percentiles;
  std::vector<double> channel_mean, channel_std;
  double min = 0, max = 0, mean = 0, std = 0;
};

constexpr const char* kScript = R"PY(
import sys, numpy as np
data = open(sys.argv[1], 'rb').read()
parts, off = [], 0
for spec in sys.argv[2:]:
    dtype, c, h, w = spec.split(':'); c, h, w = int(c), int(h), int(w)
    n = c * h * w * np.dtype(dtype).itemsize
    parts.append(np.frombuffer(data[off:off + n], dtype=dtype).reshape(c, h * w)); off += n
x = np.concatenate(parts, axis=1)
r = lambda v: repr(float(v))
for row in x:
    p = np.percentile(row, [0.1, 1, 5, 95, 99, 99.9])
    print(' '.join(map(r, list(p) + [np.mean(row, dtype=np.float64), np.std(row, dtype=np.float64)])))
f = x.ravel()
print(r(f.min()), r(f.max()), r(np.mean(f, dtype=np.float64)), r(np.std(f, dtype=np.float64)))
)PY";

template <class T>
void append_bytes(std::ofstream& out, const Image<T>& img) {
  out.write(reinterpret_cast<const char*>(img.pixels.data()),
            std::streamsize(img.pixels.size() * sizeof(T)));
}

NumpyStats numpy_stats(const std::vector<AnyImage>& images) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto stem = "flamecare_stats_" + std::to_string(::getpid());
  const auto data_path = dir / (stem + ".bin"), script_path = dir / (stem + ".py");
  std::ofstream(script_path) << kScript;
  std::string command =
      test_support::test_python() + " " + script_path.string() + " " + data_path.string();
  {
    std::ofstream out(data_path, std::ios::binary);
    for (const auto& image : images) {
      std::visit([&](const auto& img) { append_bytes(out, img); }, image);
      const auto s = shape_of(image);
      command += " " + std::string(pixel_type_name(pixel_type_of(image))) + ":" +
                 std::to_string(s.channels) + ":" + std::to_string(s.height) + ":" +
                 std::to_string(s.width);
    }
  }
  const std::string text = test_support::run_command(command);
  std::filesystem::remove(data_path);
  std::filesystem::remove(script_path);
  std::istringstream in(text);
  std::string line;
  NumpyStats out;
  const int channels = shape_of(images.front()).channels;
  for (int c = 0; c < channels && std::getline(in, line); ++c) {
    std::istringstream row(line);
    std::array<double, 6> p{};
    std::string word;
    for (double& v : p) row >> word, v = std::strtod(word.c_str(), nullptr);
    double mean = 0, sd = 0;
    row >> word, mean = std::strtod(word.c_str(), nullptr);
    row >> word, sd = std::strtod(word.c_str(), nullptr);
    out.percentiles.push_back(p);
    out.channel_mean.push_back(mean);
    out.channel_std.push_back(sd);
  }
  std::string a, b, c, d;
  in >> a >> b >> c >> d;
  out.min = std::strtod(a.c_str(), nullptr);
  out.max = std::strtod(b.c_str(), nullptr);
  out.mean = std::strtod(c.c_str(), nullptr);
  out.std = std::strtod(d.c_str(), nullptr);
  EXPECT_EQ(int(out.percentiles.size()), channels) << text;
  return out;
}

StatsSummary run_stats(const std::vector<AnyImage>& images) {
  PixelStats stats(shape_of(images.front()).channels);
  for (const auto& img : images) stats.add(img);
  if (stats.needs_second_pass()) {
    stats.begin_second_pass();
    for (auto it = images.rbegin(); it != images.rend(); ++it) stats.add(*it);  // any order
  }
  return stats.summarize();
}

void expect_near_rel(double actual, double expected, double rel, const char* what) {
  EXPECT_LE(std::fabs(actual - expected), rel * std::fabs(expected) + 1e-300)
      << what << ": " << actual << " vs numpy " << expected;
}

// Exact percentiles/min/max (and mean for integers); std (and float mean) to `rel`.
void compare_with_numpy(const std::vector<AnyImage>& images, const std::string& label) {
  SCOPED_TRACE(label);
  const StatsSummary got = run_stats(images);
  const NumpyStats want = numpy_stats(images);
  const bool floats = is_float(pixel_type_of(images.front()));
  ASSERT_EQ(got.channels.size(), want.percentiles.size());
  for (std::size_t c = 0; c < got.channels.size(); ++c) {
    for (std::size_t i = 0; i < 6; ++i) {
      EXPECT_EQ(got.channels[c].percentiles[i], want.percentiles[c][i])
          << "channel " << c << " percentile " << kStatPercentiles[i];
    }
    if (floats) {
      expect_near_rel(got.channels[c].mean, want.channel_mean[c], 1e-14, "channel mean");
    } else {
      EXPECT_EQ(got.channels[c].mean, want.channel_mean[c]) << "channel mean " << c;
    }
    expect_near_rel(got.channels[c].std, want.channel_std[c], 1e-12, "channel std");
  }
  EXPECT_EQ(got.min, want.min);
  EXPECT_EQ(got.max, want.max);
  if (floats) {
    expect_near_rel(got.mean, want.mean, 1e-14, "mean");
  } else {
    EXPECT_EQ(got.mean, want.mean);
  }
  expect_near_rel(got.std, want.std, 1e-12, "std");
}

template <class T, class Dist>
Image<T> random_image(int c, int h, int w, std::mt19937_64& rng, Dist dist) {
  Image<T> img(c, h, w);
  for (auto& v : img.pixels) v = static_cast<T>(dist(rng));
  return img;
}

TEST(PixelStatsNumpy, Int16WithNegativesSeveralSizes) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> d(-3000, 30000);
  compare_with_numpy(
      {random_image<std::int16_t>(2, 37, 53, rng, d), random_image<std::int16_t>(2, 61, 17, rng, d),
       random_image<std::int16_t>(2, 5, 3, rng, d)},
      "int16");
}

TEST(PixelStatsNumpy, Uint16AndUint8) {
  std::mt19937_64 rng(2);
  std::uniform_int_distribution<int> d(0, 65535), small(0, 255);
  compare_with_numpy({random_image<std::uint16_t>(1, 40, 41, rng, d),
                      random_image<std::uint16_t>(1, 9, 70, rng, d)},
                     "uint16");
  compare_with_numpy({random_image<std::uint8_t>(3, 20, 21, rng, small)}, "uint8");
}

TEST(PixelStatsNumpy, Int32SumsDenseAndHugeRange) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::int32_t> sums(-40000, 1300000);
  compare_with_numpy({random_image<std::int32_t>(3, 50, 60, rng, sums),
                      random_image<std::int32_t>(3, 31, 7, rng, sums)},
                     "int32 dense");
  std::uniform_int_distribution<std::int32_t> wide(std::numeric_limits<std::int32_t>::min(),
                                                   std::numeric_limits<std::int32_t>::max());
  compare_with_numpy({random_image<std::int32_t>(2, 40, 40, rng, wide),
                      random_image<std::int32_t>(2, 3, 50, rng, wide)},
                     "int32 sparse");
  // The dense histogram grows up, then down, then up again.
  std::uniform_int_distribution<std::int32_t> r1(1000, 2000), r2(-500, 0), r3(5000, 6000);
  compare_with_numpy({random_image<std::int32_t>(1, 20, 20, rng, r1),
                      random_image<std::int32_t>(1, 20, 21, rng, r2),
                      random_image<std::int32_t>(1, 20, 22, rng, r3)},
                     "int32 shifting ranges");
}

TEST(PixelStatsNumpy, DifferenceWrapsInTheDataType) {
  // numpy subtracts the two neighbours in the array dtype: 30000 − (−30000) wraps in int16,
  // 2e9 − (−2e9) in int32. The results are odd but they are numpy's.
  Image<std::int16_t> a(1, 1, 2);
  a.pixels = {-30000, 30000};
  compare_with_numpy({a}, "int16 wrap");
  Image<std::int32_t> b(1, 1, 2);
  b.pixels = {-2000000000, 2000000000};
  compare_with_numpy({b}, "int32 wrap");
}

TEST(PixelStatsNumpy, MixedIntegerTypesPromoteLikeNumpy) {
  std::mt19937_64 rng(4);
  std::uniform_int_distribution<int> s(-32768, 32767), u(0, 65535);
  compare_with_numpy({random_image<std::int16_t>(1, 20, 20, rng, s),
                      random_image<std::uint16_t>(1, 11, 13, rng, u)},
                     "int16+uint16");
  std::uniform_int_distribution<std::int64_t> big(0, std::int64_t{1} << 40);
  compare_with_numpy({random_image<std::uint64_t>(1, 20, 20, rng, big)}, "uint64");
}

TEST(PixelStatsNumpy, Float32WithTies) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> d(-40, 400);
  const auto quarter = [&](std::mt19937_64& g) { return float(d(g)) / 4.0f; };
  compare_with_numpy(
      {random_image<float>(2, 30, 31, rng, quarter), random_image<float>(2, 17, 9, rng, quarter),
       random_image<float>(2, 4, 4, rng, quarter)},
      "float32 ties");
}

TEST(PixelStatsNumpy, Float32AllDistinctWideRange) {
  std::mt19937_64 rng(6);
  std::normal_distribution<double> d(0.0, 1.0);
  const auto wide = [&](std::mt19937_64& g) { return float(std::ldexp(d(g), int(d(g) * 20))); };
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  compare_with_numpy(
      {random_image<float>(1, 70, 71, rng, wide), random_image<float>(1, 10, 3, rng, wide)},
      "float32 wide");
  compare_with_numpy({random_image<float>(3, 64, 65, rng, unit)}, "float32 unit");
}

TEST(PixelStatsNumpy, TinyAndConstantImages) {
  Image<std::int16_t> one(1, 1, 1, -7);
  compare_with_numpy({one}, "single int16");
  Image<float> onef(1, 1, 1, 2.5f);
  compare_with_numpy({onef}, "single float32");
  Image<std::int16_t> two(2, 1, 1);
  two.pixels = {5, -9};
  compare_with_numpy({two, two}, "two pixels per channel");
  Image<float> twof(1, 1, 2);
  twof.pixels = {0.1f, 1e30f};
  compare_with_numpy({twof}, "two float32");
  compare_with_numpy({Image<std::uint16_t>(2, 13, 17, 1234)}, "constant uint16");
  compare_with_numpy({Image<float>(1, 13, 17, -0.375f)}, "constant float32");
}

TEST(PercentileSorted, MatchesNumpyFormula) {
  const std::vector<double> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(percentile_sorted(v, 50), 5.0);
  EXPECT_EQ(percentile_sorted(v, 25), 2.5);
  EXPECT_EQ(percentile_sorted(v, 100), 10.0);
  EXPECT_EQ(percentile_sorted(v, 0), 0.0);
  EXPECT_EQ(percentile_sorted({7.0}, 99.9), 7.0);
  // t ≥ 0.5 uses b − (b − a)(1 − t), which here differs from a + (b − a)t in the last bit;
  // np.percentile([1700785.0161486648, 5771979.4898659075], 99.9) == 5767908.295392191.
  const double a = 1700785.0161486648, b = 5771979.4898659075, t = 99.9 / 100.0;
  ASSERT_NE(b - (b - a) * (1 - t), a + (b - a) * t);
  EXPECT_EQ(percentile_sorted({a, b}, 99.9), 5767908.295392191);
  EXPECT_THROW(percentile_sorted({}, 50), Error);
  EXPECT_THROW(percentile_sorted(v, 100.5), Error);
  EXPECT_THROW(percentile_sorted(v, -1), Error);
}

// Splits images over two accumulators (pass 2 via fork) and checks merge == one accumulator.
StatsSummary run_merged(const std::vector<AnyImage>& images) {
  PixelStats a(shape_of(images.front()).channels);
  PixelStats b = a.fork();
  for (std::size_t i = 0; i < images.size(); ++i) (i % 2 == 0 ? a : b).add(images[i]);
  a.merge(b);
  if (a.needs_second_pass()) {
    a.begin_second_pass();
    PixelStats c = a.fork();
    for (std::size_t i = 0; i < images.size(); ++i) (i % 2 == 1 ? a : c).add(images[i]);
    a.merge(c);
  }
  return a.summarize();
}

void expect_same(const StatsSummary& x, const StatsSummary& y, double rel) {
  ASSERT_EQ(x.channels.size(), y.channels.size());
  for (std::size_t c = 0; c < x.channels.size(); ++c) {
    EXPECT_EQ(x.channels[c].percentiles, y.channels[c].percentiles);
    EXPECT_EQ(x.channels[c].min, y.channels[c].min);
    EXPECT_EQ(x.channels[c].max, y.channels[c].max);
    expect_near_rel(x.channels[c].mean, y.channels[c].mean, rel, "mean");
    expect_near_rel(x.channels[c].std, y.channels[c].std, rel, "std");
  }
  EXPECT_EQ(x.count, y.count);
  EXPECT_EQ(x.min, y.min);
  EXPECT_EQ(x.max, y.max);
  expect_near_rel(x.mean, y.mean, rel, "mean");
  expect_near_rel(x.std, y.std, rel, "std");
}

TEST(PixelStatsMerge, EqualsSingleAccumulator) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> d(-500, 5000);
  std::vector<AnyImage> ints, floats;
  for (int i = 0; i < 5; ++i) ints.push_back(random_image<std::int32_t>(2, 10 + i, 20, rng, d));
  expect_same(run_merged(ints), run_stats(ints), 0.0);
  std::uniform_real_distribution<float> f(-1.0f, 3.0f);
  for (int i = 0; i < 5; ++i) floats.push_back(random_image<float>(2, 10 + i, 20, rng, f));
  expect_same(run_merged(floats), run_stats(floats), 1e-15);
  // A huge-range accumulator merged into a dense one switches to sorted runs.
  std::uniform_int_distribution<std::int32_t> wide(-2000000000, 2000000000);
  std::vector<AnyImage> mixed{random_image<std::int32_t>(2, 10, 10, rng, d),
                              random_image<std::int32_t>(2, 10, 10, rng, wide),
                              random_image<std::int32_t>(2, 7, 10, rng, d)};
  expect_same(run_merged(mixed), run_stats(mixed), 0.0);
}

// Images added piece by piece (rows of one channel at a time, as `create` counts each block of
// sums) give what adding them whole gives, in both passes; a part for a channel out of range or of
// several channels is refused.
StatsSummary run_in_parts(const std::vector<AnyImage>& images, int rows) {
  PixelStats stats(shape_of(images.front()).channels);
  const auto add_parts = [&](const AnyImage& image) {
    std::visit(
        [&](const auto& im) {
          using T = typename std::decay_t<decltype(im.pixels)>::value_type;
          for (int c = 0; c < im.channels; ++c) {
            for (int y = 0; y < im.height; y += rows) {
              Image<T> part(1, std::min(rows, im.height - y), im.width);
              std::copy_n(im.plane(c).begin() + std::ptrdiff_t(y) * im.width, part.pixels.size(),
                          part.pixels.begin());
              stats.add_channel(c, AnyImage(std::move(part)));
            }
          }
        },
        image);
  };
  for (const auto& img : images) add_parts(img);
  if (stats.needs_second_pass()) {
    stats.begin_second_pass();
    for (const auto& img : images) add_parts(img);
  }
  return stats.summarize();
}

TEST(PixelStatsParts, RowsOfOneChannelAtATimeEqualWholeImages) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> d(-500, 5000);
  std::vector<AnyImage> ints, floats;
  for (int i = 0; i < 3; ++i) ints.push_back(random_image<std::int32_t>(2, 13 + i, 20, rng, d));
  expect_same(run_in_parts(ints, 4), run_stats(ints), 0.0);
  std::uniform_real_distribution<float> f(-1.0f, 3.0f);
  for (int i = 0; i < 3; ++i) floats.push_back(random_image<float>(3, 9 + i, 20, rng, f));
  expect_same(run_in_parts(floats, 5), run_stats(floats), 0.0);
  PixelStats stats(2);
  EXPECT_THROW(stats.add_channel(2, Image<std::int32_t>(1, 2, 2)), Error);
  EXPECT_THROW(stats.add_channel(-1, Image<std::int32_t>(1, 2, 2)), Error);
  EXPECT_THROW(stats.add_channel(0, Image<std::int32_t>(2, 2, 2)), Error);
  EXPECT_THROW(stats.add_channel(0, Image<double>(1, 2, 2)), Error);
}

// clear() forgets everything but the memory: a histogram that once spanned a wide range, cleared
// and filled with a narrow one, merges into a fresh accumulator (whose table spans only the narrow
// range) as that image alone.
TEST(PixelStatsParts, ClearedStatsAreFreshOnes) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> wide(-100000, 100000), narrow(10, 40);
  PixelStats staging(2);
  staging.add(random_image<std::int32_t>(2, 30, 30, rng, wide));
  staging.clear();
  const std::vector<AnyImage> image{random_image<std::int32_t>(2, 9, 11, rng, narrow)};
  staging.add(image[0]);
  PixelStats total(2);
  total.merge(staging);
  expect_same(total.summarize(), run_stats(image), 0.0);
  // Values far from the earlier ones: the cleared table is laid out afresh around them, not
  // stretched from the old range to the new (which would ask for 2^40 bins here).
  staging.clear();
  staging.add(Image<std::int64_t>(2, 4, 4, std::int64_t{1} << 40));
  EXPECT_EQ(staging.summarize().min, double(std::int64_t{1} << 40));
  staging.clear();
  staging.add(Image<float>(2, 3, 3, 1.5f));  // a cleared accumulator takes any pixel type
  staging.begin_second_pass();
  staging.add(Image<float>(2, 3, 3, 1.5f));
  EXPECT_EQ(staging.summarize().max, 1.5);
  // Cleared in the second pass of float data: back to a first pass that takes integers.
  staging.clear();
  staging.add(image[0]);
  PixelStats again(2);
  again.merge(staging);
  expect_same(again.summarize(), run_stats(image), 0.0);
  // A histogram gone sparse (a range of 2^30 values), cleared, counts densely again.
  Image<std::int32_t> far(2, 1, 2);
  far.pixels = {0, 1 << 30, 5, 1 << 30};
  staging.clear();
  staging.add(far);
  staging.clear();
  staging.add(image[0]);
  PixelStats third(2);
  third.merge(staging);
  expect_same(third.summarize(), run_stats(image), 0.0);
}

TEST(PixelStatsErrors, ChannelAndTypeMismatch) {
  PixelStats stats(2);
  EXPECT_THROW(stats.add(Image<std::int16_t>(3, 2, 2)), Error);
  stats.add(Image<std::int16_t>(2, 2, 2, 1));
  EXPECT_THROW(stats.add(Image<float>(2, 2, 2)), Error);
  EXPECT_THROW(stats.add(Image<double>(2, 2, 2)), Error);
  EXPECT_THROW(stats.merge(PixelStats(3)), Error);
  EXPECT_THROW(PixelStats(0), Error);
  PixelStats u64(1);
  u64.add(Image<std::uint64_t>(1, 1, 1, 5));
  EXPECT_THROW(u64.add(Image<std::int64_t>(1, 1, 1, 5)), Error);  // numpy: float64
  EXPECT_THROW(u64.add(Image<std::uint64_t>(1, 1, 1, std::uint64_t{1} << 63)), Error);
  try {
    stats.add(Image<std::int16_t>(3, 2, 2));
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("3 channels"), std::string::npos) << e.what();
  }
  EXPECT_THROW(PixelStats(1).summarize(), Error);  // nothing added
  PixelStats one_empty(2);
  one_empty.add(Image<std::int16_t>(2, 0, 5));  // no pixels: accepted, but nothing to report
  EXPECT_THROW(one_empty.summarize(), Error);
}

TEST(PixelStatsErrors, SecondPassProtocol) {
  PixelStats ints(1);
  ints.add(Image<std::int16_t>(1, 2, 2, 3));
  EXPECT_FALSE(ints.needs_second_pass());
  EXPECT_THROW(ints.begin_second_pass(), Error);
  EXPECT_NO_THROW(ints.summarize());

  Image<float> img(1, 3, 3);
  for (std::size_t i = 0; i < 9; ++i) img.pixels[i] = float(i) * 0.5f;
  PixelStats f(1);
  f.add(img);
  EXPECT_TRUE(f.needs_second_pass());
  EXPECT_THROW(f.summarize(), Error);  // second pass missing
  PixelStats other_pass1 = f.fork();
  f.begin_second_pass();
  EXPECT_FALSE(f.needs_second_pass());
  EXPECT_THROW(f.begin_second_pass(), Error);
  EXPECT_THROW(f.merge(other_pass1), Error);  // pass 1 into pass 2
  EXPECT_THROW(f.add(Image<std::int16_t>(1, 3, 3)), Error);
  EXPECT_THROW(f.summarize(), Error);  // pass 2 saw nothing yet
  Image<float> changed = img;
  changed.pixels[4] = 1e20f;  // same count, another value bucket
  PixelStats g = f.fork();
  g.add(changed);
  EXPECT_THROW(g.summarize(), Error);
  PixelStats h = f.fork();
  h.add(changed);
  f.merge(h);
  EXPECT_THROW(f.summarize(), Error);

  PixelStats empty_float(1);
  EXPECT_THROW(empty_float.begin_second_pass(), Error);
}

TEST(PixelStatsErrors, NanAndUnrelatedSecondPassMerge) {
  PixelStats f(1);
  Image<float> nan_img(1, 1, 2);
  nan_img.pixels = {1.0f, std::numeric_limits<float>::quiet_NaN()};
  EXPECT_THROW(f.add(nan_img), Error);
  PixelStats a(1), b(1);
  a.add(Image<float>(1, 2, 2, 1.0f));
  b.add(Image<float>(1, 2, 2, -5.0f));
  a.begin_second_pass();
  b.begin_second_pass();
  EXPECT_THROW(a.merge(b), Error);
}

}  // namespace
}  // namespace flamecare

namespace flamecare {
namespace {

// The images in `shards` round-robin shares, each accumulated alone and merged in order, then
// the second pass over all; with `saved` each share goes through state() and from_state() first
// (what create-merge does with the shards' states).
StatsSummary run_sharded(const std::vector<AnyImage>& images, int shards, bool saved) {
  const int channels = shape_of(images.front()).channels;
  PixelStats merged(channels);
  for (int k = 0; k < shards; ++k) {
    PixelStats shard(channels);
    for (std::size_t i = std::size_t(k); i < images.size(); i += std::size_t(shards))
      shard.add(images[i]);
    merged.merge(saved ? PixelStats::from_state(shard.state()) : std::move(shard));
  }
  if (merged.needs_second_pass()) {
    merged.begin_second_pass();
    for (const auto& image : images) merged.add(image);
  }
  return merged.summarize();
}

TEST(PixelStatsState, SavedAndRestoredMergesExactly) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> d(-500, 5000);
  std::uniform_int_distribution<std::int32_t> wide(-2000000000, 2000000000);
  std::uniform_real_distribution<float> f(-1.0f, 3.0f);
  std::vector<AnyImage> ints, sparse, floats;
  for (int i = 0; i < 6; ++i) ints.push_back(random_image<std::int16_t>(2, 9 + i, 11, rng, d));
  for (int i = 0; i < 4; ++i) sparse.push_back(random_image<std::int32_t>(1, 8, 8, rng, wide));
  for (int i = 0; i < 6; ++i) floats.push_back(random_image<float>(3, 7 + i, 9, rng, f));
  for (const int shards : {1, 2, 5}) {
    SCOPED_TRACE(shards);
    expect_same(run_sharded(ints, shards, true), run_stats(ints), 0.0);
    expect_same(run_sharded(sparse, shards, true), run_stats(sparse), 0.0);
    // Bit for bit what merging the accumulators themselves gives; within rounding of one.
    expect_same(run_sharded(floats, shards, true), run_sharded(floats, shards, false), 0.0);
    expect_same(run_sharded(floats, shards, true), run_stats(floats), 1e-15);
  }
}

TEST(PixelStatsState, EmptyShardAndSecondPass) {
  PixelStats empty(2);
  const PixelStatsState state = empty.state();
  EXPECT_FALSE(state.type.has_value());
  PixelStats restored = PixelStats::from_state(state);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> f(0.0f, 1.0f);
  restored.add(random_image<float>(2, 4, 4, rng, f));
  restored.begin_second_pass();
  test_support::expect_kind(ErrorKind::kInvalidArgument, [&] { (void)restored.state(); });
}

TEST(PixelStatsState, InconsistentStatesAreRefused) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> d(0, 100);
  PixelStats ints(1);
  ints.add(random_image<std::uint8_t>(1, 4, 4, rng, d));
  std::uniform_real_distribution<float> f(0.0f, 1.0f);
  PixelStats floats(1);
  floats.add(random_image<float>(1, 4, 4, rng, f));
  const auto refused = [](PixelStatsState s) {
    test_support::expect_kind(ErrorKind::kInvalidArgument, [&] { PixelStats::from_state(s); });
  };
  PixelStatsState s = ints.state();
  s.channels = 2;  // one channel state for two channels
  refused(s);
  s = ints.state();
  s.channel[0].values.push_back({300, 1});  // above uint8
  refused(s);
  s = ints.state();
  std::swap(s.channel[0].values.front(), s.channel[0].values.back());  // unsorted
  refused(s);
  s = ints.state();
  s.channel[0].values.front().second = 0;
  refused(s);
  s = ints.state();
  s.channel[0].count = 5;  // float state in an integer channel
  refused(s);
  s = floats.state();
  s.channel[0].count += 1;  // buckets do not add up
  refused(s);
  s = floats.state();
  s.channel[0].high.push_back({70000, 1});
  refused(s);
  s = floats.state();
  s.channel[0].values.push_back({1, 1});
  refused(s);
  s = ints.state();
  s.type.reset();  // pixels without a type
  refused(s);
  s = ints.state();
  s.type = PixelType::kFloat64;
  refused(s);
}

}  // namespace
}  // namespace flamecare
