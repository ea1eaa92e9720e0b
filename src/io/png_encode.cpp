#include "io/png_encode.hpp"

#include <isa-l/igzip_lib.h>
#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "util/parallel.hpp"

namespace flamecare::detail {
namespace {

// Where libpng's output and its last error message go (plain data: libpng longjmps over it).
struct PngSink {
  std::string* out;
  char message[256];
};

void append(png_structp png, png_bytep data, png_size_t length) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  sink->out->append(reinterpret_cast<const char*>(data), length);
}

void flush(png_structp) {}

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::snprintf(sink->message, sizeof sink->message, "%s", message);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

// Whether every pixel has R = G = B (an image drawn in grays: one byte per pixel is enough).
bool all_gray(const unsigned char* pixels, int width, int height, int stride) {
  for (int y = 0; y < height; ++y) {
    std::uint32_t differ = 0;
    for (int x = 0; x < width; ++x) {
      std::uint32_t rgb = 0;
      std::memcpy(&rgb, pixels + std::ptrdiff_t(y) * stride + 4 * std::ptrdiff_t(x), 4);
      differ |= ((rgb >> 16) ^ (rgb >> 8)) | ((rgb >> 8) ^ rgb);
    }
    if ((differ & 0xff) != 0) return false;
  }
  return true;
}

// Row y's pixels (native-endian uint32 0x00RRGGBB) as R, G, B bytes, or with `bytes` 1 as the
// gray byte alone.
void row_bytes(const unsigned char* pixels, int width, int stride, int y, int bytes,
               unsigned char* out) {
  for (int x = 0; x < width; ++x) {
    std::uint32_t rgb = 0;
    std::memcpy(&rgb, pixels + std::ptrdiff_t(y) * stride + 4 * std::ptrdiff_t(x), 4);
    if (bytes == 1) {
      out[x] = static_cast<unsigned char>(rgb);
    } else {
      out[3 * x] = static_cast<unsigned char>(rgb >> 16);
      out[3 * x + 1] = static_cast<unsigned char>(rgb >> 8);
      out[3 * x + 2] = static_cast<unsigned char>(rgb);
    }
  }
}

// Rows [first, last) as PNG scanlines with the Up filter: a filter byte (2), then each pixel byte
// minus the one above it (zero above the image's first row).
void filter_rows(const unsigned char* pixels, int width, int stride, int bytes, int first, int last,
                 unsigned char* out) {
  std::vector<unsigned char> above(std::size_t(bytes) * std::size_t(width), 0), here(above.size());
  if (first > 0) row_bytes(pixels, width, stride, first - 1, bytes, above.data());
  for (int y = first; y < last; ++y) {
    row_bytes(pixels, width, stride, y, bytes, here.data());
    *out++ = 2;
    for (std::size_t i = 0; i < here.size(); ++i)
      *out++ = static_cast<unsigned char>(here[i] - above[i]);
    above.swap(here);
  }
}

// One part of the zlib stream: raw deflate by ISA-L's igzip at level 1, which on these mostly
// noise scanlines gives about the size of zlib's level 1 (run-length) in a third of the time. A
// part that is not the last ends byte-aligned without a final block (a full flush), so parts
// compressed apart concatenate into one valid stream.
std::string deflate_part(const unsigned char* data, std::size_t n, bool last) {
  // igzip never writes more than the input in stored blocks (5 header bytes per 64 KiB) plus a
  // block header, so this room always suffices.
  std::string out(n + 5 * (n / 65535 + 1) + ISAL_DEF_MAX_HDR_SIZE + 64, '\0');
  std::vector<std::uint8_t> level_buf(ISAL_DEF_LVL1_DEFAULT);
  // Zeroed, and the window size set: ISA-L 2.30 (Debian 12) leaves hist_bits as it finds it, and a
  // stray value would shrink the window, making the bytes depend on the stack's leftovers.
  isal_zstream z{};
  isal_deflate_stateless_init(&z);
  z.hist_bits = 0;  // the default window, 32 KiB: what the stream's header declares
  z.level = 1;
  z.level_buf = level_buf.data();
  z.level_buf_size = std::uint32_t(level_buf.size());
  z.end_of_stream = last ? 1 : 0;
  z.flush = last ? NO_FLUSH : FULL_FLUSH;
  z.next_in = const_cast<unsigned char*>(data);
  z.avail_in = std::uint32_t(n);
  z.next_out = reinterpret_cast<std::uint8_t*>(out.data());
  z.avail_out = std::uint32_t(out.size());
  const int status = isal_deflate_stateless(&z);
  if (status != COMP_OK || z.avail_in != 0) {
    throw Error(ErrorKind::kInternal,
                fmt::format("PNG: igzip stopped with status {}, {} of {} bytes not deflated",
                            status, z.avail_in, n));
  }
  out.resize(z.total_out);
  return out;
}

// The zlib stream of the scanlines, compressed in parts of rows on `threads` threads: header,
// the parts' deflate data, the Adler-32 of all scanlines (combined from the parts').
std::string zlib_scanlines(const unsigned char* pixels, int width, int height, int stride,
                           int pixel_bytes, int threads, std::size_t part_bytes) {
  constexpr std::size_t kMaxParts = 64;
  // igzip counts a part's bytes in 32 bits: parts of at most 1 GiB (plus a row) stay far below.
  constexpr std::size_t kMaxPartBytes = std::size_t(1) << 30;
  const std::size_t line = 1 + std::size_t(pixel_bytes) * std::size_t(width);
  const std::size_t total = line * std::size_t(height);
  const std::size_t rows = std::size_t(std::max(height, 1));
  std::size_t n = std::clamp<std::size_t>(total / std::max<std::size_t>(part_bytes, 1), 1,
                                          std::min(kMaxParts, rows));
  n = std::min(rows, std::max(n, (total + kMaxPartBytes - 1) / kMaxPartBytes));
  const auto parts = static_cast<std::int64_t>(n);
  std::vector<std::string> deflated(n);
  std::vector<uLong> adler(n, 1);
  std::vector<std::size_t> bytes(n, 0);
  parallel_for(n, threads, [&](std::size_t k) {
    const int first = int(std::int64_t(height) * std::int64_t(k) / parts);
    const int last = int(std::int64_t(height) * std::int64_t(k + 1) / parts);
    std::vector<unsigned char> lines(line * std::size_t(last - first));
    filter_rows(pixels, width, stride, pixel_bytes, first, last, lines.data());
    deflated[k] = deflate_part(lines.data(), lines.size(), k + 1 == n);
    adler[k] = adler32_z(1, lines.data(), lines.size());
    bytes[k] = lines.size();
  });
  std::string out = "\x78\x01";  // deflate, 32 KiB window, fastest level
  uLong check = adler[0];
  for (std::size_t k = 0; k < deflated.size(); ++k) {
    out += deflated[k];
    if (k > 0) check = adler32_combine(check, adler[k], z_off_t(bytes[k]));
  }
  for (int shift = 24; shift >= 0; shift -= 8) out += char((check >> shift) & 0xff);
  return out;
}

// libpng writes the signature and the chunks, with no C++ object alive across its longjmp: the
// header, the image data (`idat`, at most 1 GiB per chunk) and the end. False on a libpng error.
bool write_png(png_structp png, png_infop info, int width, int height, bool gray,
               const std::string& idat) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), 8,
               gray ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  constexpr std::size_t kChunk = std::size_t(1) << 30;
  const auto* data = reinterpret_cast<png_const_bytep>(idat.data());
  for (std::size_t at = 0; at < idat.size(); at += kChunk) {
    png_write_chunk(png, reinterpret_cast<png_const_bytep>("IDAT"), data + at,
                    std::min(kChunk, idat.size() - at));
  }
  png_write_chunk(png, reinterpret_cast<png_const_bytep>("IEND"), nullptr, 0);
  return true;
}

}  // namespace

std::string encode_png_rgb24(const unsigned char* pixels, int width, int height, int stride,
                             int threads, std::size_t part_bytes) {
  const bool gray = all_gray(pixels, width, height, stride);
  const std::string idat =
      zlib_scanlines(pixels, width, height, stride, gray ? 1 : 3, threads, part_bytes);
  std::string out;
  out.reserve(idat.size() + 1024);
  PngSink sink{&out, {}};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
  png_infop info = png != nullptr ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    throw Error(ErrorKind::kInternal, "PNG: libpng could not start");
  }
  png_set_write_fn(png, &sink, append, flush);
  const bool ok = write_png(png, info, width, height, gray, idat);
  png_destroy_write_struct(&png, &info);
  if (!ok) throw Error(ErrorKind::kInternal, fmt::format("PNG: libpng failed: {}", sink.message));
  return out;
}

}  // namespace flamecare::detail
