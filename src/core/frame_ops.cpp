#include "flamecare/frame_ops.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "core/frame_block.hpp"
#include "flamecare/error.hpp"

namespace flamecare {
namespace {

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
  if (!detail::valid_sum_type(source_type, sum_type)) {
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
        using S = typename std::decay_t<decltype(img.pixels)>::value_type;
        if constexpr (detail::kIsSumType<S>) {  // valid_sum_type above rules out the others
          const auto sums = img.plane(channel);
          detail::add_raw_pixels(plane.data(), source_type, sums.data(), sums.size());
        }
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
