#include "core/centre_bits.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

#include "core/numpy_quantile.hpp"
#include "flamecare/error.hpp"

namespace flamecare::detail {
namespace {

constexpr std::size_t kBits = 64;

// out[x] = in[x + j] over n words (bits past the end read as 0).
void shift_down(const std::uint64_t* in, std::uint64_t* out, std::size_t n, std::size_t j) {
  const std::size_t q = j / kBits, r = j % kBits;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint64_t lo = k + q < n ? in[k + q] : 0;
    const std::uint64_t hi = k + q + 1 < n ? in[k + q + 1] : 0;
    out[k] = r == 0 ? lo : (lo >> r) | (hi << (kBits - r));
  }
}

// out[x] = in[x − j]: in has in_n words, out has out_n (bits outside read as 0).
void shift_up(const std::uint64_t* in, std::size_t in_n, std::uint64_t* out, std::size_t out_n,
              std::size_t j) {
  const std::size_t q = j / kBits, r = j % kBits;
  for (std::size_t k = 0; k < out_n; ++k) {
    const std::uint64_t lo = k >= q && k - q < in_n ? in[k - q] : 0;
    const std::uint64_t below = k >= q + 1 && k - q - 1 < in_n ? in[k - q - 1] : 0;
    out[k] = r == 0 ? lo : (lo << r) | (below >> (kBits - r));
  }
}

// row[x] = OR of row[x … x + window − 1] (bits past the end read as 0), by doubling: windows of
// s, 2s, … ≤ window, then two overlapping ones of the largest size cover the window exactly.
void forward_window_or(std::uint64_t* row, std::uint64_t* tmp, std::size_t n, int window) {
  std::size_t s = 1;
  for (; 2 * s <= std::size_t(window); s *= 2) {
    shift_down(row, tmp, n, s);
    for (std::size_t k = 0; k < n; ++k) row[k] |= tmp[k];
  }
  if (std::size_t(window) > s) {
    shift_down(row, tmp, n, std::size_t(window) - s);
    for (std::size_t k = 0; k < n; ++k) row[k] |= tmp[k];
  }
}

// Largest power of two ≤ window (≥ 1).
std::size_t largest_power(int window) { return std::bit_floor(std::size_t(window)); }

// 64 bits of a mask row: v[b] ≥ t for b < 64.
template <class T>
std::uint64_t mask_word(const T* v, std::int64_t t) {
  std::uint64_t m = 0;
  for (std::size_t b = 0; b < kBits; ++b) m |= std::uint64_t(std::int64_t(v[b]) >= t ? 1 : 0) << b;
  return m;
}

#if defined(__SSE2__)
// The same for int32 sums, four compares at a time (SSE2 is part of x86-64).
std::uint64_t mask_word(const std::int32_t* v, std::int64_t t) {
  if (t <= std::numeric_limits<std::int32_t>::min()) return ~std::uint64_t(0);
  if (t > std::numeric_limits<std::int32_t>::max()) return 0;
  const __m128i below = _mm_set1_epi32(static_cast<std::int32_t>(t - 1));  // v ≥ t ⇔ v > t − 1
  std::uint64_t m = 0;
  for (std::size_t b = 0; b < kBits; b += 4) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(v + b));
    const auto bits = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(x, below)));
    m |= std::uint64_t(unsigned(bits)) << b;
  }
  return m;
}
#endif

// The values ≥ low of v[0, n) into kept, in order (branch-free: the bound is rarely reached);
// returns how many.
template <class T>
std::size_t keep_at_least(const T* v, std::size_t n, std::int64_t low, std::int64_t* kept) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = std::int64_t(v[i]);
    kept[k] = x;
    k += x >= low ? 1 : 0;
  }
  return k;
}

#if defined(__SSE2__)
// The same for int32 sums: blocks of 16 values with none ≥ low (nearly all, for a high bound)
// are passed over with four compares.
std::size_t keep_at_least(const std::int32_t* v, std::size_t n, std::int64_t low,
                          std::int64_t* kept) {
  if (low <= std::numeric_limits<std::int32_t>::min()) {
    for (std::size_t i = 0; i < n; ++i) kept[i] = v[i];
    return n;
  }
  if (low > std::numeric_limits<std::int32_t>::max()) return 0;
  const __m128i below = _mm_set1_epi32(static_cast<std::int32_t>(low - 1));
  std::size_t k = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    const auto* p = reinterpret_cast<const __m128i*>(v + i);
    const __m128i any = _mm_or_si128(_mm_or_si128(_mm_cmpgt_epi32(_mm_loadu_si128(p), below),
                                                  _mm_cmpgt_epi32(_mm_loadu_si128(p + 1), below)),
                                     _mm_or_si128(_mm_cmpgt_epi32(_mm_loadu_si128(p + 2), below),
                                                  _mm_cmpgt_epi32(_mm_loadu_si128(p + 3), below)));
    if (_mm_movemask_epi8(any) == 0) continue;
    k += keep_at_least<std::int32_t>(v + i, 16, low, kept + k);
  }
  return k + keep_at_least<std::int32_t>(v + i, n - i, low, kept + k);
}
#endif

