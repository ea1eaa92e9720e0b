#include "flamecare/patch_core.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "flamecare/error.hpp"

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

TEST(EligibleCentres, MatchesCsbdeepCodeInPython) {
  std::mt19937_64 rng(22);
  const int h = 40, w = 50, p = 16;
  const double t = 0.5;
  const auto gt = blob_plane(h, w, rng);
  const auto dir = std::filesystem::temp_directory_path();
  const auto path = dir / ("flamecare_centres_" + std::to_string(::getpid()) + ".bin");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(gt.data()), std::streamsize(gt.size() * 4));
  // The body of csbdeep.data.generate.no_background_patches + the border slice of
  // sample_patches_from_multiple_stacks, for patch_size (16, 16).
  const std::string script =
      "import numpy as np, sys\n"
      "from scipy.ndimage import maximum_filter\n"
      "image = np.fromfile(sys.argv[1], dtype=np.float32).reshape(40, 50).astype(np.float32)\n"
      "ps = [16, 16]\n"
      "filtered = maximum_filter(image, [(q//2 if q>1 else q) for q in ps], mode='constant')\n"
      "mask = filtered > 0.5 * np.percentile(image, 99.9)\n"
      "sl = tuple(slice(s//2, d-s+s//2+1) for s, d in zip(ps, image.shape))\n"
      "ys, xs = np.where(mask[sl])\n"
      "for y, x in zip(ys + sl[0].start, xs + sl[1].start): print(y, x)\n";
  const std::string command = "/usr/bin/python3 -c \"" + script + "\" " + path.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::vector<std::pair<int, int>> want;
  int y = 0, x = 0;
  while (std::fscanf(pipe, "%d %d", &y, &x) == 2) want.emplace_back(y, x);
  EXPECT_EQ(::pclose(pipe), 0);
  std::filesystem::remove(path);
  EXPECT_FALSE(want.empty());
  EXPECT_EQ(as_pairs(eligible_centres(gt, h, w, p, t)), want);
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

}  // namespace
}  // namespace flamecare
