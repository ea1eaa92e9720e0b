#pragma once
// Exact value counts of integer pixels: dense over the seen range while that range is modest,
// else sorted (value, count) runs. Memory depends on the value range, not on the pixel count.
#include <cstdint>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace flamecare::detail {

class IntHistogram {
 public:
  /// Widest dense range (bins); beyond it the histogram switches to sorted runs.
  static constexpr std::int64_t kMaxDenseBins = std::int64_t{1} << 22;
  /// Widest range counted into four interleaved tables first (see count_dense).
  static constexpr std::size_t kSplitBins = std::size_t{1} << 16;

  /// Adds values (already widened to int64).
  void add(std::span<const std::int64_t> values);
  template <class T>
  void add_typed(std::span<const T> values);
  void merge(const IntHistogram& other);
  /// Forgets every value, keeping the dense table's memory (a histogram reused image after image).
  void clear();
  /// Adds `runs`: distinct values, ascending, each with a count ≥ 1 (a saved histogram).
  void add_runs(const std::vector<std::pair<std::int64_t, std::uint64_t>>& runs);

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
  // Adds n values, all in [lo, hi] (within the dense range), to the dense counts.
  template <class T>
  void count_dense(const T* values, std::size_t n, std::int64_t lo, std::int64_t hi);
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

/// The least and the greatest of n ≥ 1 values; the int32 and uint32 ones (the sums of 16-bit
/// frames) with AVX2 where the CPU has it.
std::pair<std::int32_t, std::int32_t> min_max(const std::int32_t* values, std::size_t n);
std::pair<std::uint32_t, std::uint32_t> min_max(const std::uint32_t* values, std::size_t n);

// Min and max in fixed-size chunks, which GCC vectorises at -O2.
template <class T>
[[gnu::always_inline]] inline std::pair<T, T> min_max_of(const T* values, std::size_t n) {
  constexpr std::size_t kChunk = 16;
  T lo = values[0], hi = values[0];
  std::size_t i = 0;
  if (n >= kChunk) {
    T los[kChunk], his[kChunk];
    for (std::size_t k = 0; k < kChunk; ++k) los[k] = his[k] = values[k];
    for (; i + kChunk <= n; i += kChunk) {
      for (std::size_t k = 0; k < kChunk; ++k) {
        const T v = values[i + k];
        los[k] = v < los[k] ? v : los[k];
        his[k] = v > his[k] ? v : his[k];
      }
    }
    for (std::size_t k = 0; k < kChunk; ++k) {
      lo = los[k] < lo ? los[k] : lo;
      hi = his[k] > hi ? his[k] : hi;
    }
  }
  for (; i < n; ++i) {
    lo = values[i] < lo ? values[i] : lo;
    hi = values[i] > hi ? values[i] : hi;
  }
  return {lo, hi};
}

template <class T>
void IntHistogram::add_typed(std::span<const T> values) {
  if (values.empty()) return;
  T lo, hi;
  if constexpr (std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint32_t>) {
    std::tie(lo, hi) = min_max(values.data(), values.size());
  } else {
    std::tie(lo, hi) = min_max_of(values.data(), values.size());
  }
  ensure_dense_range(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi));
  if (!sparse_) {
    count_dense(values.data(), values.size(), static_cast<std::int64_t>(lo),
                static_cast<std::int64_t>(hi));
    count_ += values.size();
    return;
  }
  std::vector<std::int64_t> wide(values.begin(), values.end());
  add(wide);
}

template <class T>
void IntHistogram::count_dense(const T* values, std::size_t n, std::int64_t lo, std::int64_t hi) {
  std::uint64_t* counts = dense_.data() + (lo - base_);
  const auto range = static_cast<std::size_t>(hi - lo) + 1;
  // Four tables only pay when zeroing and adding them up (4 · range) is small beside the count
  // (a block of rows of a wide-ranged image is counted straight into the histogram).
  if (range > kSplitBins || n < 4 * range || n >= (std::uint64_t{1} << 32)) {
    for (std::size_t i = 0; i < n; ++i) ++counts[static_cast<std::int64_t>(values[i]) - lo];
    return;
  }
  // Neighbouring pixels often have the same value (dark background, small photon counts): into
  // one table every increment would wait for the previous one's store. Four tables, pixel i into
  // table i mod 4, keep four independent chains; they are added up at the end.
  std::vector<std::uint32_t> tables(4 * range, 0);
  std::uint32_t* t = tables.data();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    ++t[static_cast<std::int64_t>(values[i]) - lo];
    ++t[range + std::size_t(static_cast<std::int64_t>(values[i + 1]) - lo)];
    ++t[2 * range + std::size_t(static_cast<std::int64_t>(values[i + 2]) - lo)];
    ++t[3 * range + std::size_t(static_cast<std::int64_t>(values[i + 3]) - lo)];
  }
  for (; i < n; ++i) ++t[static_cast<std::int64_t>(values[i]) - lo];
  for (std::size_t b = 0; b < range; ++b)
    counts[b] += std::uint64_t(t[b]) + t[range + b] + t[2 * range + b] + t[3 * range + b];
}

}  // namespace flamecare::detail
