#pragma once
/// Pure frame arithmetic: summing raw planes into wide accumulators, bidirectional correction.
#include <cstddef>
#include <span>

#include "flamecare/image.hpp"

namespace flamecare {

/// Adds one raw plane (height·width pixels of `source_type`, native byte order) into channel
/// `channel` of `sum`. The sum type must be a wide type for the source (DESIGN.md §2,
/// sum_pixel_type): int32/int64 for signed, uint32/uint64 for unsigned integers (the 64-bit
/// ones for 64-bit sources), float32 or float64 for float sources. Float32 sums add frame after
/// frame in float32 (numpy's np.sum(frames, axis=0, dtype=np.float32)); integer sums wrap on
/// overflow like numpy, which the sum_pixel_type choice rules out. The plane need not be
/// aligned. Throws Error(kInvalidArgument) on a size, type or channel mismatch.
void accumulate_plane(std::span<const std::byte> plane, PixelType source_type, AnyImage& sum,
                      int channel);

/// Width after correcting by b pixels: width − |b|. Throws Error(kInvalidArgument) if b ≠ 0 and
/// |b| ≥ width.
int corrected_width(int width, int b);

/// Bidirectional correction (DESIGN.md §2): b > 0 shifts even rows (0, 2, …) left by b and crops
/// the last b columns; b < 0 shifts even rows right by |b| and crops the first |b| columns;
/// b = 0 returns the image unchanged. Applies to every channel: out[y][x] = in[y][x + b] on even
/// rows and in[y][x] on odd rows for b > 0; in[y][x] on even and in[y][x + |b|] on odd rows for
/// b < 0. Throws Error(kInvalidArgument) if |b| ≥ width (b ≠ 0).
AnyImage correct_bidirectional(const AnyImage& image, int b);

}  // namespace flamecare
