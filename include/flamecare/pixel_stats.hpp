#pragma once
/// Exact dataset pixel statistics, streamed image by image (DESIGN.md §2).
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "flamecare/image.hpp"

namespace flamecare {

/// Percentiles reported per channel, in this order.
inline constexpr std::array<double, 6> kStatPercentiles = {0.1, 1.0, 5.0, 95.0, 99.0, 99.9};

struct ChannelStats {
  std::array<double, 6> percentiles{};  ///< numpy.percentile (linear) at kStatPercentiles
  double min = 0, max = 0, mean = 0, std = 0;
};

struct StatsSummary {
  std::uint64_t count = 0;                     ///< pixels over all channels
  double min = 0, max = 0, mean = 0, std = 0;  ///< over all channels; std is the population std
  std::vector<ChannelStats> channels;
};

/// Accumulates pixels of images with a fixed channel count and gives numpy's exact results:
/// percentiles equal numpy.percentile on the concatenated pixels of each channel; min, max and
/// mean equal numpy's; std agrees to rounding. Memory does not grow with the number of images.
/// Integer images need one pass. Float images need a second pass: after the first pass over all
/// images, while needs_second_pass(), call begin_pass(2) and add every image again.
class PixelStats {
 public:
  explicit PixelStats(int channels);
  PixelStats(PixelStats&&) noexcept;
  PixelStats& operator=(PixelStats&&) noexcept;
  ~PixelStats();

  /// Adds an image (channels must match; integer images must all share one pixel type family).
  /// Throws Error(kInvalidArgument) on a channel mismatch.
  void add(const AnyImage& image);
  /// Merges another accumulator of the same pass (for threads).
  void merge(const PixelStats& other);
  bool needs_second_pass() const;
  void begin_second_pass();
  StatsSummary summarize() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// numpy.percentile(sorted, q) with linear interpolation, on already sorted values (reference
/// used by tests and for small arrays).
double percentile_sorted(const std::vector<double>& sorted, double q);

}  // namespace flamecare
