#pragma once
// PNG encoding of cairo's RGB24 pixels, set for speed: the previews and sample sheets are mostly
// image noise that deflate barely shrinks, so the Up filter and a fast level-1 deflate (ISA-L's
// igzip) give about the size of zlib's default level at a small fraction of its time (cairo's own
// PNG writer uses libpng's defaults and offers no choice). Deflate is still most of the time
// (~10 ms for a 556×1540 preview on one thread), so the rows are compressed in parts on several
// threads, the way pigz does: each part a raw deflate stream ending byte-aligned without a final
// block, concatenated into one zlib stream whose Adler-32 is combined from the parts'. libpng
// writes the chunks.
#include <cstddef>
#include <string>

namespace flamecare::detail {

/// Scanline bytes per deflated part (see above). The parts depend on the image alone, so the file
/// is the same whatever the number of threads.
inline constexpr std::size_t kPngPartBytes = std::size_t(512) << 10;

/// A complete PNG file (8-bit RGB, no alpha; 8-bit gray when every pixel has R = G = B, as the
/// sample sheets of one-channel patches do: a third of the bytes to filter and deflate) of
/// width × height pixels, rows `stride` bytes apart, each pixel a native-endian uint32 0x00RRGGBB
/// (CAIRO_FORMAT_RGB24), its rows deflated in parts of about `part_bytes` of scanlines (whole
/// rows; at most 64 parts unless a part would exceed 1 GiB) on up to `threads` threads (0: all
/// cores). Throws Error(kInternal) with libpng's message or the deflate status if either fails.
std::string encode_png_rgb24(const unsigned char* pixels, int width, int height, int stride,
                             int threads = 1, std::size_t part_bytes = kPngPartBytes);

}  // namespace flamecare::detail
