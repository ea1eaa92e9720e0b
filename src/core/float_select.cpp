// Exact order statistics of float32 data by counting instead of partitioning (numpy_quantile.hpp).
#include <cstring>

#include "core/numpy_quantile.hpp"

namespace flamecare::detail {
namespace {

constexpr std::uint32_t kBuckets = 1u << 16;

// A float's place in sorted order as an unsigned integer: negatives (sign bit set) reversed below
// the positives.
std::uint32_t order_key(float v) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & 0x80000000u) != 0 ? ~bits : (bits | 0x80000000u);
}

float from_key(std::uint32_t key) {
  const std::uint32_t bits = (key & 0x80000000u) != 0 ? (key & 0x7fffffffu) : ~key;
  float v = 0;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// The bucket holding sorted rank `rank`, and the rank within it.
std::pair<std::uint32_t, std::uint64_t> locate(const std::vector<std::uint64_t>& counts,
                                               std::uint64_t rank) {
  std::uint64_t below = 0;
  std::uint32_t b = 0;
  while (b + 1 < counts.size() && rank >= below + counts[b]) below += counts[b++];
  return {b, rank - below};
}

}  // namespace

std::pair<float, float> float_values_at_ranks(std::span<const float> values, std::uint64_t r0,
                                              std::uint64_t r1) {
  std::vector<std::uint64_t> high(kBuckets, 0);
  for (const float v : values) ++high[order_key(v) >> 16];
  const auto [b0, rank0] = locate(high, r0);
  const auto [b1, rank1] = locate(high, r1);
  std::vector<std::uint64_t> low0(kBuckets, 0), low1(b1 == b0 ? 0 : kBuckets, 0);
  for (const float v : values) {
    const std::uint32_t key = order_key(v);
    if (key >> 16 == b0) {
      ++low0[key & 0xffffu];
    } else if (key >> 16 == b1) {
      ++low1[key & 0xffffu];
    }
  }
  const std::uint32_t key0 = b0 << 16 | locate(low0, rank0).first;
  const std::uint32_t key1 = b1 << 16 | locate(b1 == b0 ? low0 : low1, rank1).first;
  return {from_key(key0), from_key(key1)};
}

}  // namespace flamecare::detail
