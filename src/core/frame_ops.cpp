#include "flamecare/frame_ops.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "flamecare/error.hpp"

namespace flamecare {
namespace {

// Adds in the unsigned twin of an integer sum type so an (unexpected) overflow wraps like
// numpy instead of being undefined behaviour; float sums add in their own type, frame after
// frame, which equals numpy's np.sum(frames, axis=0, dtype=float32) (sequential over frames).
template <class S, class V>
S add_wrapping(S sum, V value) {
  if constexpr (std::is_integral_v<S>) {
    using U = std::make_unsigned_t<S>;
    return static_cast<S>(static_cast<U>(sum) + static_cast<U>(static_cast<S>(value)));
  } else {
    return static_cast<S>(sum + static_cast<S>(value));
  }
}

template <class V, class S>
void add_plane(std::span<const std::byte> plane, std::span<S> out) {
  const std::byte* src = plane.data();
  for (std::size_t i = 0; i < out.size(); ++i) {
    V v;
    std::memcpy(&v, src + i * sizeof(V), sizeof(V));  // the plane may be unaligned
    out[i] = add_wrapping(out[i], v);
  }
}

// Whether `sum` may accumulate frames of `source` (DESIGN.md §2: int32/int64 for signed,
// uint32/uint64 for unsigned, float32 (or float64) for float sources).
bool valid_sum_type(PixelType source, PixelType sum) {
  if (is_float(source)) return sum == PixelType::kFloat32 || sum == PixelType::kFloat64;
  return sum == sum_pixel_type(source, 1) || sum == sum_pixel_type(source, std::int64_t{1} << 40);
}

template <class S>
void dispatch_source(std::span<const std::byte> plane, PixelType source, std::span<S> out) {
  switch (source) {
    case PixelType::kInt8:
      return add_plane<std::int8_t>(plane, out);
    case PixelType::kUint8:
      return add_plane<std::uint8_t>(plane, out);
    case PixelType::kInt16:
      return add_plane<std::int16_t>(plane, out);
    case PixelType::kUint16:
      return add_plane<std::uint16_t>(plane, out);
    case PixelType::kInt32:
      return add_plane<std::int32_t>(plane, out);
    case PixelType::kUint32:
      return add_plane<std::uint32_t>(plane, out);
    case PixelType::kInt64:
      return add_plane<std::int64_t>(plane, out);
    case PixelType::kUint64:
      return add_plane<std::uint64_t>(plane, out);
    case PixelType::kFloat32:
      return add_plane<float>(plane, out);
    case PixelType::kFloat64:
      return add_plane<double>(plane, out);
  }
}

template <class T>
Image<T> correct_typed(const Image<T>& in, int b) {
  const int width = corrected_width(in.width, b);
  const int shift = std::abs(b);
  Image<T> out(in.channels, in.height, width);
  for (int c = 0; c < in.channels; ++c) {
    for (int y = 0; y < in.height; ++y) {
      // b > 0: even rows read from x + b, odd rows from x; b < 0: the other way round.
      const bool even = y % 2 == 0;
      const int offset = (b > 0) == even ? shift : 0;
      const T* src =
          in.pixels.data() + std::size_t(c) * in.plane_size() + std::size_t(y) * in.width;
      T* dst = out.pixels.data() + std::size_t(c) * out.plane_size() + std::size_t(y) * width;
      std::copy_n(src + offset, width, dst);
    }
  }
  return out;
}

}  // namespace

void accumulate_plane(std::span<const std::byte> plane, PixelType source_type, AnyImage& sum,
                      int channel) {
  const PixelType sum_type = pixel_type_of(sum);
  if (!valid_sum_type(source_type, sum_type)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("accumulate_plane: cannot sum {} frames into a {} image",
                            pixel_type_name(source_type), pixel_type_name(sum_type)));
  }
  std::visit(
      [&](auto& img) {
        if (channel < 0 || channel >= img.channels) {
          throw Error(ErrorKind::kInvalidArgument,
                      fmt::format("accumulate_plane: channel {} out of range (image has {})",
                                  channel, img.channels));
        }
        const std::size_t expected = img.plane_size() * pixel_size(source_type);
        if (plane.size() != expected) {
          throw Error(ErrorKind::kInvalidArgument,
                      fmt::format("accumulate_plane: plane has {} bytes but {}x{} {} needs {}",
                                  plane.size(), img.height, img.width, pixel_type_name(source_type),
                                  expected));
        }
        dispatch_source(plane, source_type, img.plane(channel));
      },
      sum);
}

int corrected_width(int width, int b) {
  const long long shift = b < 0 ? -static_cast<long long>(b) : b;
  if (b != 0 && shift >= width) {
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("bidirectional correction {} needs an image wider than {} pixels", b, width));
  }
  return width - static_cast<int>(shift);
}

AnyImage correct_bidirectional(const AnyImage& image, int b) {
  return std::visit([b](const auto& img) -> AnyImage { return correct_typed(img, b); }, image);
}

}  // namespace flamecare
