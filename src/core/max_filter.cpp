#include <algorithm>
#include <vector>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include <fmt/format.h>

#include "core/patch_work.hpp"
#include "flamecare/error.hpp"
#include "flamecare/patch_core.hpp"

namespace flamecare {
namespace {

// Rows of the horizontal pass transposed and filtered together: their columns become rows of a
// band kBand floats wide, so the same vectorised vertical pass does the horizontal one.
constexpr int kBand = 32;

// std::max(a, b) on values: std::max itself selects a reference, which GCC does not vectorise.
inline float max_value(float a, float b) { return a < b ? b : a; }

// dst[x] = max(a[x], b[x]): fixed-size chunks and __restrict let GCC vectorise at -O2 (maxps with
// std::max's operand order, so NaN and ±0 come out as std::max says).
[[gnu::always_inline]] inline void max_of(const float* __restrict a, const float* __restrict b,
                                          float* __restrict dst, std::size_t n) {
  constexpr std::size_t kChunk = 16;
  std::size_t x = 0;
  for (; x + kChunk <= n; x += kChunk) {
    for (std::size_t k = 0; k < kChunk; ++k) dst[x + k] = max_value(a[x + k], b[x + k]);
  }
  for (; x < n; ++x) dst[x] = max_value(a[x], b[x]);
}

// The vertical running maximum over `size` rows (van Herk / Gil-Werman): out row y is the maximum
// of in rows y − lead … y − lead + size − 1 (lead = size / 2, scipy's origin), rows outside
// [0, height) counting as zeros. The padded rows are cut into blocks of `size`; a window starting
// inside block k ends inside block k + 1, so out[y] = max(suffix max of block k from y, prefix
// max of block k + 1 up to y + size − 1). Blocks are done one after the other, keeping only one
// block of each (2 · size rows of `width` floats, in cache); every loop runs along a row, which
// the compiler vectorises. Rows are `in_stride` / `out_stride` floats apart.
void vertical_max(const float* in, std::size_t in_stride, int height, int width, int size,
                  float* out, std::size_t out_stride, std::vector<float>& scratch) {
  const int lead = size / 2;
  const int padded_rows = height + size - 1;
  const std::size_t w = std::size_t(width);
  scratch.resize(std::size_t(2 * size + 1) * w);
  float* suffix = scratch.data();                  // block k, from each row to its end
  float* prefix = suffix + std::size_t(size) * w;  // block k + 1, from its start
  float* zeros = prefix + std::size_t(size) * w;   // a row of the zero padding
  std::fill_n(zeros, w, 0.0f);
  const auto row = [&](int p) {  // padded row p
    const int y = p - lead;
    return y >= 0 && y < height ? in + std::size_t(y) * in_stride : zeros;
  };
  for (int start = 0; start < height; start += size) {
    const int block_end = std::min(start + size, padded_rows);
    for (int p = block_end - 1; p >= start; --p) {
      const float* v = row(p);
      float* s = suffix + std::size_t(p - start) * w;
      if (p == block_end - 1) {
        std::copy_n(v, w, s);
      } else {
        max_of(s + w, v, s, w);
      }
    }
    const int next_start = start + size;
    const int next_end = std::min(next_start + size, padded_rows);
    for (int p = next_start; p < next_end; ++p) {
      const float* v = row(p);
      float* f = prefix + std::size_t(p - next_start) * w;
      if (p == next_start) {
        std::copy_n(v, w, f);
      } else {
        max_of(f - w, v, f, w);
      }
    }
    for (int y = start; y < std::min(start + size, height); ++y) {
      const float* s = suffix + std::size_t(y - start) * w;
      float* o = out + std::size_t(y) * out_stride;
      if (y == start) {  // the window is exactly block k
        std::copy_n(s, w, o);
        continue;
      }
      max_of(s, prefix + std::size_t(y - start - 1) * w, o, w);
    }
  }
}

// dst[c · dst_stride + r] = src[r · src_stride + c] for r < rows, c < cols: 4 × 4 tiles in SSE
// registers (x86-64 always has SSE), the edges one by one.
void transpose(const float* src, std::size_t src_stride, int rows, int cols, float* dst,
               std::size_t dst_stride) {
  int r0 = 0;
#if defined(__SSE__)
  for (; r0 + 4 <= rows; r0 += 4) {
    const float* s = src + std::size_t(r0) * src_stride;
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      __m128 a = _mm_loadu_ps(s + c), b = _mm_loadu_ps(s + src_stride + c);
      __m128 e = _mm_loadu_ps(s + 2 * src_stride + c), f = _mm_loadu_ps(s + 3 * src_stride + c);
      _MM_TRANSPOSE4_PS(a, b, e, f);
      float* d = dst + std::size_t(c) * dst_stride + std::size_t(r0);
      _mm_storeu_ps(d, a);
      _mm_storeu_ps(d + dst_stride, b);
      _mm_storeu_ps(d + 2 * dst_stride, e);
      _mm_storeu_ps(d + 3 * dst_stride, f);
    }
    for (; c < cols; ++c) {
      for (int r = r0; r < r0 + 4; ++r)
        dst[std::size_t(c) * dst_stride + std::size_t(r)] = src[std::size_t(r) * src_stride + c];
    }
  }
#endif
  for (int r = r0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c)
      dst[std::size_t(c) * dst_stride + std::size_t(r)] = src[std::size_t(r) * src_stride + c];
  }
}

// The horizontal pass: bands of kBand rows transposed, filtered vertically, transposed back.
void horizontal_max(const float* in, int height, int width, int size, float* out,
                    detail::PatchWork& work) {
  const std::size_t w = std::size_t(width);
  work.band.resize(w * kBand);
  work.band_filtered.resize(w * kBand);
  for (int y0 = 0; y0 < height; y0 += kBand) {
    const int rows = std::min(kBand, height - y0);
    transpose(in + std::size_t(y0) * w, w, rows, width, work.band.data(), kBand);
    vertical_max(work.band.data(), kBand, width, rows, size, work.band_filtered.data(), kBand,
                 work.blocks);
    transpose(work.band_filtered.data(), kBand, width, rows, out + std::size_t(y0) * w, w);
  }
}

}  // namespace

namespace detail {

void maximum_filter_into(std::span<const float> plane, int height, int width, int size,
                         std::vector<float>& out, PatchWork& work) {
  if (size < 1 || height < 0 || width < 0 ||
      plane.size() != std::size_t(height) * std::size_t(width)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("maximum_filter: window {} on a {}x{} plane of {} pixels", size, height,
                            width, plane.size()));
  }
  out.resize(plane.size());
  if (plane.empty()) return;
  // Zero padding makes the 2-D filter separable exactly (max is exact in any order): columns
  // first, then rows.
  work.columns.resize(plane.size());
  vertical_max(plane.data(), std::size_t(width), height, width, size, work.columns.data(),
               std::size_t(width), work.blocks);
  horizontal_max(work.columns.data(), height, width, size, out.data(), work);
}

}  // namespace detail

std::vector<float> maximum_filter(std::span<const float> plane, int height, int width, int size) {
  detail::PatchWork work;
  std::vector<float> out;
  detail::maximum_filter_into(plane, height, width, size, out, work);
  return out;
}

}  // namespace flamecare
