#include "flamecare/image.hpp"

#include <sys/mman.h>

#include <array>
#include <cstdint>
#include <limits>

#include "core/reuse_image.hpp"
#include "flamecare/error.hpp"

namespace flamecare {
namespace {

struct TypeInfo {
  std::string_view name;
  std::size_t size;
  bool is_float;
  bool is_signed;
};

constexpr std::array<TypeInfo, 10> kTypes = {{
    {"int8", 1, false, true},
    {"uint8", 1, false, false},
    {"int16", 2, false, true},
    {"uint16", 2, false, false},
    {"int32", 4, false, true},
    {"uint32", 4, false, false},
    {"int64", 8, false, true},
    {"uint64", 8, false, false},
    {"float32", 4, true, true},
    {"float64", 8, true, true},
}};

const TypeInfo& info(PixelType type) { return kTypes.at(static_cast<std::size_t>(type)); }

// Largest magnitude one frame of `type` can hold.
std::int64_t max_abs(PixelType type) {
  switch (type) {
    case PixelType::kInt8:
      return 128;
    case PixelType::kUint8:
      return 255;
    case PixelType::kInt16:
      return 32768;
    case PixelType::kUint16:
      return 65535;
    case PixelType::kInt32:
      return std::int64_t{1} << 31;
    default:
      return std::numeric_limits<std::uint32_t>::max();
  }
}

}  // namespace

std::string_view pixel_type_name(PixelType type) { return info(type).name; }

std::optional<PixelType> parse_pixel_type(std::string_view name) {
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    if (kTypes[i].name == name) return static_cast<PixelType>(i);
  }
  return std::nullopt;
}

std::size_t pixel_size(PixelType type) { return info(type).size; }
bool is_float(PixelType type) { return info(type).is_float; }
bool is_signed(PixelType type) { return info(type).is_signed; }

PixelType sum_pixel_type(PixelType source, std::int64_t n_frames) {
  if (is_float(source)) return PixelType::kFloat32;
  if (source == PixelType::kInt64 || source == PixelType::kUint64) return source;
  const bool fits =
      n_frames <= 0 || max_abs(source) <= std::numeric_limits<std::int32_t>::max() / n_frames;
  if (is_signed(source)) return fits ? PixelType::kInt32 : PixelType::kInt64;
  const bool fits_unsigned =
      n_frames <= 0 || static_cast<std::uint64_t>(max_abs(source)) <=
                           std::numeric_limits<std::uint32_t>::max() / std::uint64_t(n_frames);
  return fits_unsigned ? PixelType::kUint32 : PixelType::kUint64;
}

AnyImage make_image(PixelType type, int channels, int height, int width) {
  switch (type) {
    case PixelType::kInt8:
      return Image<std::int8_t>(channels, height, width);
    case PixelType::kUint8:
      return Image<std::uint8_t>(channels, height, width);
    case PixelType::kInt16:
      return Image<std::int16_t>(channels, height, width);
    case PixelType::kUint16:
      return Image<std::uint16_t>(channels, height, width);
    case PixelType::kInt32:
      return Image<std::int32_t>(channels, height, width);
    case PixelType::kUint32:
      return Image<std::uint32_t>(channels, height, width);
    case PixelType::kInt64:
      return Image<std::int64_t>(channels, height, width);
    case PixelType::kUint64:
      return Image<std::uint64_t>(channels, height, width);
    case PixelType::kFloat32:
      return Image<float>(channels, height, width);
    case PixelType::kFloat64:
      return Image<double>(channels, height, width);
  }
  throw Error(ErrorKind::kInternal, "make_image: unknown pixel type");
}

namespace detail {

void advise_huge_pages(void* data, std::size_t bytes) noexcept {
  constexpr std::uintptr_t kHuge = std::uintptr_t(2) << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace detail

ImageShape shape_of(const AnyImage& image) {
  return std::visit(
      [](const auto& img) {
        return ImageShape{img.channels, img.height, img.width};
      },
      image);
}

}  // namespace flamecare
