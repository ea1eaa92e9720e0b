// The one libtiff wrapper: one PixelType <-> (BitsPerSample, SampleFormat) mapping, and libtiff's
// messages captured per file, never printed.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "io/tiff_file.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {

TEST(TiffFile, PixelTypeMappingRoundTripsEveryType) {
  for (int i = 0; i <= static_cast<int>(PixelType::kFloat64); ++i) {
    const auto type = static_cast<PixelType>(i);
    const detail::TiffSampleType t = detail::tiff_sample_type(type);
    EXPECT_EQ(t.bits, 8 * pixel_size(type)) << pixel_type_name(type);
    EXPECT_EQ(detail::pixel_type_from_tiff(t.bits, t.sample_format), type) << pixel_type_name(type);
  }
  EXPECT_EQ(detail::tiff_sample_type(PixelType::kInt16).sample_format, SAMPLEFORMAT_INT);
  EXPECT_EQ(detail::tiff_sample_type(PixelType::kUint8).sample_format, SAMPLEFORMAT_UINT);
  EXPECT_EQ(detail::tiff_sample_type(PixelType::kFloat32).sample_format, SAMPLEFORMAT_IEEEFP);
  // (bits, format), in that order: 16-bit signed is int16, and nothing has 16-bit floats or
  // 12-bit samples.
  EXPECT_EQ(detail::pixel_type_from_tiff(16, SAMPLEFORMAT_INT), PixelType::kInt16);
  EXPECT_EQ(detail::pixel_type_from_tiff(16, SAMPLEFORMAT_IEEEFP), std::nullopt);
  EXPECT_EQ(detail::pixel_type_from_tiff(12, SAMPLEFORMAT_UINT), std::nullopt);
  EXPECT_EQ(detail::pixel_type_from_tiff(SAMPLEFORMAT_INT, 16), std::nullopt);
}

TEST(TiffFile, MessagesAreCapturedNeverPrinted) {
  test_support::ScratchDir dir;
  std::ofstream(dir / "bad.tif", std::ios::binary) << std::string("II*\0\xff\xff\0\0", 8);
  testing::internal::CaptureStderr();
  {
    detail::TiffFile by_path(dir / "bad.tif", "r");
    EXPECT_EQ(by_path.get(), nullptr);
    EXPECT_FALSE(by_path.errors().empty());
    EXPECT_GE(by_path.error_count(), 1);
    const int fd = ::open((dir / "bad.tif").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    detail::TiffFile by_fd(fd, dir / "bad.tif", "r");
    EXPECT_EQ(by_fd.get(), nullptr);
    EXPECT_FALSE(by_fd.errors().empty());
    EXPECT_EQ(::fcntl(fd, F_GETFD), 0) << "the caller's descriptor stays open";
    ::close(fd);
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace flamecare
