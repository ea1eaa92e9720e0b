#pragma once
// Reusing an image's memory for the next image of the same kind (a worker's buffers).
#include "flamecare/image.hpp"

namespace flamecare::detail {

/// Makes `image` a type × channels × height × width image whose pixels the caller will overwrite
/// entirely: its memory is kept when the type matches (no page faults, no zero fill of a fresh
/// allocation, only new tail elements are zeroed), else it is a new zero-filled image.
inline void reuse_image(AnyImage& image, PixelType type, int channels, int height, int width) {
  if (pixel_type_of(image) != type) {
    image = make_image(type, channels, height, width);
    return;
  }
  std::visit(
      [&](auto& im) {
        im.channels = channels;
        im.height = height;
        im.width = width;
        im.pixels.resize(im.plane_size() * std::size_t(channels));
      },
      image);
}

}  // namespace flamecare::detail
