#pragma once
/// The dataset's summed-frame TIFFs: shape (1, C, Y, X), one page per channel.
#include <filesystem>
#include <string>

#include "flamecare/image.hpp"

namespace flamecare {

/// The shape a sum TIFF's description gives tifffile: kDataset (1, C, Y, X), as every dataset's
/// sums; kPlain (C, Y, X), or (Y, X) for one channel, as the CAREamics export's files (axes CYX
/// or YX). The pages are the same either way.
enum class SumTiffLayout { kDataset, kPlain };

/// Writes `image` as a TIFF that tifffile reads as the `layout`'s shape (its "shaped" JSON
/// ImageDescription) and Fiji opens as a C-slice stack: one uncompressed page per channel, pixel
/// type kept (int32/uint32/float32/int64/...). Atomic (temp + rename); with no_clobber an
/// existing file is an Error(kAlreadyExists). Throws Error(kIo) naming the path and the system's
/// reason for a failed write ("No space left on device").
void write_sum_tiff(const std::filesystem::path& path, const AnyImage& image,
                    bool no_clobber = false, SumTiffLayout layout = SumTiffLayout::kDataset);

/// True when the TIFF at `path` is described as write_sum_tiff describes an image of `shape` in
/// `layout` (so it holds what write_sum_tiff would write for its pixels, whatever its strips, and
/// a hard link can stand for a copy). False for any other or unreadable file; never throws.
bool sum_tiff_has_layout(const std::filesystem::path& path, const ImageShape& shape,
                         SumTiffLayout layout) noexcept;

/// The "shaped" ImageDescription write_sum_tiff gives an image of `shape` in `layout`.
std::string sum_tiff_description(const ImageShape& shape, SumTiffLayout layout);

/// Reads a TIFF written by write_sum_tiff (or any uncompressed grayscale multi-page TIFF with equal
/// pages) as C = pages planes. Throws Error(kNotFound / kIo / kCorrupt / kUnsupported).
AnyImage read_sum_tiff(const std::filesystem::path& path);

}  // namespace flamecare
