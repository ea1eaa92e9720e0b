#include "io/png_encode.hpp"

#include <png.h>
#include <zlib.h>

#include <bit>
#include <csetjmp>
#include <cstring>

#include <fmt/format.h>

#include "flamecare/error.hpp"

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

// Everything libpng does, with no C++ object alive across its longjmp. False on a libpng error.
bool write_png(png_structp png, png_infop info, const unsigned char* pixels, int width, int height,
               int stride) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
  png_set_compression_level(png, 1);
  png_set_compression_strategy(png, Z_RLE);
  png_write_info(png, info);
  // A uint32 0x00RRGGBB is B, G, R, unused in memory on little-endian machines and unused, R, G, B
  // on big-endian ones: libpng drops the unused byte and, if needed, swaps B and R.
  if constexpr (std::endian::native == std::endian::little) {
    png_set_bgr(png);
    png_set_filler(png, 0, PNG_FILLER_AFTER);
  } else {
    png_set_filler(png, 0, PNG_FILLER_BEFORE);
  }
  for (int y = 0; y < height; ++y)
    png_write_row(png, const_cast<png_bytep>(pixels + std::ptrdiff_t(y) * stride));
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

std::string encode_png_rgb24(const unsigned char* pixels, int width, int height, int stride) {
  std::string out;
  out.reserve(std::size_t(height) * (1 + 3 * std::size_t(width)) / 2);
  PngSink sink{&out, {}};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
  png_infop info = png != nullptr ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    throw Error(ErrorKind::kInternal, "PNG: libpng could not start");
  }
  png_set_write_fn(png, &sink, append, flush);
  const bool ok = write_png(png, info, pixels, width, height, stride);
  png_destroy_write_struct(&png, &info);
  if (!ok) throw Error(ErrorKind::kInternal, fmt::format("PNG: libpng failed: {}", sink.message));
  return out;
}

}  // namespace flamecare::detail
