#pragma once
// PNG encoding of cairo's RGB24 pixels with libpng, set for speed: the previews and sample sheets
// are mostly image noise that deflate barely shrinks, so the Up filter and zlib's run-length
// strategy at level 1 give about the size of zlib's default level in a quarter of the time
// (cairo's own PNG writer uses libpng's defaults and offers no choice).
#include <string>

namespace flamecare::detail {

/// A complete PNG file (8-bit RGB, no alpha) of width × height pixels, rows `stride` bytes
/// apart, each pixel a native-endian uint32 0x00RRGGBB (CAIRO_FORMAT_RGB24). Throws
/// Error(kInternal) with libpng's message if libpng fails.
std::string encode_png_rgb24(const unsigned char* pixels, int width, int height, int stride);

}  // namespace flamecare::detail
