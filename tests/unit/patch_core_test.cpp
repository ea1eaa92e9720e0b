#include "flamecare/patch_core.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "flamecare/error.hpp"
#include "pipeline/patch_sampling.hpp"
#include "util/random.hpp"

namespace flamecare {
namespace {

TEST(NormalizePlane, FormulaAndClipping) {
  const std::vector<double> v{5, 10, 12.5, 15, 20, 25, 10.000001};
  std::vector<float> out(v.size());
  normalize_plane(v, 10.0, 20.0, out);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[2], 0.25f);
  EXPECT_EQ(out[3], 0.5f);
  EXPECT_EQ(out[4], static_cast<float>(10.0 / (10.0 + 1e-20)));
  EXPECT_EQ(out[5], 1.0f);
  EXPECT_EQ(out[6], static_cast<float>((10.000001 - 10.0) / (20.0 - 10.0 + 1e-20)));
  // p1 == p99: the 1e-20 keeps the division finite; anything above p1 saturates.
  normalize_plane(v, 12.5, 12.5, out);
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_EQ(out[3], 1.0f);
  EXPECT_THROW(normalize_plane(v, 0, 1, std::span<float>(out).first(3)), Error);
}

// numpy.percentile of a float32 array: neighbours subtracted in float32, the rest in float64.
double numpy_percentile_f32(std::vector<float> v, double q) {
  std::sort(v.begin(), v.end());
  const double vi = double(v.size() - 1) * (q / 100.0);
  if (vi >= double(v.size() - 1)) return v.back();
  const std::size_t i = std::size_t(vi);
  const double t = vi - double(i);
  const double d = double(v[i + 1] - v[i]);
  return t >= 0.5 ? double(v[i + 1]) - d * (1 - t) : double(v[i]) + d * t;
}

std::vector<float> brute_max(const std::vector<float>& in, int h, int w, int s) {
  std::vector<float> out(in.size(), 0.0f);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float best = -1e30f;
      for (int yy = y - s / 2; yy <= y + s - 1 - s / 2; ++yy)
        for (int xx = x - s / 2; xx <= x + s - 1 - s / 2; ++xx)
          best = std::max(
              best, yy >= 0 && yy < h && xx >= 0 && xx < w ? in[std::size_t(yy * w + xx)] : 0.0f);
      out[std::size_t(y * w + x)] = best;
    }
  return out;
}

std::vector<std::pair<int, int>> brute_centres(const std::vector<float>& gt, int h, int w, int p,
                                               double t) {
  const auto filtered = brute_max(gt, h, w, p > 1 ? p / 2 : p);
  const float limit = float(t * numpy_percentile_f32(gt, 99.9));
  std::vector<std::pair<int, int>> out;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (y >= p / 2 && y < h - p + p / 2 + 1 && x >= p / 2 && x < w - p + p / 2 + 1 &&
          filtered[std::size_t(y * w + x)] > limit)
        out.emplace_back(y, x);
  return out;
}

std::vector<std::pair<int, int>> as_pairs(const std::vector<PatchCentre>& c) {
  std::vector<std::pair<int, int>> out;
  for (const auto& p : c) out.emplace_back(p.y, p.x);
  return out;
}

// Sparse bright blobs on a dark background, like a normalised ground truth.
std::vector<float> blob_plane(int h, int w, std::mt19937_64& rng) {
  std::vector<float> v(std::size_t(h * w), 0.0f);
  std::uniform_real_distribution<float> d(0.0f, 1.0f);
  for (auto& x : v) x = d(rng) < 0.03f ? d(rng) : 0.02f * d(rng);
  return v;
}

TEST(EligibleCentres, EqualsBruteForceCsbdeepRule) {
  std::mt19937_64 rng(21);
  int non_trivial = 0;
  for (int p : {1, 2, 3, 4, 8, 9, 16}) {
    for (double t : {0.0, 0.2, 0.5, 0.9}) {
      const int h = 24 + p % 5, w = 31;
      const auto gt = blob_plane(h, w, rng);
      const auto got = as_pairs(eligible_centres(gt, h, w, p, t));
      EXPECT_EQ(got, brute_centres(gt, h, w, p, t)) << "P=" << p << " t=" << t;
      const std::size_t all = std::size_t(h - p + 1) * std::size_t(w - p + 1);
      if (!got.empty() && got.size() < all) ++non_trivial;
    }
  }
  EXPECT_GT(non_trivial, 10);  // the threshold really removed some centres and kept others
}

