// The integer shortcut of `patches` (core/centre_bits.cpp) against the float path it replaces:
// order statistics against a full sort, eligible centres against eligible_centres on the
// normalised plane, sampled indices against sample_centres.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/centre_bits.hpp"
#include "core/patch_work.hpp"
#include "flamecare/error.hpp"
#include "flamecare/patch_core.hpp"

namespace flamecare {
namespace {

template <class T>
std::pair<std::int64_t, std::int64_t> sorted_at(std::vector<T> values, std::uint64_t r0,
                                                std::uint64_t r1) {
  std::sort(values.begin(), values.end());
  return {std::int64_t(values[r0]), std::int64_t(values[r1])};
}

// Random values of T in [lo, hi], with a share of ties on a few values.
template <class T>
std::vector<T> random_values(std::size_t n, std::int64_t lo, std::int64_t hi, int tie_percent,
                             std::mt19937_64& rng) {
  std::uniform_int_distribution<std::int64_t> value(lo, hi);
  std::uniform_int_distribution<int> percent(0, 99);
  const std::int64_t ties[] = {lo, hi, (lo + hi) / 2};
  std::vector<T> out(n);
  for (auto& v : out) v = T(percent(rng) < tie_percent ? ties[percent(rng) % 3] : value(rng));
  return out;
}

TEST(PatchIntRanks, EqualAFullSort) {
  std::mt19937_64 rng(3);
  detail::OrderWork work;
  int checked = 0;
  for (const std::size_t n : {1u, 2u, 5u, 100u, 16383u, 16384u, 20000u, 300000u}) {
    for (const int ties : {0, 30, 100}) {
      const auto values = random_values<std::int32_t>(n, -5000, 1 << 20, ties, rng);
      std::vector<std::pair<std::uint64_t, std::uint64_t>> ranks = {
          {0, 0}, {n - 1, n - 1}, {n / 2, std::min(n - 1, n / 2 + 1)}};
      const std::uint64_t top = std::uint64_t(double(n - 1) * 0.999);
      ranks.push_back({top, std::min<std::uint64_t>(n - 1, top + 1)});
      for (const auto& [r0, r1] : ranks) {
        EXPECT_EQ(detail::int_values_at_ranks(std::span<const std::int32_t>(values), r0, r1, work),
                  sorted_at(values, r0, r1))
            << n << " values, " << ties << "% ties, ranks " << r0 << " " << r1;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 96);
}

TEST(PatchIntRanks, OtherTypesAndExtremes) {
  std::mt19937_64 rng(4);
  detail::OrderWork work;
  const auto u32 = random_values<std::uint32_t>(50000, 0, 0xffffffffLL, 20, rng);
  const auto i16 = random_values<std::int16_t>(50000, -32768, 32767, 20, rng);
  const auto i32 = random_values<std::int32_t>(50000, INT32_MIN, INT32_MAX, 20, rng);
  for (const std::uint64_t r : {0u, 777u, 49949u, 49999u}) {
    const std::uint64_t r1 = std::min<std::uint64_t>(r + 1, 49999);
    EXPECT_EQ(detail::int_values_at_ranks(std::span<const std::uint32_t>(u32), r, r1, work),
              sorted_at(u32, r, r1));
    EXPECT_EQ(detail::int_values_at_ranks(std::span<const std::int16_t>(i16), r, r1, work),
              sorted_at(i16, r, r1));
    EXPECT_EQ(detail::int_values_at_ranks(std::span<const std::int32_t>(i32), r, r1, work),
              sorted_at(i32, r, r1));
  }
  // Ranks out of range are a caller error.
  EXPECT_THROW(detail::int_values_at_ranks(std::span<const std::int32_t>(i32), 5, 4, work), Error);
  EXPECT_THROW(detail::int_values_at_ranks(std::span<const std::int32_t>(i32), 0, 50000, work),
               Error);
}

TEST(PatchIntRanks, AMisleadingSampleFallsBackToEveryValue) {
  // Every 64th value (the ones the bound is guessed from) is the largest: the guessed bound is
  // above the wanted rank and the count below it shows that.
  std::vector<std::int32_t> values(64 * 1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = i % 64 == 0 ? 1000000 : int(i % 977);
  detail::OrderWork work;
  const std::uint64_t n = values.size();
  for (const std::uint64_t r : {std::uint64_t(double(n - 1) * 0.999), n / 2, n - 1000, n - 1001}) {
    EXPECT_EQ(detail::int_values_at_ranks(std::span<const std::int32_t>(values), r, r + 1, work),
              sorted_at(values, r, r + 1))
        << r;
  }
}

// The centres of the float path: the plane normalised as normalize_plane does, then
// eligible_centres.
template <class T>
std::vector<PatchCentre> float_path(const std::vector<T>& raw, int h, int w, int p, double t,
                                    double p1, double p99) {
  std::vector<double> values(raw.begin(), raw.end());
  std::vector<float> plane(raw.size());
  normalize_plane(values, p1, p99, plane);
  return eligible_centres(plane, h, w, p, t);
}

template <class T>
std::vector<PatchCentre> bits_path(const std::vector<T>& raw, int h, int w, int p, double t,
                                   double p1, double p99, detail::CentreBits& bits,
                                   detail::OrderWork& work) {
  EXPECT_TRUE(bits.assign(std::span<const T>(raw), h, w, p, t, p1, p99, work));
  std::vector<PatchCentre> out;
  for (std::size_t i = 0; i < bits.size(); ++i) out.push_back(bits[i]);
  return out;
}

bool same(const std::vector<PatchCentre>& a, const std::vector<PatchCentre>& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(),
      [](const PatchCentre& u, const PatchCentre& v) { return u.y == v.y && u.x == v.x; });
}

// Sparse bright blobs on a dim, noisy background: thresholds cut through the blobs' edges.
std::vector<std::int32_t> blobs(int h, int w, std::int64_t lo, std::int64_t hi,
                                std::mt19937_64& rng) {
  std::uniform_int_distribution<std::int64_t> noise(lo, lo + (hi - lo) / 10);
  std::uniform_int_distribution<int> py(0, h - 1), px(0, w - 1), bright(0, 199);
  std::vector<std::int32_t> out(std::size_t(h) * std::size_t(w));
  for (auto& v : out) v = std::int32_t(noise(rng));
  for (int b = 0; b < 6; ++b) {
    const int cy = py(rng), cx = px(rng), r = 1 + bright(rng) % 9;
    for (int y = std::max(0, cy - r); y < std::min(h, cy + r); ++y)
      for (int x = std::max(0, cx - r); x < std::min(w, cx + r); ++x)
        out[std::size_t(y) * std::size_t(w) + std::size_t(x)] =
            std::int32_t(lo + (hi - lo) * (50 + bright(rng) % 150) / 200);
  }
  return out;
}

TEST(PatchCentreBits, EqualTheFloatPath) {
  std::mt19937_64 rng(9);
  detail::CentreBits bits;
  detail::OrderWork work;
  int checked = 0, nonempty = 0;
  const int shapes[][2] = {{1, 1}, {7, 5}, {40, 70}, {64, 64}, {97, 130}, {150, 67}};
  for (const auto& [h, w] : shapes) {
    for (const int p : {1, 2, 3, 5, 8, 16, 33, 64}) {
      for (const double t : {0.0, 0.3, 0.5, 1.0}) {
        // Bounds: inside the data, p1 = p99, negative data and bounds, bounds beyond the data.
        const std::int64_t lo = checked % 3 == 0 ? -3000 : 0, hi = lo + 40000;
        const auto raw = blobs(h, w, lo, hi, rng);
        for (const auto& [p1, p99] : {std::pair{double(lo) + 500.5, double(hi) * 0.7},
                                      {1000.0, 1000.0},
                                      {-5000.25, double(hi) * 2},
                                      {double(hi) * 3, double(hi) * 4}}) {
          const auto want = float_path(raw, h, w, p, t, p1, p99);
          const auto got = bits_path(raw, h, w, p, t, p1, p99, bits, work);
          EXPECT_TRUE(same(got, want))
              << h << "x" << w << " P " << p << " threshold " << t << " p1 " << p1 << " p99 " << p99
              << ": " << got.size() << " centres, float path " << want.size();
          nonempty += want.empty() ? 0 : 1;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 768);
  EXPECT_GT(nonempty, 300);  // the comparison is not between empty sets
}

TEST(PatchCentreBits, ConstantPlanesAndOtherTypes) {
  detail::CentreBits bits;
  detail::OrderWork work;
  for (const std::int32_t v : {0, 7, -7, 1000}) {
    const std::vector<std::int32_t> raw(60 * 50, v);
    for (const double t : {0.0, 0.5, 1.0}) {
      EXPECT_TRUE(same(bits_path(raw, 60, 50, 16, t, 0.0, 1000.0, bits, work),
                       float_path(raw, 60, 50, 16, t, 0.0, 1000.0)))
          << v << " " << t;
    }
  }
  // Bounds below every int32: with threshold 0 every value passes (t is the type's minimum).
  std::mt19937_64 rng(10);
  const auto wide = random_values<std::int32_t>(70 * 130, INT32_MIN, INT32_MAX, 10, rng);
  for (const double t : {0.0, 0.5}) {
    EXPECT_TRUE(same(bits_path(wide, 70, 130, 8, t, -3e9, 3e9, bits, work),
                     float_path(wide, 70, 130, 8, t, -3e9, 3e9)))
        << t;
  }
  const auto u16 = random_values<std::uint16_t>(90 * 70, 0, 65535, 10, rng);
  const auto i8 = random_values<std::int8_t>(90 * 70, -128, 127, 10, rng);
  const auto u32 = random_values<std::uint32_t>(90 * 70, 4000000000LL, 0xffffffffLL, 10, rng);
  for (const int p : {4, 17, 32}) {
    EXPECT_TRUE(same(bits_path(u16, 90, 70, p, 0.9, 100.0, 60000.0, bits, work),
                     float_path(u16, 90, 70, p, 0.9, 100.0, 60000.0)));
    EXPECT_TRUE(same(bits_path(i8, 90, 70, p, 0.9, -100.0, 100.0, bits, work),
                     float_path(i8, 90, 70, p, 0.9, -100.0, 100.0)));
    EXPECT_TRUE(same(bits_path(u32, 90, 70, p, 0.95, 4.1e9, 4.2e9, bits, work),
                     float_path(u32, 90, 70, p, 0.95, 4.1e9, 4.2e9)));
  }
}

TEST(PatchCentreBits, DeclinesBoundsThatAreNotMonotoneAndRejectsBadArguments) {
  detail::CentreBits bits;
  detail::OrderWork work;
  const std::vector<std::int32_t> raw(20 * 20, 5);
  const std::span<const std::int32_t> plane(raw);
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  for (const auto& [p1, p99] :
       {std::pair{nan, 1.0}, {0.0, nan}, {-inf, 1.0}, {0.0, inf}, {5.0, 1.0}}) {
    EXPECT_FALSE(detail::normalization_is_monotone(p1, p99)) << p1 << " " << p99;
    EXPECT_FALSE(bits.assign(plane, 20, 20, 4, 0.5, p1, p99, work)) << p1 << " " << p99;
  }
  EXPECT_TRUE(detail::normalization_is_monotone(3.0, 3.0));
  EXPECT_THROW(bits.assign(plane, 20, 20, 0, 0.5, 0.0, 1.0, work), Error);
  EXPECT_THROW(bits.assign(plane, 20, 20, 4, 1.5, 0.0, 1.0, work), Error);
  EXPECT_THROW(bits.assign(plane, 20, 21, 4, 0.5, 0.0, 1.0, work), Error);
  // Larger than the plane: no centre, as eligible_centres.
  EXPECT_TRUE(bits.assign(plane, 20, 20, 21, 0.5, 0.0, 10.0, work));
  EXPECT_TRUE(bits.empty());
}

TEST(PatchSampleIndices, SameDrawsAsSampleCentres) {
  for (const std::size_t count : {1u, 5u, 36u, 1000u}) {
    std::vector<PatchCentre> candidates;
    for (std::size_t i = 0; i < count; ++i) candidates.push_back({int(i), int(2 * i)});
    for (const std::size_t n : {0u, 1u, 36u, 100u}) {
      std::mt19937_64 a(42), b(42);
      const auto centres = sample_centres(candidates, n, a);
      const auto indices = detail::sample_indices(count, n, b);
      ASSERT_EQ(centres.size(), indices.size());
      for (std::size_t k = 0; k < n; ++k) EXPECT_EQ(centres[k].y, int(indices[k]));
      EXPECT_EQ(a(), b());  // the same number of draws
    }
  }
  std::mt19937_64 rng(1);
  EXPECT_THROW(detail::sample_indices(0, 3, rng), Error);
}

}  // namespace
}  // namespace flamecare
