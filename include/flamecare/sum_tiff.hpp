#pragma once
/// The dataset's summed-frame TIFFs: shape (1, C, Y, X), one page per channel.
#include <filesystem>

#include "flamecare/image.hpp"

namespace flamecare {

/// Writes `image` as a TIFF that tifffile reads as shape (1, C, Y, X) (its "shaped" JSON
/// ImageDescription) and Fiji opens as a C-slice stack: one uncompressed page per channel, pixel
/// type kept (int32/uint32/float32/int64/...). Atomic (temp + rename); with no_clobber an
/// existing file is an Error(kAlreadyExists). Throws Error(kIo) naming the path and the system's
/// reason for a failed write ("No space left on device").
void write_sum_tiff(const std::filesystem::path& path, const AnyImage& image,
                    bool no_clobber = false);

/// Reads a TIFF written by write_sum_tiff (or any uncompressed grayscale multi-page TIFF with equal
/// pages) as C = pages planes. Throws Error(kNotFound / kIo / kCorrupt / kUnsupported).
AnyImage read_sum_tiff(const std::filesystem::path& path);

}  // namespace flamecare