// Runs a Python snippet on a float file and returns its stdout.
std::string run_python(const std::string& script, const void* data, std::size_t bytes,
                       const std::string& args) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto stem = "flamecare_patch_" + std::to_string(::getpid());
  const auto data_path = dir / (stem + ".bin"), script_path = dir / (stem + ".py");
  std::ofstream(data_path, std::ios::binary)
      .write(static_cast<const char*>(data), std::streamsize(bytes));
  std::ofstream(script_path) << script;
  const std::string command = test_support::test_python() + " " + script_path.string() + " " +
                              data_path.string() + " " + args;
  const std::string text = test_support::run_command(command);
  std::filesystem::remove(data_path);
  std::filesystem::remove(script_path);
  return text;
}

TEST(EligibleCentres, MatchesCsbdeepCodeInPython) {
  // The body of csbdeep.data.generate.no_background_patches + the border slice of
  // sample_patches_from_multiple_stacks, for patch_size (P, P); one block of "y x" lines per
  // case, each block ending with "--".
  const std::string script = R"PY(
import sys, numpy as np
from scipy.ndimage import maximum_filter
h, w = int(sys.argv[2]), int(sys.argv[3])
image = np.fromfile(sys.argv[1], dtype=np.float32).reshape(h, w).astype(np.float32)
for case in sys.argv[4:]:
    p, threshold = int(case.split(':')[0]), float(case.split(':')[1])
    ps = [p, p]
    filtered = maximum_filter(image, [(q//2 if q>1 else q) for q in ps], mode='constant')
    mask = filtered > threshold * np.percentile(image, 99.9)
    sl = tuple(slice(s//2, d-s+s//2+1) for s, d in zip(ps, image.shape))
    ys, xs = np.where(mask[sl])
    for y, x in zip(ys + sl[0].start, xs + sl[1].start): print(y, x)
    print('--')
)PY";
  std::mt19937_64 rng(22);
  const int h = 40, w = 50;
  const auto gt = blob_plane(h, w, rng);
  const std::vector<std::pair<int, double>> cases{{16, 0.5}, {1, 0.5},  {2, 0.3},
                                                  {3, 0.7},  {7, 0.05}, {40, 0.5}};
  std::string args = std::to_string(h) + " " + std::to_string(w);
  for (const auto& [p, t] : cases) args += " " + std::to_string(p) + ":" + std::to_string(t);
  std::istringstream out(run_python(script, gt.data(), gt.size() * 4, args));
  std::size_t non_empty = 0;
  for (const auto& [p, t] : cases) {
    std::vector<std::pair<int, int>> want;
    std::string line;
    while (std::getline(out, line) && line != "--") {
      std::istringstream row(line);
      int y = 0, x = 0;
      row >> y >> x;
      want.emplace_back(y, x);
    }
    non_empty += want.empty() ? 0 : 1;
    EXPECT_EQ(as_pairs(eligible_centres(gt, h, w, p, t)), want) << "P=" << p << " t=" << t;
  }
  EXPECT_EQ(non_empty, cases.size());
}

TEST(NormalizePlane, MatchesNumpyExpression) {
  // np.clip((x.astype(np.float64) - p1) / (p99 - p1 + 1e-20), 0, 1).astype(np.float32)
  const std::string script = R"PY(
import sys, numpy as np
x = np.fromfile(sys.argv[1], dtype=np.float64)
p1, p99 = float(sys.argv[2]), float(sys.argv[3])
y = np.clip((x.astype(np.float64) - p1) / (p99 - p1 + 1e-20), 0, 1).astype(np.float32)
print(' '.join(repr(float(v)) for v in y))
)PY";
  std::mt19937_64 rng(23);
  std::uniform_int_distribution<int> d(-200, 70000);
  std::vector<double> v(2000);
  for (auto& x : v) x = d(rng);
  const double p1 = 113.25, p99 = 61234.75;
  std::istringstream out(run_python(script, v.data(), v.size() * 8, "113.25 61234.75"));
  std::vector<float> got(v.size());
  normalize_plane(v, p1, p99, got);
  std::size_t checked = 0;
  std::string word;
  while (out >> word) {
    ASSERT_LT(checked, got.size());
    EXPECT_EQ(got[checked], static_cast<float>(std::strtod(word.c_str(), nullptr)))
        << "value " << v[checked];
    ++checked;
  }
  EXPECT_EQ(checked, v.size());
}

// The int32 sums are normalised with a reciprocal and fused multiply-add corrections where the
// CPU has FMA (four or eight lanes): every value must still be the division's, rounded to
// float32, bit for bit — by every path this CPU can run, and by normalize_image's choice.
namespace {

using Normalise =
    std::function<std::vector<float>(const std::vector<std::int32_t>&, double, double)>;

std::vector<std::pair<std::string, Normalise>> int32_normalisers() {
  std::vector<std::pair<std::string, Normalise>> out;
  out.emplace_back("normalize_image",
                   [](const std::vector<std::int32_t>& v, double p1, double p99) {
                     Image<std::int32_t> image(1, 1, int(v.size()));
                     image.pixels = v;
                     detail::NormalizedImage normalised;
                     detail::normalize_image(AnyImage(std::move(image)), std::vector{p1},
                                             std::vector{p99}, normalised);
                     return normalised.pixels;
                   });
  const char* names[] = {"lanes", "fma", "avx512"};
  const std::vector<detail::Int32Path> paths = detail::int32_paths();
  // Says which paths this CPU could not test.
  for (const auto path : {detail::Int32Path::kFma, detail::Int32Path::kAvx512}) {
    if (std::find(paths.begin(), paths.end(), path) == paths.end())
      std::printf("note: this CPU cannot run the %s path; it is not tested here\n",
                  names[int(path)]);
  }
  for (const detail::Int32Path path : paths) {
    out.emplace_back(
        names[int(path)], [path](const std::vector<std::int32_t>& v, double p1, double p99) {
          std::vector<float> normalised(v.size());
          detail::normalize_int32_by(path, v.data(), v.size(), p1, p99, normalised.data());
          return normalised;
        });
  }
  return out;
}

}  // namespace

TEST(NormalizeImage, Int32SumsAreTheDivisionsBitForBit) {
  for (const auto& [name, normalise] : int32_normalisers()) {
    SCOPED_TRACE(name);
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> where(-5000.0, 200000.0);
    const double ranges[] = {0.0, 1e-9, 0.25, 1.0, 3.0, 977.5, 65535.0, 1e6, 3e9};
    std::size_t checked = 0;
    for (const double range : ranges) {
      for (int trial = 0; trial < 8; ++trial) {
        const double p1 = std::round(where(rng) * 8) / 8, p99 = p1 + range;
        // Lengths leaving 3 (the scalar tail) and 7 (four lanes, then the tail) after the
        // eight lanes.
        std::vector<std::int32_t> values(trial % 2 == 0 ? 4099 : 4103);
        std::uniform_int_distribution<std::int64_t> near(
            std::int64_t(p1) - 2 * std::int64_t(range) - 9, std::int64_t(p99) + 9);
        for (auto& v : values)
          v = std::int32_t(std::clamp<std::int64_t>(near(rng), INT32_MIN, INT32_MAX));
        values[0] = INT32_MIN;
        values[1] = INT32_MAX;
        const std::vector<float> out = normalise(values, p1, p99);
        for (std::size_t i = 0; i < values.size(); ++i) {
          const double v = (double(values[i]) - p1) / (p99 - p1 + 1e-20);
          const float expected = float(v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v));
          ASSERT_EQ(out[i], expected) << values[i] << " with p1 " << p1 << ", p99 " << p99;
          ++checked;
        }
      }
    }
    EXPECT_EQ(checked, std::size(ranges) * 4 * (4099 + 4103));
    // Values whose quotient, taken as a product with the rounded reciprocal and no correction,
    // rounds to another float32 than the division's (found by a search over random bounds).
    struct Case {
      std::int32_t x;
      double p1, p99;
    };
    for (const Case c :
         {Case{117696, 52049.625, 118719.24851640555}, Case{94977, 40079.25, 101738.74978070117},
          Case{89181, 42510.375, 103609.75254031051}}) {
      const double scale = c.p99 - c.p1 + 1e-20;
      ASSERT_NE(float((c.x - c.p1) * (1.0 / scale)), float((c.x - c.p1) / scale));
      // 13 values: in eight lanes, then four, then the scalar tail (19: eight lanes twice, then
      // the tail; the four-lane path takes four lanes four times).
      for (const std::size_t n : {std::size_t(13), std::size_t(19)})
        for (const float v : normalise(std::vector<std::int32_t>(n, c.x), c.p1, c.p99))
          EXPECT_EQ(v, float((c.x - c.p1) / scale)) << c.x << " of " << n;
    }
    // Bounds no real dataset has (a JSON can hold them): infinite, zero, tiny or huge scales,
    // non-finite or subnormal p1. Still the division's values, NaN where it gives NaN.
    const double big = std::numeric_limits<double>::max(), inf = HUGE_VAL;
    const std::pair<double, double> odd[] = {
        {1e308, -1e308}, {1e-20, 0.0}, {1e300, 1e300}, {-big, big},         {5e-324, 1.0},
        {0.0, 0x1p-210}, {inf, inf},   {1.0, inf},     {std::nan(""), 2.0}, {0x1p41, 0x1p42}};
    for (const auto& [p1, p99] : odd) {
      const std::vector<std::int32_t> values = {INT32_MIN, -7,    -1,        0, 1, 2,
                                                9,         65535, INT32_MAX, 3, -3};
      const std::vector<float> out = normalise(values, p1, p99);
      for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = (double(values[i]) - p1) / (p99 - p1 + 1e-20);
        const float expected = float(v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v));
        if (std::isnan(expected)) {
          EXPECT_TRUE(std::isnan(out[i])) << values[i] << " with p1 " << p1 << ", p99 " << p99;
        } else {
          EXPECT_EQ(out[i], expected) << values[i] << " with p1 " << p1 << ", p99 " << p99;
        }
      }
    }
  }
}

