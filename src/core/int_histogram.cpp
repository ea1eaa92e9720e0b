#include "core/int_histogram.hpp"

#include <algorithm>
#include <cstring>

#include "core/simd.hpp"

namespace flamecare::detail {

namespace {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
// Min and max kept in two 32-byte vectors (GCC's vector extensions: one AVX2 register each, two
// SSE2 ones in the baseline clone); plain arrays would go through memory every step.
template <class T>
[[gnu::always_inline]] inline std::pair<T, T> min_max_wide(const T* values, std::size_t n) {
  typedef T Lanes __attribute__((vector_size(32)));
  constexpr std::size_t kLanes = 32 / sizeof(T);
  if (n < kLanes) return min_max_of(values, n);
  Lanes lo, hi;
  std::memcpy(&lo, values, sizeof lo);
  hi = lo;
  std::size_t i = kLanes;
  for (; i + kLanes <= n; i += kLanes) {
    Lanes v;
    std::memcpy(&v, values + i, sizeof v);
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  auto [rest_lo, rest_hi] = i < n ? min_max_of(values + i, n - i) : std::pair{lo[0], hi[0]};
  for (std::size_t k = 0; k < kLanes; ++k) {
    rest_lo = std::min(rest_lo, lo[k]);
    rest_hi = std::max(rest_hi, hi[k]);
  }
  return {rest_lo, rest_hi};
}
#else
template <class T>
std::pair<T, T> min_max_wide(const T* values, std::size_t n) {
  return min_max_of(values, n);
}
#endif

}  // namespace

FLAMECARE_HOT_CLONES std::pair<std::int32_t, std::int32_t> min_max(const std::int32_t* values,
                                                                   std::size_t n) {
  return min_max_wide(values, n);
}

FLAMECARE_HOT_CLONES std::pair<std::uint32_t, std::uint32_t> min_max(const std::uint32_t* values,
                                                                     std::size_t n) {
  return min_max_wide(values, n);
}

void IntHistogram::ensure_dense_range(std::int64_t lo, std::int64_t hi) {
  const std::int64_t new_min = count_ == 0 ? lo : std::min(min_, lo);
  const std::int64_t new_max = count_ == 0 ? hi : std::max(max_, hi);
  min_ = new_min;
  max_ = new_max;
  if (sparse_) return;
  // Compare in unsigned so a range spanning most of int64 cannot overflow.
  const auto span = static_cast<std::uint64_t>(new_max) - static_cast<std::uint64_t>(new_min);
  if (span >= static_cast<std::uint64_t>(kMaxDenseBins)) {
    to_sparse();
    return;
  }
  if (dense_.empty()) {
    base_ = new_min;
    dense_.assign(span + 1, 0);
    return;
  }
  const std::int64_t old_top = base_ + static_cast<std::int64_t>(dense_.size()) - 1;
  if (new_min < base_) {
    dense_.insert(dense_.begin(), static_cast<std::size_t>(base_ - new_min), 0);
    base_ = new_min;
  }
  if (new_max > old_top) dense_.resize(static_cast<std::size_t>(new_max - base_) + 1, 0);
}

void IntHistogram::clear() {
  // An empty table, laid out afresh around the next values (so their range alone decides between
  // dense and sparse); std::vector keeps the memory for it.
  dense_.clear();
  sparse_ = false;
  runs_.clear();
  pending_.clear();
  count_ = 0;
}

void IntHistogram::to_sparse() {
  runs_.clear();
  pending_.clear();
  for (std::size_t i = 0; i < dense_.size(); ++i) {
    if (dense_[i] != 0) runs_.emplace_back(base_ + static_cast<std::int64_t>(i), dense_[i]);
  }
  dense_.clear();
  dense_.shrink_to_fit();
  sparse_ = true;
}

void IntHistogram::stage_runs(const std::vector<std::pair<std::int64_t, std::uint64_t>>& more) {
  pending_.insert(pending_.end(), more.begin(), more.end());
  if (pending_.size() >= runs_.size()) flush();
}

void IntHistogram::flush() const {
  if (pending_.empty()) return;
  if (!std::is_sorted(pending_.begin(), pending_.end()))
    std::sort(pending_.begin(), pending_.end());
  std::vector<std::pair<std::int64_t, std::uint64_t>> merged;
  merged.reserve(runs_.size() + pending_.size());
  std::size_t i = 0, j = 0;
  const auto push = [&](std::int64_t v, std::uint64_t c) {
    if (!merged.empty() && merged.back().first == v) {
      merged.back().second += c;
    } else {
      merged.emplace_back(v, c);
    }
  };
  while (i < runs_.size() || j < pending_.size()) {
    if (j == pending_.size() || (i < runs_.size() && runs_[i].first <= pending_[j].first)) {
      push(runs_[i].first, runs_[i].second);
      ++i;
    } else {
      push(pending_[j].first, pending_[j].second);
      ++j;
    }
  }
  runs_ = std::move(merged);
  pending_.clear();
}

void IntHistogram::add(std::span<const std::int64_t> values) {
  if (values.empty()) return;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  ensure_dense_range(*lo, *hi);
  if (!sparse_) {
    for (std::int64_t v : values) ++dense_[static_cast<std::size_t>(v - base_)];
    count_ += values.size();
    return;
  }
  std::vector<std::int64_t> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::pair<std::int64_t, std::uint64_t>> runs;
  for (std::int64_t v : sorted) {
    if (runs.empty() || runs.back().first != v) {
      runs.emplace_back(v, 1);
    } else {
      ++runs.back().second;
    }
  }
  stage_runs(runs);
  count_ += values.size();
}

void IntHistogram::merge(const IntHistogram& other) {
  if (other.count_ == 0) return;
  ensure_dense_range(other.min_, other.max_);
  if (!sparse_ && !other.sparse_) {
    // Only [other.min_, other.max_]: the bins beyond hold no counts.
    const auto first = static_cast<std::size_t>(other.min_ - other.base_);
    const auto last = static_cast<std::size_t>(other.max_ - other.base_);
    for (std::size_t i = first; i <= last; ++i) {
      dense_[static_cast<std::size_t>(other.base_ - base_) + i] += other.dense_[i];
    }
  } else {
    if (!sparse_) to_sparse();
    std::vector<std::pair<std::int64_t, std::uint64_t>> runs;
    other.for_each([&](std::int64_t v, std::uint64_t c) { runs.emplace_back(v, c); });
    stage_runs(runs);
  }
  count_ += other.count_;
}

void IntHistogram::add_runs(const std::vector<std::pair<std::int64_t, std::uint64_t>>& runs) {
  if (runs.empty()) return;
  ensure_dense_range(runs.front().first, runs.back().first);
  std::uint64_t added = 0;
  for (const auto& run : runs) added += run.second;
  if (sparse_) {
    stage_runs(runs);
  } else {
    for (const auto& [v, c] : runs) dense_[static_cast<std::size_t>(v - base_)] += c;
  }
  count_ += added;
}

std::vector<std::int64_t> IntHistogram::values_at_ranks(
    const std::vector<std::uint64_t>& ranks) const {
  std::vector<std::int64_t> out;
  out.reserve(ranks.size());
  std::uint64_t seen = 0;  // pixels with a smaller value than the current one
  for_each([&](std::int64_t v, std::uint64_t c) {
    while (out.size() < ranks.size() && ranks[out.size()] < seen + c) out.push_back(v);
    seen += c;
  });
  return out;
}

}  // namespace flamecare::detail
