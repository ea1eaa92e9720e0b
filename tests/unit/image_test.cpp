#include <gtest/gtest.h>

#include "flamecare/error.hpp"
#include "flamecare/image.hpp"

namespace flamecare {
namespace {

TEST(PixelType, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(PixelType::kFloat64); ++i) {
    const auto type = static_cast<PixelType>(i);
    EXPECT_EQ(parse_pixel_type(pixel_type_name(type)), type);
  }
  EXPECT_FALSE(parse_pixel_type("complex64").has_value());
}

TEST(PixelType, SumTypeIsWideEnough) {
  EXPECT_EQ(sum_pixel_type(PixelType::kInt16, 40), PixelType::kInt32);
  EXPECT_EQ(sum_pixel_type(PixelType::kUint16, 40), PixelType::kUint32);
  EXPECT_EQ(sum_pixel_type(PixelType::kInt8, 1000), PixelType::kInt32);
  EXPECT_EQ(sum_pixel_type(PixelType::kFloat32, 40), PixelType::kFloat32);
  // 65536 frames of int16 can reach 32768 * 65536 = 2^31: one past int32.
  EXPECT_EQ(sum_pixel_type(PixelType::kInt16, 65535), PixelType::kInt32);
  EXPECT_EQ(sum_pixel_type(PixelType::kInt16, 65537), PixelType::kInt64);
  EXPECT_EQ(sum_pixel_type(PixelType::kInt32, 2), PixelType::kInt64);
  EXPECT_EQ(sum_pixel_type(PixelType::kUint16, 70000), PixelType::kUint64);
}

TEST(Image, PlanarLayout) {
  Image<int> image(2, 3, 4);
  image.at(1, 2, 3) = 7;
  EXPECT_EQ(image.pixels.back(), 7);
  EXPECT_EQ(image.plane(1)[11], 7);
  const AnyImage any = make_image(PixelType::kUint16, 2, 3, 4);
  EXPECT_EQ(pixel_type_of(any), PixelType::kUint16);
  EXPECT_EQ(shape_of(any).width, 4);
}

TEST(Error, CarriesKind) {
  const Error e(ErrorKind::kCorrupt, "a.tif: truncated");
  EXPECT_EQ(e.kind(), ErrorKind::kCorrupt);
  EXPECT_STREQ(e.what(), "a.tif: truncated");
  EXPECT_EQ(error_kind_name(ErrorKind::kNotFound), "not found");
}

}  // namespace
}  // namespace flamecare