TEST(EligibleCentres, DarkPlaneAndTinyPlanes) {
  const std::vector<float> dark(20 * 30, 0.0f);
  EXPECT_TRUE(eligible_centres(dark, 20, 30, 8, 0.5).empty());  // 0 > 0 is false
  EXPECT_TRUE(eligible_centres(dark, 20, 30, 8, 0.0).empty());
  std::vector<float> lit(20 * 30, 0.0f);
  lit[5 * 30 + 7] = 1.0f;
  EXPECT_TRUE(eligible_centres(lit, 20, 30, 21, 0.5).empty());  // patch taller than plane
  const auto one = eligible_centres(lit, 20, 30, 20, 0.0);      // exactly one row of centres
  for (const auto& c : one) EXPECT_EQ(c.y, 10);
  // numpy compares the float32 filtered array with the float64 limit in float32: for a
  // constant 0.1f plane and t = 1 − 2^−40 the limit rounds to 0.1f and nothing is eligible
  // (checked with numpy 1.24/scipy 1.10), although 0.1f > t·0.1f in double.
  const std::vector<float> flat(8 * 8, 0.1f);
  const double t = 1.0 - std::ldexp(1.0, -40);
  ASSERT_GT(double(0.1f), t * double(0.1f));
  EXPECT_TRUE(eligible_centres(flat, 8, 8, 4, t).empty());
  EXPECT_EQ(eligible_centres(flat, 8, 8, 4, 0.99).size(), 25u);
  const std::vector<float> single{3.0f};
  EXPECT_EQ(as_pairs(eligible_centres(single, 1, 1, 1, 0.5)),
            (std::vector<std::pair<int, int>>{{0, 0}}));
}

