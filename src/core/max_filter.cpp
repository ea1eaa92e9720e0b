#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/patch_core.hpp"

namespace flamecare {
namespace {

// van Herk / Gil-Werman running maximum over `size` consecutive items of a zero-padded line:
// the padded line p has n + size − 1 items, p[j] = line[j − lead] inside and 0 outside, and
// out[x] = max p[x … x + size − 1] = max(backward[x], forward[x + size − 1]), i.e. line offsets
// −lead … size − 1 − lead with lead = size / 2 (scipy's origin-0 placement for odd and even
// sizes). About three comparisons per pixel and pass, whatever the window.
struct LineBuffers {
  std::vector<float> forward;   // max from the start of each size-block up to j
  std::vector<float> backward;  // max from j to the end of its size-block
};

// One row: items are single floats.
void filter_row(const float* line, int n, int size, float* out, LineBuffers& buf) {
  const int lead = size / 2;
  const int m = n + size - 1;
  buf.forward.resize(std::size_t(m));
  buf.backward.resize(std::size_t(m));
  const auto padded = [&](int j) {
    const int x = j - lead;
    return x >= 0 && x < n ? line[x] : 0.0f;
  };
  for (int j = 0; j < m; ++j) {
    const float v = padded(j);
    buf.forward[std::size_t(j)] = j % size == 0 ? v : std::max(buf.forward[std::size_t(j - 1)], v);
  }
  for (int j = m - 1; j >= 0; --j) {
    const float v = padded(j);
    const bool block_end = j % size == size - 1 || j == m - 1;
    buf.backward[std::size_t(j)] = block_end ? v : std::max(buf.backward[std::size_t(j + 1)], v);
  }
  for (int x = 0; x < n; ++x) {
    out[x] = std::max(buf.backward[std::size_t(x)], buf.forward[std::size_t(x + size - 1)]);
  }
}

// All columns at once: items are whole rows, so memory is walked row by row (cache friendly).
void filter_columns(const std::vector<float>& rows, int height, int width, int size,
                    std::vector<float>& out) {
  const int lead = size / 2;
  const int m = height + size - 1;
  const std::size_t w = std::size_t(width);
  std::vector<float> forward(std::size_t(m) * w), backward(std::size_t(m) * w);
  const std::vector<float> zeros(w, 0.0f);
  const auto padded = [&](int j) {
    const int y = j - lead;
    return y >= 0 && y < height ? &rows[std::size_t(y) * w] : zeros.data();
  };
  for (int j = 0; j < m; ++j) {
    const float* v = padded(j);
    float* f = &forward[std::size_t(j) * w];
    if (j % size == 0) {
      std::copy(v, v + w, f);
    } else {
      const float* prev = f - w;
      for (std::size_t x = 0; x < w; ++x) f[x] = std::max(prev[x], v[x]);
    }
  }
  for (int j = m - 1; j >= 0; --j) {
    const float* v = padded(j);
    float* b = &backward[std::size_t(j) * w];
    if (j % size == size - 1 || j == m - 1) {
      std::copy(v, v + w, b);
    } else {
      const float* next = b + w;
      for (std::size_t x = 0; x < w; ++x) b[x] = std::max(next[x], v[x]);
    }
  }
  out.resize(std::size_t(height) * w);
  for (int y = 0; y < height; ++y) {
    const float* b = &backward[std::size_t(y) * w];
    const float* f = &forward[std::size_t(y + size - 1) * w];
    float* o = &out[std::size_t(y) * w];
    for (std::size_t x = 0; x < w; ++x) o[x] = std::max(b[x], f[x]);
  }
}

}  // namespace

std::vector<float> maximum_filter(std::span<const float> plane, int height, int width, int size) {
  if (size < 1 || height < 0 || width < 0 ||
      plane.size() != std::size_t(height) * std::size_t(width)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("maximum_filter: window {} on a {}x{} plane of {} pixels", size, height,
                            width, plane.size()));
  }
  if (plane.empty()) return {};
  // Zero padding makes the 2-D filter separable exactly: rows first, then columns.
  std::vector<float> rows(plane.size());
  LineBuffers buf;
  for (int y = 0; y < height; ++y) {
    filter_row(&plane[std::size_t(y) * std::size_t(width)], width, size,
               &rows[std::size_t(y) * std::size_t(width)], buf);
  }
  std::vector<float> out;
  filter_columns(rows, height, width, size, out);
  return out;
}

}  // namespace flamecare
