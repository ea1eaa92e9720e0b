#include "core/int_histogram.hpp"

#include <algorithm>

namespace flamecare::detail {

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
