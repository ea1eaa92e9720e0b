#pragma once
// Portable seeded randomness: std::mt19937_64 is specified bit-for-bit by the standard, but the
// standard distributions are not, so bounded draws and shuffles are written here.
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace flamecare::detail {

/// A fresh 64-bit seed from the system's entropy source, for runs given no seed (the seed used is
/// always recorded, so the run can be repeated).
inline std::uint64_t fresh_seed() {
  std::random_device device;
  return (std::uint64_t(device()) << 32) ^ device();
}

/// Uniform integer in [0, n) for n > 0, unbiased (Lemire's multiply-and-reject).
inline std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
  __extension__ typedef unsigned __int128 Uint128;
  Uint128 product = Uint128(rng()) * n;
  auto low = static_cast<std::uint64_t>(product);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (low < threshold) {
      product = Uint128(rng()) * n;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

/// Fisher–Yates shuffle of the first k positions: afterwards items[0..k) is a uniform random
/// k-subset in random order.
template <class T>
void partial_shuffle(std::vector<T>& items, std::size_t k, std::mt19937_64& rng) {
  const std::size_t n = items.size();
  for (std::size_t i = 0; i < k && i + 1 < n; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(uniform_below(rng, n - i));
    std::swap(items[i], items[j]);
  }
}

/// Full Fisher–Yates shuffle.
template <class T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  partial_shuffle(items, items.size(), rng);
}

}  // namespace flamecare::detail
