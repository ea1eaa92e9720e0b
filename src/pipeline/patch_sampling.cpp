#include "pipeline/patch_sampling.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif
#include <type_traits>

#include <fmt/format.h>

#include "core/numpy_quantile.hpp"
#include "core/simd.hpp"
#include "flamecare/error.hpp"

namespace flamecare::detail {

namespace {

// Rows of a window fetched ahead of the one being normalised: each row is a short run of its own,
// which the hardware prefetcher does not follow from one row to the next.
constexpr int kAheadRows = 2;

// The bound of plane c, as vector::at would give it.
double bound(std::span<const double> bounds, int c) {
  if (c < 0 || std::size_t(c) >= bounds.size())
    throw std::out_of_range(fmt::format("no bound for plane {} of {}", c, bounds.size()));
  return bounds[std::size_t(c)];
}

// normalize_plane's arithmetic on the pixels themselves: no float64 copy of the image first.
template <class T>
void normalize_scalar(const T* in, std::size_t n, double p1, double p99, float* out) {
  const double scale = p99 - p1 + 1e-20;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = (static_cast<double>(in[i]) - p1) / scale;
    out[i] = static_cast<float>(v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v));
  }
}

// The same four pixels at a time in GCC vector types: the lane-wise selects keep the scalar
// clamp's results exactly (NaN stays NaN, −0 stays −0), which the auto-vectoriser would not do
// for the branches above under the default -ftrapping-math.
template <class T>
struct Lanes;
template <>
struct Lanes<std::int32_t> {
  using type = std::int32_t __attribute__((vector_size(16)));
};
template <>
struct Lanes<std::uint32_t> {
  using type = std::uint32_t __attribute__((vector_size(16)));
};
template <>
struct Lanes<float> {
  using type = float __attribute__((vector_size(16)));
};
using Doubles = double __attribute__((vector_size(32)));
using Floats = float __attribute__((vector_size(16)));

template <class T>
[[gnu::always_inline]] inline void normalize_lanes(const T* __restrict in, std::size_t n, double p1,
                                                   double p99, float* __restrict out) {
  const double scale = p99 - p1 + 1e-20;
  const Doubles low = {p1, p1, p1, p1}, range = {scale, scale, scale, scale};
  const Doubles zero = {0, 0, 0, 0}, one = {1, 1, 1, 1};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    typename Lanes<T>::type x;
    std::memcpy(&x, in + i, sizeof x);
    Doubles v = (__builtin_convertvector(x, Doubles) - low) / range;
    v = v < zero ? zero : v;
    v = v > one ? one : v;
    const Floats f = __builtin_convertvector(v, Floats);
    std::memcpy(out + i, &f, sizeof f);
  }
  normalize_scalar(in + i, n - i, p1, p99, out + i);
}

#if defined(__GNUC__) && defined(__x86_64__)
// The division by the scale, four int32 pixels at a time, with the correctly rounded reciprocal
// r = RN(1/s) and fused multiply-adds instead of the divider (docs/PATCHES.md): q0 = RN(a·r) is
// within two ulps of a/s; one correction q1 = RN(q0 + RN(a − q0·s)·r) brings it within an ulp;
// then the remainder a − q1·s is exact and RN(q1 + (a − q1·s)·r) is the correctly rounded a/s
// (Markstein's theorem). So the values are the division's, bit for bit, at a few cycles per pixel
// where the divider needs about 16 for four. Used only where nothing can overflow or underflow.
[[gnu::target("avx2,fma")]] void normalize_int32_fma(const std::int32_t* in, std::size_t n,
                                                     double p1, double p99, float* out) {
  const double scale = p99 - p1 + 1e-20;
  const __m256d low = _mm256_set1_pd(p1), s = _mm256_set1_pd(scale);
  const __m256d r = _mm256_set1_pd(1.0 / scale);
  const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    const __m256d a = _mm256_sub_pd(_mm256_cvtepi32_pd(x), low);
    __m256d q = _mm256_mul_pd(a, r);
    q = _mm256_fmadd_pd(_mm256_fnmadd_pd(q, s, a), r, q);          // faithful
    __m256d v = _mm256_fmadd_pd(_mm256_fnmadd_pd(q, s, a), r, q);  // correctly rounded
    v = _mm256_blendv_pd(v, zero, _mm256_cmp_pd(v, zero, _CMP_LT_OQ));
    v = _mm256_blendv_pd(v, one, _mm256_cmp_pd(v, one, _CMP_GT_OQ));
    _mm_storeu_ps(out + i, _mm256_cvtpd_ps(v));
  }
  normalize_scalar(in + i, n - i, p1, p99, out + i);
}

