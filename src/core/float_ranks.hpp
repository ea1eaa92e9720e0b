#pragma once
// Exact order statistics of float32 pixels in two passes with bounded memory: pass 1 counts
// the high 16 bits of each value's order-preserving key, pass 2 counts the low 16 bits inside
// the few high buckets that hold the wanted ranks.
#include <cstdint>
#include <span>
#include <vector>

namespace flamecare::detail {

/// Compensated (Neumaier) double sum; merging adds both parts.
struct CompensatedSum {
  double sum = 0;
  double compensation = 0;
  void add(double v);
  void merge(const CompensatedSum& other);
  double value() const { return sum + compensation; }
};

/// One channel's float32 accumulator for both passes.
class FloatRanks {
 public:
  static constexpr std::size_t kBuckets = 65536;

  /// Pass 1: counts, min, max, sum, high-bits histogram. Throws Error(kInvalidArgument) on NaN.
  void add_pass1(std::span<const float> values);
  /// Pass 2: low-bits histograms in the selected buckets and the squared deviations.
  void add_pass2(std::span<const float> values);
  /// Chooses the buckets holding `ranks` (ascending, < count()) and the centre for pass 2.
  void begin_pass2(const std::vector<std::uint64_t>& ranks);
  void merge_pass1(const FloatRanks& other);
  /// Throws Error(kInvalidArgument) unless other was forked from an identical pass-2 state.
  void merge_pass2(const FloatRanks& other);
  /// The pass-1 high-bits histogram (empty when nothing was added).
  const std::vector<std::uint64_t>& high_counts() const { return high_; }
  /// A pass-1 accumulator holding exactly these numbers (a saved state); `high` has kBuckets
  /// counts (or none when count is 0).
  static FloatRanks restore_pass1(std::uint64_t count, float min, float max, CompensatedSum sum,
                                  std::vector<std::uint64_t> high);
  /// A pass-2 accumulator with this selection and no counts.
  FloatRanks fork_pass2() const;
  /// Checks that pass 2 saw exactly the pixels of pass 1; throws Error(kInvalidArgument).
  void check_pass2() const;
  /// Values at the ranks given to begin_pass2, ascending.
  std::vector<float> values_at_ranks() const;

  std::uint64_t count() const { return count_; }
  float min() const { return min_; }
  float max() const { return max_; }
  double sum() const { return sum_.value(); }
  const CompensatedSum& compensated_sum() const { return sum_; }
  double centre() const { return centre_; }
  /// Σ (v − centre)² from pass 2.
  double squared_deviations() const { return m2_.value(); }

 private:
  std::uint64_t count_ = 0;
  float min_ = 0, max_ = 0;
  CompensatedSum sum_;
  std::vector<std::uint64_t> high_;
  std::vector<std::uint64_t> ranks_;
  std::vector<std::uint32_t> selected_;  // high buckets refined in pass 2, ascending
  std::vector<std::int32_t> slot_;       // high bucket → index into selected_, or −1
  std::vector<std::uint64_t> low_;       // selected_.size() × kBuckets counts
  double centre_ = 0;
  std::vector<std::uint64_t> high2_;  // pass 2's high-bits histogram, must equal high_
  std::uint64_t count2_ = 0;
  CompensatedSum m2_;
};

}  // namespace flamecare::detail
