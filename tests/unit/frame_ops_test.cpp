#include "flamecare/frame_ops.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <vector>

#include "flamecare/error.hpp"

namespace flamecare {
namespace {

template <class T>
std::vector<std::byte> bytes_of(const std::vector<T>& values) {
  std::vector<std::byte> out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// Frame f, pixel i of a 3×4 plane: a value that covers negatives for signed types.
template <class T>
std::vector<T> frame(int f, int offset) {
  std::vector<T> v(12);
  for (int i = 0; i < 12; ++i) v[std::size_t(i)] = static_cast<T>((i * 7 + f * 3) % 50 + offset);
  return v;
}

template <class Src, class Sum>
void check_sum(PixelType src, PixelType sum_type, int offset, int frames) {
  AnyImage sum = make_image(sum_type, 2, 3, 4);
  for (int f = 0; f < frames; ++f) accumulate_plane(bytes_of(frame<Src>(f, offset)), src, sum, 1);
  const auto& img = std::get<Image<Sum>>(sum);
  for (int i = 0; i < 12; ++i) {
    Sum expected = 0;
    for (int f = 0; f < frames; ++f) expected += static_cast<Sum>(frame<Src>(f, offset)[i]);
    EXPECT_EQ(img.plane(1)[std::size_t(i)], expected) << "pixel " << i;
    EXPECT_EQ(img.plane(0)[std::size_t(i)], Sum{0}) << "other channel untouched";
  }
}

TEST(AccumulatePlane, SumsEverySourceType) {
  check_sum<std::int16_t, std::int32_t>(PixelType::kInt16, PixelType::kInt32, -25, 40);
  check_sum<std::uint16_t, std::uint32_t>(PixelType::kUint16, PixelType::kUint32, 60000, 40);
  check_sum<std::uint8_t, std::uint32_t>(PixelType::kUint8, PixelType::kUint32, 200, 5);
  check_sum<std::int8_t, std::int32_t>(PixelType::kInt8, PixelType::kInt32, -120, 7);
  check_sum<float, float>(PixelType::kFloat32, PixelType::kFloat32, -3, 9);
}

TEST(AccumulatePlane, Int64SumsDoNotOverflow) {
  // 70000 frames of int16 32767 overflow int32 (2.29e9 > 2^31), not int64.
  ASSERT_EQ(sum_pixel_type(PixelType::kInt16, 70000), PixelType::kInt64);
  AnyImage sum = make_image(PixelType::kInt64, 1, 1, 2);
  const auto plane = bytes_of(std::vector<std::int16_t>{32767, -32768});
  for (int f = 0; f < 70000; ++f) accumulate_plane(plane, PixelType::kInt16, sum, 0);
  const auto& img = std::get<Image<std::int64_t>>(sum);
  EXPECT_EQ(img.pixels[0], std::int64_t{32767} * 70000);
  EXPECT_EQ(img.pixels[1], std::int64_t{-32768} * 70000);
}

TEST(AccumulatePlane, UnalignedPlaneBytes) {
  std::vector<std::byte> storage(1 + 4 * sizeof(std::int16_t));
  const std::vector<std::int16_t> values{-1, 2, -3, 4};
  std::memcpy(storage.data() + 1, values.data(), 4 * sizeof(std::int16_t));
  AnyImage sum = make_image(PixelType::kInt32, 1, 2, 2);
  accumulate_plane(std::span(storage).subspan(1), PixelType::kInt16, sum, 0);
  EXPECT_EQ(std::get<Image<std::int32_t>>(sum).pixels, (std::vector<std::int32_t>{-1, 2, -3, 4}));
}

TEST(AccumulatePlane, RejectsMismatches) {
  AnyImage sum = make_image(PixelType::kInt32, 1, 3, 4);
  const auto good = bytes_of(frame<std::int16_t>(0, 0));
  auto short_plane = good;
  short_plane.pop_back();
  EXPECT_THROW(accumulate_plane(short_plane, PixelType::kInt16, sum, 0), Error);
  EXPECT_THROW(accumulate_plane(good, PixelType::kUint16, sum, 0), Error);  // wants uint32
  EXPECT_THROW(accumulate_plane(good, PixelType::kInt16, sum, 1), Error);   // channel
  EXPECT_THROW(accumulate_plane(good, PixelType::kInt16, sum, -1), Error);
  AnyImage int16_sum = make_image(PixelType::kInt16, 1, 3, 4);
  EXPECT_THROW(accumulate_plane(good, PixelType::kInt16, int16_sum, 0), Error);
  try {
    accumulate_plane(short_plane, PixelType::kInt16, sum, 0);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("23 bytes"), std::string::npos) << e.what();
  }
}

Image<std::int32_t> formula_image(int channels, int height, int width) {
  Image<std::int32_t> img(channels, height, width);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) img.at(c, y, x) = c * 10000 + y * 100 + x;
  return img;
}

void check_correction(int height, int width, int b) {
  const auto in = formula_image(2, height, width);
  const auto out = std::get<Image<std::int32_t>>(correct_bidirectional(in, b));
  const int shift = b < 0 ? -b : b;
  ASSERT_EQ(out.width, width - shift);
  ASSERT_EQ(out.height, height);
  ASSERT_EQ(out.channels, 2);
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < out.width; ++x) {
        const bool even = y % 2 == 0;
        const int src_x = b > 0 ? (even ? x + b : x) : (even ? x : x - b);
        EXPECT_EQ(out.at(c, y, x), in.at(c, y, src_x)) << "b=" << b << " y=" << y << " x=" << x;
      }
}