// The same eight pixels at a time with AVX-512 (the same operations on twice the lanes). GCC 12
// warns inside its own headers' intrinsics (their undefined placeholder vectors).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
[[gnu::target("avx512f")]] void normalize_int32_avx512(const std::int32_t* in, std::size_t n,
                                                       double p1, double p99, float* out) {
  const double scale = p99 - p1 + 1e-20;
  const __m512d low = _mm512_set1_pd(p1), s = _mm512_set1_pd(scale);
  const __m512d r = _mm512_set1_pd(1.0 / scale);
  const __m512d zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1.0);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    const __m512d a = _mm512_sub_pd(_mm512_cvtepi32_pd(x), low);
    __m512d q = _mm512_mul_pd(a, r);
    q = _mm512_fmadd_pd(_mm512_fnmadd_pd(q, s, a), r, q);          // faithful
    __m512d v = _mm512_fmadd_pd(_mm512_fnmadd_pd(q, s, a), r, q);  // correctly rounded
    v = _mm512_mask_mov_pd(v, _mm512_cmp_pd_mask(v, zero, _CMP_LT_OQ), zero);
    v = _mm512_mask_mov_pd(v, _mm512_cmp_pd_mask(v, one, _CMP_GT_OQ), one);
    _mm256_storeu_ps(out + i, _mm512_cvtpd_ps(v));
  }
  normalize_int32_fma(in + i, n - i, p1, p99, out + i);
}
#pragma GCC diagnostic pop

// Bounds for which every step above stays far from overflow and underflow: |p1| ≤ 2^40 and 0 or
// at least 2^−200 (then a = x − p1 is 0 or at least 2^−252 in magnitude, and at most 2^41), and
// 2^−200 ≤ s ≤ 2^200. Real percentiles of sums always are; others take the division.
bool fma_safe(double p1, double p99) {
  const double scale = p99 - p1 + 1e-20, p = std::fabs(p1);
  return std::isfinite(p1) && p <= 0x1p40 && (p == 0 || p >= 0x1p-200) && scale >= 0x1p-200 &&
         scale <= 0x1p200;
}
#endif

FLAMECARE_HOT_CLONES void normalize_int32_lanes(const std::int32_t* in, std::size_t n, double p1,
                                                double p99, float* out) {
  normalize_lanes(in, n, p1, p99, out);
}

}  // namespace

std::vector<Int32Path> int32_paths() {
  std::vector<Int32Path> paths = {Int32Path::kLanes};
#if defined(__GNUC__) && defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    paths.push_back(Int32Path::kFma);
    if (__builtin_cpu_supports("avx512f")) paths.push_back(Int32Path::kAvx512);
  }
#endif
  return paths;
}

void normalize_int32_by(Int32Path path, const std::int32_t* in, std::size_t n, double p1,
                        double p99, float* out) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (path != Int32Path::kLanes && fma_safe(p1, p99)) {
    return path == Int32Path::kAvx512 ? normalize_int32_avx512(in, n, p1, p99, out)
                                      : normalize_int32_fma(in, n, p1, p99, out);
  }
#endif
  normalize_int32_lanes(in, n, p1, p99, out);
}

