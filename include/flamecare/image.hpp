#pragma once
/// Pixel types and a minimal planar multi-channel image.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace flamecare {

enum class PixelType {
  kInt8,
  kUint8,
  kInt16,
  kUint16,
  kInt32,
  kUint32,
  kInt64,
  kUint64,
  kFloat32,
  kFloat64
};

/// numpy dtype name of a pixel type: "int16", "float32", ...
std::string_view pixel_type_name(PixelType type);
/// Parses a numpy dtype name ("int16", "uint8", ...); nullopt when unknown.
std::optional<PixelType> parse_pixel_type(std::string_view name);
/// Bytes per pixel.
std::size_t pixel_size(PixelType type);
bool is_float(PixelType type);
bool is_signed(PixelType type);
/// Type of a sum of n_frames frames of `source` (DESIGN.md §2): int32 for signed, uint32 for
/// unsigned, float32 for float sources; 64-bit integers when n_frames could overflow 32 bits.
PixelType sum_pixel_type(PixelType source, std::int64_t n_frames);

/// Planar image: `channels` planes of height × width, row-major, plane after plane.
template <class T>
struct Image {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<T> pixels;

  Image() = default;
  Image(int c, int h, int w, T fill = T{})
      : channels(c),
        height(h),
        width(w),
        pixels(std::size_t(c) * std::size_t(h) * std::size_t(w), fill) {}

  std::size_t plane_size() const { return std::size_t(height) * std::size_t(width); }
  T& at(int c, int y, int x) {
    assert(c >= 0 && c < channels && y >= 0 && y < height && x >= 0 && x < width);
    return pixels[std::size_t(c) * plane_size() + std::size_t(y) * std::size_t(width) +
                  std::size_t(x)];
  }
  const T& at(int c, int y, int x) const { return const_cast<Image*>(this)->at(c, y, x); }
  std::span<T> plane(int c) {
    return {pixels.data() + std::size_t(c) * plane_size(), plane_size()};
  }
  std::span<const T> plane(int c) const {
    return {pixels.data() + std::size_t(c) * plane_size(), plane_size()};
  }
};

/// An image of any pixel type; the alternative's order matches PixelType.
using AnyImage =
    std::variant<Image<std::int8_t>, Image<std::uint8_t>, Image<std::int16_t>, Image<std::uint16_t>,
                 Image<std::int32_t>, Image<std::uint32_t>, Image<std::int64_t>,
                 Image<std::uint64_t>, Image<float>, Image<double>>;

/// Pixel type held by an AnyImage.
inline PixelType pixel_type_of(const AnyImage& image) {
  return static_cast<PixelType>(image.index());
}
/// A zero-filled image of the given type and shape.
AnyImage make_image(PixelType type, int channels, int height, int width);
/// Channels, height and width of any image.
struct ImageShape {
  int channels = 0;
  int height = 0;
  int width = 0;
};
ImageShape shape_of(const AnyImage& image);

}  // namespace flamecare
