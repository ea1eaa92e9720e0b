#pragma once
// Exact value counts of integer pixels: dense over the seen range while that range is modest,
// else sorted (value, count) runs. Memory depends on the value range, not on the pixel count.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace flamecare::detail {

class IntHistogram {
 public:
  /// Widest dense range (bins); beyond it the histogram switches to sorted runs.
  static constexpr std::int64_t kMaxDenseBins = std::int64_t{1} << 22;

  /// Adds values (already widened to int64).
  void add(std::span<const std::int64_t> values);
  template <class T>
  void add_typed(std::span<const T> values);
  void merge(const IntHistogram& other);

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return min_; }
  std::int64_t max() const { return max_; }
  bool is_dense() const { return !sparse_; }

  /// Calls fn(value, count) for each distinct value, ascending.
  template <class Fn>
  void for_each(Fn&& fn) const {
    if (sparse_) {
      flush();
      for (const auto& [v, c] : runs_) fn(v, c);
      return;
    }
    for (std::size_t i = 0; i < dense_.size(); ++i) {
      if (dense_[i] != 0) fn(base_ + static_cast<std::int64_t>(i), dense_[i]);
    }
  }

  /// Values at the given ascending ranks (0-based positions in the sorted pixels).
  std::vector<std::int64_t> values_at_ranks(const std::vector<std::uint64_t>& ranks) const;

 private:
  void ensure_dense_range(std::int64_t lo, std::int64_t hi);
  void to_sparse();
  // Queues runs; they are merged into runs_ once the queue is as long as runs_, so each pixel
  // costs O(log) amortised instead of one pass over runs_ per image.
  void stage_runs(const std::vector<std::pair<std::int64_t, std::uint64_t>>& more);
  void flush() const;

  std::uint64_t count_ = 0;
  std::int64_t min_ = 0, max_ = 0;
  bool sparse_ = false;
  std::int64_t base_ = 0;             // value of dense_[0]
  std::vector<std::uint64_t> dense_;  // counts per value from base_
  // Sorted distinct (value, count); pending_ holds queued runs in any order. Both mutable:
  // reading the histogram first merges the queue (not thread-safe, like any reader here).
  mutable std::vector<std::pair<std::int64_t, std::uint64_t>> runs_;
  mutable std::vector<std::pair<std::int64_t, std::uint64_t>> pending_;
};

template <class T>
void IntHistogram::add_typed(std::span<const T> values) {
  if (values.empty()) return;
  T lo = values[0], hi = values[0];
  for (T v : values) {
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  ensure_dense_range(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi));
  if (!sparse_) {
    std::uint64_t* counts = dense_.data();
    for (T v : values) ++counts[static_cast<std::int64_t>(v) - base_];
    count_ += values.size();
    return;
  }
  std::vector<std::int64_t> wide(values.begin(), values.end());
  add(wide);
}

}  // namespace flamecare::detail