namespace {

void normalize_int32(const std::int32_t* in, std::size_t n, double p1, double p99, float* out) {
  static const Int32Path best = int32_paths().back();
  normalize_int32_by(best, in, n, p1, p99, out);
}
FLAMECARE_HOT_CLONES void normalize_uint32(const std::uint32_t* in, std::size_t n, double p1,
                                           double p99, float* out) {
  normalize_lanes(in, n, p1, p99, out);
}
FLAMECARE_HOT_CLONES void normalize_float(const float* in, std::size_t n, double p1, double p99,
                                          float* out) {
  normalize_lanes(in, n, p1, p99, out);
}

template <class T>
void normalize_values(const T* in, std::size_t n, double p1, double p99, float* out) {
  if constexpr (std::is_same_v<T, std::int32_t>) {
    normalize_int32(in, n, p1, p99, out);
  } else if constexpr (std::is_same_v<T, std::uint32_t>) {
    normalize_uint32(in, n, p1, p99, out);
  } else if constexpr (std::is_same_v<T, float>) {
    normalize_float(in, n, p1, p99, out);
  } else {
    normalize_scalar(in, n, p1, p99, out);
  }
}

}  // namespace

void normalize_image(const AnyImage& image, std::span<const double> p1, std::span<const double> p99,
                     NormalizedImage& out) {
  std::visit(
      [&](const auto& img) {
        out.channels = img.channels;
        out.height = img.height;
        out.width = img.width;
        out.pixels.resize(img.pixels.size());
        for (int c = 0; c < img.channels; ++c) {
          normalize_values(img.plane(c).data(), img.plane_size(), bound(p1, c), bound(p99, c),
                           out.plane(c).data());
        }
      },
      image);
}

void normalize_window(const AnyImage& image, int c0, int channels, int y0, int x0, int p,
                      std::span<const double> p1, std::span<const double> p99, float* out) {
  std::visit(
      [&](const auto& img) {
        using T = std::decay_t<decltype(img.pixels[0])>;
        const std::size_t row_bytes = std::size_t(p) * sizeof(T);
        for (int c = c0; c < c0 + channels; ++c) {
          for (int y = y0; y < y0 + p; ++y) {
            if (y + kAheadRows < y0 + p) {
              const char* ahead = reinterpret_cast<const char*>(&img.at(c, y + kAheadRows, x0));
              for (std::size_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(ahead + b);
            }
            normalize_values(&img.at(c, y, x0), std::size_t(p), bound(p1, c), bound(p99, c), out);
            out += p;
          }
        }
      },
      image);
}

std::span<const PatchCentre> eligible_centres_all_channels(const NormalizedImage& truth,
                                                           int patch_size, double threshold,
                                                           PatchWork& work) {
  const int channels = truth.channels, height = truth.height, width = truth.width;
  const int window = patch_size > 1 ? patch_size / 2 : patch_size;
  const int channel_window = channels > 1 ? channels / 2 : channels;
  const int centre_channel = channels / 2;
  // scipy's window for size s covers offsets −s/2 … s−1−s/2 around the centre.
  const int c_first = std::max(0, centre_channel - channel_window / 2);
  const int c_last =
      std::min(channels - 1, centre_channel - channel_window / 2 + channel_window - 1);
  // Zeros outside: values are ≥ 0 anyway.
  std::vector<float> combined(truth.plane_size(), 0.0f);
  for (int c = c_first; c <= c_last; ++c) {
    maximum_filter_into(truth.plane(c), height, width, window, work.filtered, work);
    for (std::size_t i = 0; i < combined.size(); ++i)
      combined[i] = std::max(combined[i], work.filtered[i]);
  }
  // numpy compares the float32 filtered image with the threshold rounded to float32.
  const auto limit = static_cast<float>(threshold * float32_percentile(truth.pixels, 99.9));
  return centres_above(combined, height, width, patch_size, limit, work);
}

std::uint64_t sample_seed(std::uint64_t seed, std::size_t index) {
  // splitmix64 of (seed, index): well-spread, independent streams per sample.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(index) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace flamecare::detail