TEST(EligibleCentres, RejectsBadArguments) {
  const std::vector<float> plane(12, 1.0f);
  EXPECT_THROW(eligible_centres(plane, 3, 3, 2, 0.5), Error);  // size mismatch
  EXPECT_THROW(eligible_centres(plane, 3, 4, 0, 0.5), Error);
  EXPECT_THROW(eligible_centres(plane, 3, 4, 2, 1.5), Error);
  EXPECT_THROW(eligible_centres(plane, 3, 4, 2, -0.1), Error);
  auto nan_plane = plane;
  nan_plane[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(eligible_centres(nan_plane, 3, 4, 2, 0.5), Error);
}

std::vector<PatchCentre> grid(int n) {
  std::vector<PatchCentre> out;
  for (int i = 0; i < n; ++i) out.push_back({i / 10, i % 10});
  return out;
}

TEST(SampleCentres, WithoutReplacementDistinct) {
  const auto cands = grid(100);
  std::mt19937_64 rng(5);
  const auto s = sample_centres(cands, 40, rng);
  ASSERT_EQ(s.size(), 40u);
  std::set<std::pair<int, int>> seen;
  for (const auto& c : s) {
    EXPECT_TRUE(c.y >= 0 && c.y < 10 && c.x >= 0 && c.x < 10);
    seen.emplace(c.y, c.x);
  }
  EXPECT_EQ(seen.size(), 40u);
  std::mt19937_64 rng_all(5);
  const auto all = as_pairs(sample_centres(cands, 100, rng_all));
  using Pairs = std::set<std::pair<int, int>>;
  EXPECT_EQ(Pairs(all.begin(), all.end()).size(), 100u);
}

TEST(SampleCentres, WithReplacementWhenTooFew) {
  const auto cands = grid(3);
  std::mt19937_64 rng(6);
  const auto s = sample_centres(cands, 50, rng);
  ASSERT_EQ(s.size(), 50u);
  std::set<std::pair<int, int>> seen;
  for (const auto& c : s) seen.emplace(c.y, c.x);
  EXPECT_EQ(seen.size(), 3u);  // 50 draws from 3 hit all of them (fails with p ≈ 3·(2/3)^50)
  EXPECT_TRUE(sample_centres(cands, 0, rng).empty());
  EXPECT_THROW(sample_centres({}, 1, rng), Error);
}

TEST(SampleCentres, DeterministicAndUniform) {
  const auto cands = grid(10);
  std::mt19937_64 a(99), b(99), c(100);
  const auto sa = as_pairs(sample_centres(cands, 5, a));
  EXPECT_EQ(sa, as_pairs(sample_centres(cands, 5, b)));
  EXPECT_NE(sa, as_pairs(sample_centres(cands, 5, c)));
  // First pick of 3-of-10 over 20000 draws: each candidate ≈ 2000 times.
  std::vector<int> hits(10, 0);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) ++hits[std::size_t(sample_centres(cands, 3, rng)[0].x)];
  for (int h : hits) EXPECT_NEAR(h, 2000, 250);
}

// The sparse Fisher–Yates (only swapped positions stored) draws exactly what the textbook one with
// a full index array draws, so npz files keep their content for a seed.
TEST(SampleCentres, SameDrawsAsAFullIndexArray) {
  const auto cands = grid(1000);
  for (const std::size_t n : {1u, 7u, 450u, 1000u}) {
    std::mt19937_64 a(123 + n), b(123 + n);
    std::vector<std::size_t> order(cands.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<std::pair<int, int>> want;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t j = i + detail::uniform_below(b, order.size() - i);
      std::swap(order[i], order[j]);
      want.emplace_back(cands[order[i]].y, cands[order[i]].x);
    }
    EXPECT_EQ(as_pairs(sample_centres(cands, n, a)), want) << n << " of " << cands.size();
  }
}

}  // namespace
}  // namespace flamecare