// Bit x of the mask row: row[x] ≥ t; bits past the width are 0.
template <class T>
void mask_row(const T* row, int width, std::int64_t t, std::uint64_t* out) {
  const std::size_t full = std::size_t(width) / kBits;
  for (std::size_t w = 0; w < full; ++w) out[w] = mask_word(row + w * kBits, t);
  if (const std::size_t rest = std::size_t(width) % kBits; rest != 0) {
    const T* v = row + full * kBits;
    std::uint64_t m = 0;
    for (std::size_t b = 0; b < rest; ++b) m |= std::uint64_t(std::int64_t(v[b]) >= t ? 1 : 0) << b;
    out[full] = m;
  }
}

}  // namespace

bool normalization_is_monotone(double p1, double p99) {
  const double scale = p99 - p1 + 1e-20;
  return std::isfinite(p1) && std::isfinite(scale) && scale > 0.0;
}

template <class T>
std::pair<std::int64_t, std::int64_t> int_values_at_ranks(std::span<const T> values,
                                                          std::uint64_t r0, std::uint64_t r1,
                                                          OrderWork& work) {
  const std::size_t n = values.size();
  if (!(r0 <= r1 && r1 < n)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("int_values_at_ranks: ranks {} and {} of {} values", r0, r1, n));
  }
  // A lower bound for the value at rank r0 from every 64th value: about twice the expected
  // number of sample values at or above it, plus a margin. Only the values ≥ the bound are kept
  // and partitioned; when the bound turns out above rank r0, every value is.
  constexpr std::size_t kStep = 64;
  std::int64_t low = std::numeric_limits<std::int64_t>::min();
  if (n / kStep >= 256) {
    work.sample.clear();
    for (std::size_t i = 0; i < n; i += kStep) work.sample.push_back(std::int64_t(values[i]));
    const std::size_t m = work.sample.size();
    const std::uint64_t want = 2 * (n - r0) / kStep + 16;
    if (want < m) {
      const auto k = static_cast<std::ptrdiff_t>(m - 1 - want);
      std::nth_element(work.sample.begin(), work.sample.begin() + k, work.sample.end());
      low = work.sample[std::size_t(k)];
    }
  }
  if (work.kept_size < n) {
    work.kept.reset(new std::int64_t[n]);
    work.kept_size = n;
  }
  std::int64_t* kept = work.kept.get();
  std::size_t k = keep_at_least(values.data(), n, low, kept);
  std::size_t below = n - k;
  if (below > r0) {
    for (std::size_t i = 0; i < n; ++i) kept[i] = std::int64_t(values[i]);
    k = n;
    below = 0;
  }
  std::int64_t* const end = kept + k;
  std::int64_t* const at0 = kept + (r0 - below);
  std::nth_element(kept, at0, end);
  const std::int64_t a = *at0;
  if (r1 == r0) return {a, a};
  std::int64_t* const at1 = kept + (r1 - below);
  std::nth_element(at0 + 1, at1, end);  // everything after at0 is ≥ it
  return {a, *at1};
}

PatchCentre CentreBits::operator[](std::size_t i) const {
  const auto row =
      std::size_t(std::upper_bound(before_.begin(), before_.end(), i) - before_.begin()) - 1;
  std::size_t j = i - before_[row];
  const std::uint64_t* words = eligible_.data() + row * words_;
  for (std::size_t k = 0; k < words_; ++k) {
    const auto c = std::size_t(std::popcount(words[k]));
    if (j >= c) {
      j -= c;
      continue;
    }
    std::uint64_t w = words[k];
    for (; j > 0; --j) w &= w - 1;  // drop the lowest set bits before the wanted one
    return {half_ + int(row), int(k * kBits) + std::countr_zero(w)};
  }
  throw Error(ErrorKind::kInvalidArgument,
              fmt::format("eligible centre {} of {} not found", i, total_));
}

void CentreBits::clear_set() {
  eligible_.clear();
  before_.assign(1, 0);
  total_ = 0;
}

template <class T>
void CentreBits::build_mask(const T* raw, int height, int width, std::int64_t t, int window) {
  const int lead = window / 2;
  const std::size_t mask_words = (std::size_t(width) + kBits - 1) / kBits;
  words_ = (std::size_t(width) + std::size_t(window) - 1 + kBits - 1) / kBits;
  const std::size_t rows = std::size_t(height) + std::size_t(window) - 1;
  rows_.resize(rows * words_);
  row_tmp_.resize(std::max(words_, mask_words));
  // Padded rows: mask row y at row y + lead, shifted right by lead columns; zeros around.
  std::fill_n(rows_.begin(), std::size_t(lead) * words_, 0);
  std::fill(rows_.begin() + std::ptrdiff_t((std::size_t(lead) + std::size_t(height)) * words_),
            rows_.end(), 0);
  mask_.resize(mask_words);
  for (int y = 0; y < height; ++y) {
    mask_row(raw + std::size_t(y) * std::size_t(width), width, t, mask_.data());
    std::uint64_t* out = rows_.data() + (std::size_t(y) + std::size_t(lead)) * words_;
    shift_up(mask_.data(), mask_words, out, words_, std::size_t(lead));
    forward_window_or(out, row_tmp_.data(), words_, window);
  }
}

