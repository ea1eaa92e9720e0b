#pragma once
// Eligible patch centres of an integer ground-truth plane, found on the sums themselves: the
// normalisation (v − p1) / (p99 − p1 + 1e-20) clipped to [0, 1] and rounded to float32 is monotone
// non-decreasing in v, so (1) the plane's normalised order statistics are the normalised order
// statistics of the sums, (2) the maximum filter commutes with it (the zero padding is never
// above a normalised value) and (3) "filtered > limit" is "some sum in the window ≥ t" for the
// smallest integer t whose normalised value exceeds the limit. The filter becomes a dilation of
// a bit mask: no float image, no float filter, no list of every candidate.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "flamecare/patch_core.hpp"

namespace flamecare::detail {

/// normalize_plane's value for one pixel: (v − p1) / (p99 − p1 + 1e-20) in float64, clipped to
/// [0, 1], rounded to float32.
inline float normalized_value(double v, double p1, double p99) {
  const double scale = p99 - p1 + 1e-20;
  const double x = (v - p1) / scale;
  return static_cast<float>(x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x));
}

/// True when normalized_value is monotone non-decreasing in v for these bounds (p1 and the scale
/// finite, the scale positive): the condition of every shortcut in this header.
bool normalization_is_monotone(double p1, double p99);

/// Scratch memory kept from plane to plane (a worker's).
struct OrderWork {
  std::vector<std::int64_t> sample;
  std::unique_ptr<std::int64_t[]> kept;  // untouched until written: no page faults up front
  std::size_t kept_size = 0;
};

/// The values at sorted ranks r0 ≤ r1 < values.size() of integer `values`, exactly as a full sort
/// places them (a guessed lower bound from every 64th value, checked; everything when it fails).
template <class T>
std::pair<std::int64_t, std::int64_t> int_values_at_ranks(std::span<const T> values,
                                                          std::uint64_t r0, std::uint64_t r1,
                                                          OrderWork& work);

/// Eligible centres as a bit set, row-major; indexable like the list eligible_centres returns.
class CentreBits {
 public:
  /// Number of eligible centres.
  std::size_t size() const { return total_; }
  bool empty() const { return total_ == 0; }
  /// The i-th eligible centre in row-major order (i < size()).
  PatchCentre operator[](std::size_t i) const;

  /// Fills the set from `raw` (height × width, row-major) for patches of `patch_size`: the
  /// centres eligible_centres finds on the plane normalised with p1, p99. T is an integer type of
  /// at most 32 bits. False (the set left unchanged) when the bounds are not monotone
  /// (normalization_is_monotone). Throws Error(kInvalidArgument) as eligible_centres.
  template <class T>
  bool assign(std::span<const T> raw, int height, int width, int patch_size, double threshold,
              double p1, double p99, OrderWork& work);

 private:
  void clear_set();
  template <class T>
  void build_mask(const T* raw, int height, int width, std::int64_t t, int window);
  void dilate(int height, int window);
  void keep_centres(int height, int width, int patch_size, int window);

  int half_ = 0;
  std::size_t words_ = 0;                // words per padded row
  std::vector<std::uint64_t> rows_;      // padded mask rows, dilated in place
  std::vector<std::uint64_t> row_tmp_;   // one row while shifting
  std::vector<std::uint64_t> mask_;      // one unpadded mask row
  std::vector<std::uint64_t> eligible_;  // rows half_ … of the dilated mask, candidates only
  std::vector<std::size_t> before_;      // eligible centres in the rows above each row
  std::size_t total_ = 0;
};

}  // namespace flamecare::detail