TEST(CorrectBidirectional, PositiveShiftsEvenRowsLeft) {
  check_correction(5, 9, 2);
  // Spot values straight from DESIGN.md §2: row 0 starts at column 2, row 1 at column 0.
  const auto out = std::get<Image<std::int32_t>>(correct_bidirectional(formula_image(1, 2, 5), 2));
  EXPECT_EQ(out.pixels, (std::vector<std::int32_t>{2, 3, 4, 100, 101, 102}));
}

TEST(CorrectBidirectional, NegativeShiftsEvenRowsRight) {
  check_correction(4, 8, -3);
  const auto out = std::get<Image<std::int32_t>>(correct_bidirectional(formula_image(1, 2, 5), -3));
  EXPECT_EQ(out.pixels, (std::vector<std::int32_t>{0, 1, 103, 104}));
}

TEST(CorrectBidirectional, ZeroAndSingleRow) {
  const auto in = formula_image(1, 3, 4);
  EXPECT_EQ(std::get<Image<std::int32_t>>(correct_bidirectional(in, 0)).pixels, in.pixels);
  check_correction(1, 6, 1);
  check_correction(1, 6, -5);
  EXPECT_EQ(corrected_width(0, 0), 0);
  EXPECT_EQ(shape_of(correct_bidirectional(Image<std::int16_t>(1, 2, 0), 0)).width, 0);
}

TEST(CorrectBidirectional, OtherPixelTypes) {
  Image<float> in(1, 2, 3);
  for (std::size_t i = 0; i < 6; ++i) in.pixels[i] = 0.5f * float(i);
  const auto out = std::get<Image<float>>(correct_bidirectional(in, 1));
  EXPECT_EQ(out.pixels, (std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f}));
}

TEST(CorrectBidirectional, RejectsShiftAtLeastWidth) {
  EXPECT_THROW(corrected_width(4, 4), Error);
  EXPECT_THROW(corrected_width(4, -4), Error);
  EXPECT_THROW(corrected_width(4, std::numeric_limits<int>::min()), Error);
  EXPECT_EQ(corrected_width(4, -3), 1);
  EXPECT_THROW(correct_bidirectional(formula_image(1, 2, 3), 3), Error);
  try {
    corrected_width(4, -7);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
  }
}

}  // namespace
}  // namespace flamecare
