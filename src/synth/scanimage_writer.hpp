#pragma once
// Private streaming core of write_scanimage_tiff: pages are produced one at a time by a filler so
// multi-GB corpora never sit in memory.
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "flamecare/synth.hpp"

namespace flamecare::detail {

/// Fills one page (height × width values, row-major) of values before type conversion.
using PageFiller = std::function<void(int page, std::span<double> values)>;

/// The `SI.* = value` header text (without the NUL) written into the static block.
std::string scanimage_header_text(const StackSpec& spec);

/// Frame-varying ImageDescription text of one page (before blank padding).
std::string scanimage_frame_description(const StackSpec& spec, int page);

/// Writes the ScanImage BigTIFF atomically, asking `fill` for pages 0 … frames·channels − 1 in
/// order. Throws Error(kInvalidArgument) for a bad spec, Error(kIo) when writing fails.
void write_scanimage_pages(const std::filesystem::path& path, const StackSpec& spec,
                           const PageFiller& fill);

}  // namespace flamecare::detail
