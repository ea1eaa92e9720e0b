#pragma once
// numpy 1.24 linear-method quantile arithmetic, reproduced operation by operation
// (numpy/lib/function_base.py: percentile, _quantile, _get_indexes, _get_gamma, _lerp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <type_traits>
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

/// np.percentile(values, percent) of float32 data, bit for bit. Copies the values (n ≥ 1).
inline double float32_percentile(std::span<const float> plane, double percent) {
  std::vector<float> values(plane.begin(), plane.end());
  const auto index = quantile_index(values.size(), percent);
  const auto at = [&](std::uint64_t rank) {
    std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(rank), values.end());
    return values[rank];
  };
  const float previous = at(index.previous);
  const float next = at(index.next);
  return numpy_lerp<float>(previous, next, index.gamma);
}

}  // namespace flamecare::detail
