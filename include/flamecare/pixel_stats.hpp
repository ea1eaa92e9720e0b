#pragma once
/// Exact dataset pixel statistics, streamed image by image (DESIGN.md §2).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "flamecare/image.hpp"

namespace flamecare {

/// Percentiles reported per channel, in this order.
inline constexpr std::array<double, 6> kStatPercentiles = {0.1, 1.0, 5.0, 95.0, 99.0, 99.9};

/// Statistics of one channel.
struct ChannelStats {
  std::array<double, 6> percentiles{};  ///< numpy.percentile (linear) at kStatPercentiles
  double min = 0, max = 0, mean = 0, std = 0;
};

/// Statistics of a whole dataset (one of input or ground truth).
struct StatsSummary {
  std::uint64_t count = 0;                     ///< pixels over all channels
  double min = 0, max = 0, mean = 0, std = 0;  ///< over all channels; std is the population std
  std::vector<ChannelStats> channels;
};

/// The exact first-pass state of a PixelStats, as plain numbers (what a `create-shard` saves):
/// for integer data the value histogram of each channel, for float32 data each channel's count,
/// min, max, compensated sum and 65536-bucket high-bits histogram. Zero counts are left out.
struct PixelStatsState {
  /// One channel. Integer data: `values`. Float data: the other members.
  struct Channel {
    std::vector<std::pair<std::int64_t, std::uint64_t>> values;  ///< (value, count), ascending
    std::uint64_t count = 0;
    float min = 0, max = 0;
    double sum = 0, compensation = 0;                           ///< Neumaier sum's two parts
    std::vector<std::pair<std::uint32_t, std::uint64_t>> high;  ///< (bucket, count), ascending
  };
  int channels = 0;
  std::optional<PixelType> type;  ///< nullopt: nothing added
  std::vector<Channel> channel;
};

/// Accumulates pixels of images with a fixed channel count and gives numpy 1.24's results:
/// percentiles equal np.percentile (linear) on the concatenated pixels of each channel, bit for
/// bit; min and max equal numpy's; for integer data the mean is exact integer sum / n (equal to
/// numpy's float64 mean while the sum of |values| stays below 2^53) and std is computed around
/// the exact mean from the value histogram in long double (agrees with np.std to ~1e-14). For
/// float32 data mean and std are double-precision (compensated sums; std in the second pass
/// around the exact first-pass mean), i.e. np.mean/np.std(x.astype(np.float64)) to ~1e-15,
/// not numpy's float32-accumulated np.mean(x). Memory does not grow with the number of images.
/// Integer images need one pass. Float32 images need two: after adding every image once, call
/// begin_second_pass() and add the same images again (any order) before summarize().
/// Supported pixel types: all integers (uint64 values up to 2^63 − 1) and float32; integer
/// images of different types combine under numpy's type promotion (int16 + uint16 → int32).
class PixelStats {
 public:
  /// Throws Error(kInvalidArgument) unless channels ≥ 1.
  explicit PixelStats(int channels);
  PixelStats(PixelStats&&) noexcept;
  PixelStats& operator=(PixelStats&&) noexcept;
  ~PixelStats();

  /// Adds an image. Throws Error(kInvalidArgument) on a channel mismatch, a NaN, mixing float
  /// and integer images, or an image of another pixel type than pass 1 during pass 2;
  /// Error(kUnsupported) for float64 images, uint64 values ≥ 2^63 and int64 + uint64 mixes.
  void add(const AnyImage& image);
  /// Adds every pixel of the one-channel image `part` to channel `channel`: an image added piece
  /// by piece (rows as they are made) gives the same statistics as added whole. Throws like
  /// add(), and Error(kInvalidArgument) for a channel out of range or a part of several channels.
  void add_channel(int channel, const AnyImage& part);
  /// Merges another accumulator of the same pass and channel count (for threads); in pass 2 the
  /// other must come from fork() of this one (or of an identical one). Throws
  /// Error(kInvalidArgument) otherwise.
  void merge(const PixelStats& other);
  /// Back to the state of PixelStats(channels), keeping the integer histograms' memory for the
  /// next images.
  void clear();
  /// An empty accumulator in the same state (channels, pixel type, pass and, in pass 2, the
  /// ranks being refined) for another thread to fill and merge back.
  PixelStats fork() const;
  /// True for float data after the first pass until begin_second_pass() is called.
  bool needs_second_pass() const;
  /// Starts the second pass. Throws Error(kInvalidArgument) if no second pass is needed (integer
  /// data, no data, or already in pass 2).
  void begin_second_pass();
  /// The exact first-pass state (save it, merge it elsewhere with from_state + merge). Throws
  /// Error(kInvalidArgument) once the second pass has begun.
  PixelStatsState state() const;
  /// An accumulator in first-pass state `state` (merging it gives exactly what merging the
  /// original would). Throws Error(kInvalidArgument) for an inconsistent state (channel count,
  /// counts that do not add up, a float state of an integer type or the reverse, values out of
  /// the type's range, buckets out of range or unsorted).
  static PixelStats from_state(const PixelStatsState& state);
  /// The statistics. Throws Error(kInvalidArgument) when a channel has no pixels, when float data
  /// still needs its second pass, or when the second pass saw different pixels than the first.
  /// Like every member, not safe to call concurrently on one object (it may merge queued
  /// histogram runs).
  StatsSummary summarize() const;

 private:
  struct Impl;
  explicit PixelStats(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// numpy.percentile(sorted, q) (q in percent) with linear interpolation on already sorted
/// float64 values (reference for tests and small arrays). Throws Error(kInvalidArgument) when
/// sorted is empty or q is outside [0, 100].
double percentile_sorted(const std::vector<double>& sorted, double q);

}  // namespace flamecare
