// The histogram's min/max pass (AVX2 variants for int32 and uint32) and its dense counts, against
// plain loops over every length up to a few vectors, with values from the whole type's range.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <vector>

#include "core/int_histogram.hpp"

namespace flamecare {
namespace {

template <class T>
std::vector<T> random_values(std::size_t n, std::mt19937_64& rng, T lo, T hi) {
  std::uniform_int_distribution<T> pick(lo, hi);
  std::vector<T> values(n);
  for (T& v : values) v = pick(rng);
  return values;
}

template <class T>
void check_min_max(T lo, T hi) {
  std::mt19937_64 rng(7);
  for (std::size_t n = 1; n <= 70; ++n) {
    const std::vector<T> values = random_values<T>(n, rng, lo, hi);
    const auto [want_lo, want_hi] = std::minmax_element(values.begin(), values.end());
    const auto [got_lo, got_hi] = detail::min_max(values.data(), values.size());
    ASSERT_EQ(got_lo, *want_lo) << n;
    ASSERT_EQ(got_hi, *want_hi) << n;
  }
}

TEST(IntHistogram, MinMaxOfEveryLengthEqualsAPlainLoop) {
  check_min_max<std::int32_t>(std::numeric_limits<std::int32_t>::min(),
                              std::numeric_limits<std::int32_t>::max());
  check_min_max<std::int32_t>(-5, 5);                                          // many ties
  check_min_max<std::uint32_t>(0, std::numeric_limits<std::uint32_t>::max());  // above 2^31
  check_min_max<std::uint32_t>(0x7ffffff0u, 0x80000010u);  // around the sign bit of int32
}

TEST(IntHistogram, CountsOfEveryLengthEqualAPlainCount) {
  std::mt19937_64 rng(11);
  for (std::size_t n = 1; n <= 70; ++n) {
    for (const std::int32_t spread : {3, 1000, 1 << 20}) {
      const auto values = random_values<std::int32_t>(n, rng, -spread, spread);
      detail::IntHistogram histogram;
      histogram.add_typed(std::span<const std::int32_t>(values));
      std::map<std::int64_t, std::uint64_t> want;
      for (const std::int32_t v : values) ++want[v];
      std::map<std::int64_t, std::uint64_t> got;
      histogram.for_each([&](std::int64_t v, std::uint64_t c) { got[v] = c; });
      ASSERT_EQ(got, want) << n << " values within " << spread;
      ASSERT_EQ(histogram.count(), n);
      ASSERT_EQ(histogram.min(), want.begin()->first);
      ASSERT_EQ(histogram.max(), want.rbegin()->first);
    }
  }
}

}  // namespace
}  // namespace flamecare
