#pragma once
// The blocked frame sum of `create`: a block of rows of one channel takes every frame's rows
// while it stays in cache, and is stored once into the input sum (after the input frames) and
// once into the ground-truth sum (after all frames), with the bidirectional correction applied on
// the way out. Summing whole planes instead streams a full-size sum plane through memory per page.
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "flamecare/image.hpp"

namespace flamecare::detail {

/// Whether frames of `source` may be summed in `sum`: int32/int64 for signed, uint32/uint64 for
/// unsigned integers (the 64-bit ones for 64-bit sources), float32 or float64 for float sources.
bool valid_sum_type(PixelType source, PixelType sum);

/// sums[i] += raw[i] for i < n: raw holds n pixels of `source` (native order, any alignment).
/// Integer sums wrap on overflow like numpy; float32 sums add in float32. Vectorised (an AVX2
/// variant is picked at run time for int16 and uint16 sources). `source` must be valid for S
/// (checked by the callers); instantiated for int32, uint32, int64, uint64, float and double.
template <class S>
void add_raw_pixels(const std::byte* raw, PixelType source, S* sums, std::size_t n);

/// The element types add_raw_pixels is instantiated for (the wide sum types).
template <class S>
inline constexpr bool kIsSumType =
    std::is_same_v<S, std::int32_t> || std::is_same_v<S, std::uint32_t> ||
    std::is_same_v<S, std::int64_t> || std::is_same_v<S, std::uint64_t> ||
    std::is_same_v<S, float> || std::is_same_v<S, double>;

/// Running sums of a block of rows of one channel (see the file comment).
class FrameBlock {
 public:
  /// Sums of up to `max_rows` rows of `width` pixels of `source` frames, in `sum`. Throws
  /// Error(kInvalidArgument) unless `sum` is valid for `source` and the sizes are positive.
  FrameBlock(PixelType source, PixelType sum, int width, int max_rows);

  int max_rows() const { return max_rows_; }
  int width() const { return width_; }
  PixelType source_type() const { return source_; }
  PixelType sum_type() const { return pixel_type_of(sums_); }
  /// Starts a block of `rows` rows (1..max_rows) at zero. Throws Error(kInvalidArgument).
  /// Adding or storing before the first reset() throws Error(kInvalidArgument).
  void reset(int rows);
  /// Adds one frame's rows: exactly rows·width raw pixels. Throws Error(kInvalidArgument) on a
  /// size mismatch.
  void add(std::span<const std::byte> raw);
  /// Adds several frames' rows in frame order, each `frame_bytes` (exactly rows·width raw
  /// pixels) at its pointer: one pass over the sums for all of them. Throws
  /// Error(kInvalidArgument) on a size mismatch.
  void add_frames(std::span<const std::byte* const> frames, std::size_t frame_bytes);
  /// Writes the running sums into rows [first_row, first_row + rows) of channel `channel` of
  /// `out`, corrected by b (correct_bidirectional's rule, applied to absolute row numbers), so
  /// `out` is corrected_width(width, b) wide. `out` may have another valid sum type for the
  /// source than the block (an int32 input sum from an int64 ground-truth block); values are
  /// converted, which is exact whenever the type was chosen with sum_pixel_type. Throws
  /// Error(kInvalidArgument) when the type, channel, rows or width do not fit.
  void store(AnyImage& out, int channel, int first_row, int b);
  /// The same into an image of just these rows: `out` becomes one channel of rows ×
  /// corrected_width(width, b) pixels of its own (sum) type, its memory reused, holding the
  /// block's rows corrected as rows first_row, first_row + 1, … of the image. Throws
  /// Error(kInvalidArgument) when the type does not fit or first_row < 0.
  void store_rows(AnyImage& out, int first_row, int b);
  /// store_rows for the block's last use: without a bidirectional correction (b = 0) and into
  /// an image of the block's own sum type, `out` takes the block's memory instead of a copy
  /// (the block gets `out`'s). Either way the block holds no rows afterwards: adding or storing
  /// before the next reset() throws Error(kInvalidArgument). Throws as store_rows.
  void move_rows(AnyImage& out, int first_row, int b);

 private:
  void copy_out(AnyImage& out, int channel, int out_row, int first_row, int b);
  // Throws Error(kInvalidArgument) before the first reset() and after move_rows().
  void require_rows() const;

  PixelType source_;
  int width_;
  int max_rows_;
  int rows_ = 0;
  bool fresh_ = true;  // no frame added since reset(): the sums are zero, not yet written
  AnyImage sums_;      // one channel of max_rows × width sums
};

}  // namespace flamecare::detail
