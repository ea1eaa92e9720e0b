#pragma once
// Reusing an image's memory for the next image of the same kind (a worker's buffers).
#include <cstddef>

#include "flamecare/image.hpp"

namespace flamecare::detail {

/// Asks for transparent huge pages for the 2 MiB-aligned part of [data, data + bytes) that no
/// page has touched yet (madvise(MADV_HUGEPAGE)); a hint, ignored where unsupported.
void advise_huge_pages(void* data, std::size_t bytes) noexcept;

/// Makes `image` a type × channels × height × width image whose pixels the caller will overwrite
/// entirely: its memory is kept when the type matches (no page faults, no zero fill of a fresh
/// allocation, only new tail elements are zeroed), else it is a new zero-filled image.
inline void reuse_image(AnyImage& image, PixelType type, int channels, int height, int width) {
  if (pixel_type_of(image) != type) image = make_image(type, 0, 0, 0);
  std::visit(
      [&](auto& im) {
        im.channels = channels;
        im.height = height;
        im.width = width;
        const std::size_t n = im.plane_size() * std::size_t(channels);
        if (n > im.pixels.capacity()) {
          // Fresh memory, backed by huge pages where the system allows (far fewer page faults);
          // the old pixels are dropped first, not copied: the caller overwrites every one.
          decltype(im.pixels)().swap(im.pixels);
          im.pixels.reserve(n);
          advise_huge_pages(im.pixels.data(), n * sizeof(*im.pixels.data()));
        }
        im.pixels.resize(n);
      },
      image);
}

}  // namespace flamecare::detail
