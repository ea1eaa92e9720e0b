#pragma once
/// Pure frame arithmetic: summing raw planes into wide accumulators, bidirectional correction.
#include <cstddef>
#include <span>

#include "flamecare/image.hpp"

namespace flamecare {

/// Adds one raw plane (height·width pixels of `source_type`, native byte order) into channel
/// `channel` of `sum` (whose type is sum_pixel_type(source_type, ...)). Throws
/// Error(kInvalidArgument) on a size or type mismatch.
void accumulate_plane(std::span<const std::byte> plane, PixelType source_type, AnyImage& sum,
                      int channel);

/// Width after correcting by b pixels: width − |b|. Throws Error(kInvalidArgument) if |b| ≥ width.
int corrected_width(int width, int b);

/// Bidirectional correction (DESIGN.md §2): b > 0 shifts even rows (0, 2, …) left by b and crops
/// the last b columns; b < 0 shifts even rows right by |b| and crops the first |b| columns;
/// b = 0 returns the image unchanged. Applies to every channel.
AnyImage correct_bidirectional(const AnyImage& image, int b);

}  // namespace flamecare
