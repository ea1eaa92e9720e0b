#include "core/block_means.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <fmt/format.h>

#include "core/simd.hpp"
#include "flamecare/error.hpp"
#include "flamecare/preview.hpp"

namespace flamecare::detail {

BlockMeans::BlockMeans(int channels, int height, int width, int factor)
    : factor_(factor), height_(height), width_(width) {
  if (factor < 1 || channels < 1 || height < 1 || width < 1) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("block_means: {} channels of {} x {}, reduction {}", channels, height,
                            width, factor));
  }
  out_ = Image<double>(channels, (height + factor - 1) / factor, (width + factor - 1) / factor);
  column_sums_.assign(std::size_t(width), 0.0);
}

void BlockMeans::add_rows(int channel, const AnyImage& rows, int plane) {
  if (channel >= out_.channels) return;
  const ImageShape s = shape_of(rows);
  if (channel != channel_ || plane < 0 || plane >= s.channels || s.width != width_ ||
      s.height > height_ - next_row_) {
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("block_means: {} rows of {} pixels for channel {} at row {} (expected "
                    "channel {} at row {} of {} rows of {})",
                    s.height, s.width, channel, next_row_, channel_, next_row_, height_, width_));
  }
  std::visit([&](const auto& im) { add_typed(channel, im, plane); }, rows);
}

namespace {

// sums[x] += row[x] in float64 (exact for the integers of sums below 2^53), in fixed-size chunks
// GCC vectorises.
template <class T>
[[gnu::always_inline]] inline void add_row_of(const T* __restrict row, double* __restrict sums,
                                              int width) {
  constexpr int kChunk = 16;
  int x = 0;
  for (; x + kChunk <= width; x += kChunk) {
    for (int k = 0; k < kChunk; ++k) sums[x + k] += static_cast<double>(row[x + k]);
  }
  for (; x < width; ++x) sums[x] += static_cast<double>(row[x]);
}

// The sums of 16-bit frames, with AVX2 where the CPU has it (4 int32 conversions per
// instruction; uint32 ones take a few more).
FLAMECARE_HOT_CLONES void add_row(const std::int32_t* row, double* sums, int width) {
  add_row_of(row, sums, width);
}

FLAMECARE_HOT_CLONES void add_row(const std::uint32_t* row, double* sums, int width) {
  add_row_of(row, sums, width);
}

template <class T>
void add_row(const T* row, double* sums, int width) {
  add_row_of(row, sums, width);
}

}  // namespace

// Column sums over a band's rows (a vectorisable pass along each row), then each block's share
// of them.
template <class T>
void BlockMeans::add_typed(int channel, const Image<T>& rows, int plane) {
  const T* first = rows.plane(plane).data();
  for (int r = 0; r < rows.height; ++r) {
    add_row(first + std::size_t(r) * std::size_t(width_), column_sums_.data(), width_);
    ++next_row_;
    if (next_row_ % factor_ == 0 || next_row_ == height_) finish_band(channel);
  }
}

void BlockMeans::finish_band(int channel) {
  const int y = (next_row_ - 1) / factor_;
  const int rows = next_row_ - y * factor_;
  for (int x = 0, x0 = 0; x < out_.width; ++x, x0 += factor_) {
    const int cols = std::min(factor_, width_ - x0);
    double sum = 0.0;
    for (int k = 0; k < cols; ++k) sum += column_sums_[std::size_t(x0 + k)];
    out_.at(channel, y, x) = sum / (double(rows) * cols);
  }
  std::fill(column_sums_.begin(), column_sums_.end(), 0.0);
  if (next_row_ == height_) {
    ++channel_;
    next_row_ = 0;
  }
}

Image<double> BlockMeans::take() {
  if (channel_ < out_.channels) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("block_means: taken after {} of {} channels", channel_, out_.channels));
  }
  return std::move(out_);
}

}  // namespace flamecare::detail

namespace flamecare {

Image<double> block_means(const AnyImage& image, int channels, int factor) {
  const ImageShape s = shape_of(image);
  if (factor < 1 || channels < 1 || channels > s.channels) {
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("block_means: {} of {} channels, reduction {}", channels, s.channels, factor));
  }
  if (s.height < 1 || s.width < 1)  // no pixels: no blocks to average
    return Image<double>(channels, (s.height + factor - 1) / factor,
                         (s.width + factor - 1) / factor);
  detail::BlockMeans means(channels, s.height, s.width, factor);
  for (int c = 0; c < channels; ++c) means.add_rows(c, image, c);
  return means.take();
}

}  // namespace flamecare