void CentreBits::dilate(int height, int window) {
  // Rows by doubling, in place: row i becomes the OR of rows i … i + 2s − 1, reading row i + s
  // before it changes.
  const std::size_t rows = std::size_t(height) + std::size_t(window) - 1;
  for (std::size_t s = 1; 2 * s <= std::size_t(window); s *= 2) {
    for (std::size_t i = 0; i + s < rows; ++i) {
      std::uint64_t* a = rows_.data() + i * words_;
      const std::uint64_t* b = a + s * words_;
      for (std::size_t k = 0; k < words_; ++k) a[k] |= b[k];
    }
  }
}

void CentreBits::keep_centres(int height, int width, int patch_size, int window) {
  half_ = patch_size / 2;
  const int y_end = height - patch_size + half_ + 1, x_end = width - patch_size + half_ + 1;
  const std::size_t s = largest_power(window), n_rows = std::size_t(y_end - half_);
  eligible_.resize(n_rows * words_);
  before_.resize(n_rows + 1);
  before_[0] = 0;
  for (std::size_t r = 0; r < n_rows; ++r) {
    const std::size_t y = r + std::size_t(half_);
    const std::uint64_t* a = rows_.data() + y * words_;
    const std::uint64_t* b = rows_.data() + (y + std::size_t(window) - s) * words_;
    std::uint64_t* out = eligible_.data() + r * words_;
    std::size_t count = 0;
    for (std::size_t k = 0; k < words_; ++k) {
      // Only columns half … x_end − 1 are centres.
      const std::size_t x0 = k * kBits;
      std::uint64_t keep = ~std::uint64_t(0);
      if (x0 + kBits <= std::size_t(half_) || x0 >= std::size_t(x_end)) {
        keep = 0;
      } else {
        if (x0 < std::size_t(half_)) keep &= ~std::uint64_t(0) << (std::size_t(half_) - x0);
        if (x0 + kBits > std::size_t(x_end)) keep &= ~std::uint64_t(0) >> (x0 + kBits - x_end);
      }
      out[k] = (a[k] | b[k]) & keep;
      count += std::size_t(std::popcount(out[k]));
    }
    before_[r + 1] = before_[r] + count;
  }
  total_ = before_[n_rows];
}

template <class T>
bool CentreBits::assign(std::span<const T> raw, int height, int width, int patch_size,
                        double threshold, double p1, double p99, OrderWork& work) {
  if (patch_size < 1 || height < 0 || width < 0 || !(threshold >= 0.0 && threshold <= 1.0) ||
      raw.size() != std::size_t(height) * std::size_t(width)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("eligible_centres: patch size {}, threshold {} on a {}x{} plane of "
                            "{} pixels",
                            patch_size, threshold, height, width, raw.size()));
  }
  if (sizeof(T) > 4 || !normalization_is_monotone(p1, p99)) return false;
  clear_set();
  if (patch_size > height || patch_size > width) return true;
  // The limit eligible_centres compares with: float32(threshold × the plane's p99.9), the
  // percentile's two order statistics normalised from the sums.
  const QuantileIndex index = quantile_index(raw.size(), 99.9);
  const auto [a, b] = int_values_at_ranks(raw, index.previous, index.next, work);
  const float fa = normalized_value(double(a), p1, p99);
  const float fb = normalized_value(double(b), p1, p99);
  const auto limit = static_cast<float>(threshold * numpy_lerp<float>(fa, fb, index.gamma));
  const auto above = [&](std::int64_t v) { return normalized_value(double(v), p1, p99) > limit; };
  // t: the smallest value of T whose normalised value is above the limit.
  std::int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  if (!above(hi)) return true;  // no pixel can pass
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (above(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  const int window = patch_size > 1 ? patch_size / 2 : patch_size;
  build_mask(raw.data(), height, width, lo, window);
  dilate(height, window);
  keep_centres(height, width, patch_size, window);
  return true;
}

#define FLAMECARE_CENTRE_BITS(T)                                                                 \
  template std::pair<std::int64_t, std::int64_t> int_values_at_ranks<T>(                         \
      std::span<const T>, std::uint64_t, std::uint64_t, OrderWork&);                             \
  template bool CentreBits::assign<T>(std::span<const T>, int, int, int, double, double, double, \
                                      OrderWork&);
FLAMECARE_CENTRE_BITS(std::int8_t)
FLAMECARE_CENTRE_BITS(std::uint8_t)
FLAMECARE_CENTRE_BITS(std::int16_t)
FLAMECARE_CENTRE_BITS(std::uint16_t)
FLAMECARE_CENTRE_BITS(std::int32_t)
FLAMECARE_CENTRE_BITS(std::uint32_t)
#undef FLAMECARE_CENTRE_BITS

}  // namespace flamecare::detail
