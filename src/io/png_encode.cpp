#include "io/png_encode.hpp"

#include <zlib.h>

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "flamecare/error.hpp"

namespace flamecare::detail {
namespace {

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// length, type, data, CRC-32 of type and data
void chunk(std::string& out, const char* type, const std::string& data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type, 4);
  out += data;
  put32(out, static_cast<std::uint32_t>(crc32_z(
                 0, reinterpret_cast<const Bytef*>(out.data() + start), out.size() - start)));
}

// Row y as PNG's filter type 2 (Up): each byte minus the byte above it.
void filtered_row(const unsigned char* pixels, int width, int stride, int y, std::string& raw) {
  raw.push_back(2);
  const auto* row = reinterpret_cast<const std::uint32_t*>(pixels + std::ptrdiff_t(y) * stride);
  const auto* above =
      y > 0 ? reinterpret_cast<const std::uint32_t*>(pixels + std::ptrdiff_t(y - 1) * stride)
            : nullptr;
  for (int x = 0; x < width; ++x) {
    const std::uint32_t p = row[x], q = above != nullptr ? above[x] : 0;
    for (const int shift : {16, 8, 0})
      raw.push_back(static_cast<char>(((p >> shift) - (q >> shift)) & 0xff));
  }
}

}  // namespace

std::string encode_png_rgb24(const unsigned char* pixels, int width, int height, int stride) {
  std::string raw;
  raw.reserve(std::size_t(height) * (1 + 3 * std::size_t(width)));
  for (int y = 0; y < height; ++y) filtered_row(pixels, width, stride, y, raw);
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15, 9, Z_RLE) != Z_OK) {
    throw Error(ErrorKind::kInternal, "PNG: zlib could not start");
  }
  std::string compressed(deflateBound(&z, raw.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(raw.data());
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(compressed.data());
  z.avail_out = static_cast<uInt>(compressed.size());
  const int status = deflate(&z, Z_FINISH);
  compressed.resize(z.total_out);
  deflateEnd(&z);
  if (status != Z_STREAM_END) {
    throw Error(ErrorKind::kInternal, fmt::format("PNG: zlib failed ({})", status));
  }
  std::string header;
  put32(header, static_cast<std::uint32_t>(width));
  put32(header, static_cast<std::uint32_t>(height));
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, filters, no interlace
  std::string png("\x89PNG\r\n\x1a\n", 8);
  chunk(png, "IHDR", header);
  chunk(png, "IDAT", compressed);
  chunk(png, "IEND", {});
  return png;
}

}  // namespace flamecare::detail
