#pragma once
// numpy 1.24 linear-method quantile arithmetic, reproduced operation by operation
// (numpy/lib/function_base.py: percentile, _quantile, _get_indexes, _get_gamma, _lerp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace flamecare::detail {

/// Where numpy reads a quantile: sorted ranks `previous`, `next` and the weight gamma.
struct QuantileIndex {
  std::uint64_t previous = 0;
  std::uint64_t next = 0;
  double gamma = 0;
};

/// numpy.percentile(q) on n sorted values: q /= 100; virtual index (n − 1)·q; at or above the
/// last index both neighbours become index −1 (the maximum) and gamma = index − (−1).
inline QuantileIndex quantile_index(std::uint64_t n, double percent) {
  const double q = percent / 100.0;
  const double virtual_index = static_cast<double>(n - 1) * q;
  QuantileIndex out;
  if (virtual_index >= static_cast<double>(n - 1)) {
    out.previous = out.next = n - 1;
    out.gamma = virtual_index - (-1.0);
    return out;
  }
  const double previous = std::floor(virtual_index);
  out.previous = static_cast<std::uint64_t>(previous);
  out.next = out.previous + 1;
  out.gamma = virtual_index - previous;
  return out;
}

/// numpy's _lerp(a, b, t) with a, b of the array's dtype T: b − a is computed in T (wrapping
/// for integers, rounding for float32), every other step in float64; t ≥ 0.5 uses b − d·(1 − t).
/// `volatile` keeps the compiler from fusing multiply and add, which numpy never does.
template <class T>
double numpy_lerp(T a, T b, double t) {
  T diff;
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    diff = static_cast<T>(static_cast<U>(static_cast<U>(b) - static_cast<U>(a)));
  } else {
    diff = static_cast<T>(b - a);
  }
  const double d = static_cast<double>(diff);
  if (t >= 0.5) {
    volatile double product = d * (1.0 - t);
    return static_cast<double>(b) - product;
  }
  volatile double product = d * t;
  return static_cast<double>(a) + product;
}

/// The values at sorted ranks r0 ≤ r1 of `values` (no NaN), as a full sort would place them:
/// two counting passes over the order-preserving integer keys (high 16 bits, then the low 16 bits
/// of the one or two buckets holding the ranks), no copy of the data. −0 sorts before +0.
std::pair<float, float> float_values_at_ranks(std::span<const float> values, std::uint64_t r0,
                                              std::uint64_t r1);

/// np.percentile(values, percent) of float32 data, bit for bit (n ≥ 1, no NaN).
inline double float32_percentile(std::span<const float> plane, double percent) {
  const auto index = quantile_index(plane.size(), percent);
  const auto [previous, next] = float_values_at_ranks(plane, index.previous, index.next);
  return numpy_lerp<float>(previous, next, index.gamma);
}

}  // namespace flamecare::detail
