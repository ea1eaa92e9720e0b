#include "core/float_ranks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "flamecare/error.hpp"

namespace flamecare::detail {
namespace {

// Maps float bits to an unsigned key with the same order as the floats (−0 sorts just before
// +0, which numpy treats as equal; the two compare equal either way).
std::uint32_t float_key(float v) {
  std::uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u & 0x80000000u) != 0 ? ~u : (u | 0x80000000u);
}

float key_float(std::uint32_t key) {
  const std::uint32_t u = (key & 0x80000000u) != 0 ? (key & 0x7fffffffu) : ~key;
  float v;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

void reject_nan(float v) {
  if (std::isnan(v)) {
    throw Error(ErrorKind::kInvalidArgument, "pixel statistics: image contains NaN");
  }
}

}  // namespace

void CompensatedSum::add(double v) {
  const double t = sum + v;
  if (std::fabs(sum) >= std::fabs(v)) {
    compensation += (sum - t) + v;
  } else {
    compensation += (v - t) + sum;
  }
  sum = t;
}

void CompensatedSum::merge(const CompensatedSum& other) {
  add(other.sum);
  add(other.compensation);
}

void FloatRanks::add_pass1(std::span<const float> values) {
  if (values.empty()) return;
  if (high_.empty()) high_.assign(kBuckets, 0);
  if (count_ == 0) min_ = max_ = values[0];
  for (float v : values) {
    reject_nan(v);
    ++high_[float_key(v) >> 16];
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
    sum_.add(v);
  }
  count_ += values.size();
}

void FloatRanks::begin_pass2(const std::vector<std::uint64_t>& ranks) {
  ranks_ = ranks;
  selected_.clear();
  std::uint64_t seen = 0;
  std::size_t next = 0;
  for (std::uint32_t b = 0; b < kBuckets && next < ranks.size(); ++b) {
    const std::uint64_t c = high_.empty() ? 0 : high_[b];
    while (next < ranks.size() && ranks[next] < seen + c) {
      if (selected_.empty() || selected_.back() != b) selected_.push_back(b);
      ++next;
    }
    seen += c;
  }
  slot_.assign(kBuckets, -1);
  for (std::size_t i = 0; i < selected_.size(); ++i) {
    slot_[selected_[i]] = static_cast<std::int32_t>(i);
  }
  low_.assign(selected_.size() * kBuckets, 0);
  high2_.assign(kBuckets, 0);
  centre_ = count_ == 0 ? 0.0 : sum_.value() / static_cast<double>(count_);
  count2_ = 0;
  m2_ = {};
}

void FloatRanks::add_pass2(std::span<const float> values) {
  for (float v : values) {
    reject_nan(v);
    const std::uint32_t key = float_key(v);
    ++high2_[key >> 16];
    const std::int32_t slot = slot_[key >> 16];
    if (slot >= 0) ++low_[std::size_t(slot) * kBuckets + (key & 0xffffu)];
    const double d = static_cast<double>(v) - centre_;
    m2_.add(d * d);
  }
  count2_ += values.size();
}

void FloatRanks::merge_pass1(const FloatRanks& other) {
  if (other.count_ == 0) return;
  if (high_.empty()) high_.assign(kBuckets, 0);
  for (std::size_t i = 0; i < kBuckets; ++i) high_[i] += other.high_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  sum_.merge(other.sum_);
  count_ += other.count_;
}

FloatRanks FloatRanks::restore_pass1(std::uint64_t count, float min, float max, CompensatedSum sum,
                                     std::vector<std::uint64_t> high) {
  FloatRanks out;
  out.count_ = count;
  out.min_ = min;
  out.max_ = max;
  out.sum_ = sum;
  out.high_ = std::move(high);
  return out;
}

void FloatRanks::merge_pass2(const FloatRanks& other) {
  if (other.selected_ != selected_ || other.centre_ != centre_ || other.ranks_ != ranks_) {
    throw Error(ErrorKind::kInvalidArgument,
                "pixel statistics: merging second-pass accumulators that did not come from the "
                "same first pass");
  }
  for (std::size_t i = 0; i < low_.size(); ++i) low_[i] += other.low_[i];
  for (std::size_t i = 0; i < kBuckets; ++i) high2_[i] += other.high2_[i];
  count2_ += other.count2_;
  m2_.merge(other.m2_);
}

FloatRanks FloatRanks::fork_pass2() const {
  FloatRanks out;
  out.ranks_ = ranks_;
  out.selected_ = selected_;
  out.slot_ = slot_;
  out.low_.assign(low_.size(), 0);
  out.high2_.assign(kBuckets, 0);
  out.centre_ = centre_;
  return out;
}

void FloatRanks::check_pass2() const {
  if (count2_ != count_) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("pixel statistics: the second pass saw {} pixels but the first saw {}",
                            count2_, count_));
  }
  // The same high-bits histogram in both passes: the same values up to their low 16 bits, so
  // the refined buckets hold the ranks chosen after pass 1. (A change that keeps every value's
  // high 16 bits goes unnoticed; it is still a caller error.)
  for (std::size_t b = 0; b < kBuckets; ++b) {
    if (high2_[b] != high_[b]) {
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("pixel statistics: the second pass saw {} pixels in value bucket "
                              "{} but the first saw {} (different images?)",
                              high2_[b], b, high_[b]));
    }
  }
}

std::vector<float> FloatRanks::values_at_ranks() const {
  std::vector<float> out;
  std::uint64_t before = 0;  // pixels in buckets below the current one
  std::size_t s = 0;
  for (std::uint32_t b = 0; b < kBuckets && out.size() < ranks_.size(); ++b) {
    if (s < selected_.size() && selected_[s] == b) {
      std::uint64_t seen = before;
      for (std::uint32_t j = 0; j < kBuckets && out.size() < ranks_.size(); ++j) {
        const std::uint64_t c = low_[s * kBuckets + j];
        while (out.size() < ranks_.size() && ranks_[out.size()] < seen + c) {
          out.push_back(key_float((b << 16) | j));
        }
        seen += c;
      }
      ++s;
    }
    before += high_[b];
  }
  return out;
}

}  // namespace flamecare::detail
