// Exact float order statistics by counting (core/float_select.cpp) against a full sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/numpy_quantile.hpp"

namespace flamecare {
namespace {

// The same bits: ±0 and every other value told apart.
bool same_bits(float a, float b) { return std::signbit(a) == std::signbit(b) && a == b; }

TEST(FloatSelect, RanksEqualAFullSort) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> spread(-1000.0f, 1000.0f);
  std::uniform_int_distribution<int> pick(0, 9);
  for (const std::size_t n : {1u, 2u, 3u, 17u, 1000u, 70000u}) {
    std::vector<float> values(n);
    for (auto& v : values) {
      switch (pick(rng)) {  // duplicates, signed zeros, infinities, tiny and clipped values
        case 0:
          v = 0.0f;
          break;
        case 1:
          v = -0.0f;
          break;
        case 2:
          v = 1.0f;
          break;
        case 3:
          v = std::numeric_limits<float>::denorm_min();
          break;
        case 4:
          v = pick(rng) < 5 ? -std::numeric_limits<float>::infinity()
                            : std::numeric_limits<float>::infinity();
          break;
        default:
          v = spread(rng);
      }
    }
    std::vector<float> sorted = values;
    // −0 before +0, as the counting orders them.
    std::sort(sorted.begin(), sorted.end(), [](float a, float b) {
      return a < b || (a == b && std::signbit(a) && !std::signbit(b));
    });
    for (std::size_t r = 0; r < n; r += std::max<std::size_t>(1, n / 97)) {
      const std::size_t r1 = std::min(r + 1, n - 1);
      const auto [a, b] = detail::float_values_at_ranks(values, r, r1);
      EXPECT_TRUE(same_bits(a, sorted[r])) << "n " << n << " rank " << r << ": " << a;
      EXPECT_TRUE(same_bits(b, sorted[r1])) << "n " << n << " rank " << r1 << ": " << b;
    }
  }
}

TEST(FloatSelect, PercentilesEqualTheSortedReference) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (const std::size_t n : {1u, 2u, 5u, 1001u, 123457u}) {
    std::vector<float> values(n);
    for (auto& v : values) v = std::min(1.0f, unit(rng) * 1.2f);  // a share clipped to 1
    std::vector<float> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (const double q : {0.0, 0.1, 1.0, 50.0, 99.0, 99.9, 100.0}) {
      const auto index = detail::quantile_index(n, q);
      const double want =
          detail::numpy_lerp<float>(sorted[index.previous], sorted[index.next], index.gamma);
      EXPECT_EQ(detail::float32_percentile(values, q), want) << "n " << n << " q " << q;
    }
  }
}

}  // namespace
}  // namespace flamecare
