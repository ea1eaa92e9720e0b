// libtiff-written test stacks (see libtiff_stack.hpp).
#include "support/libtiff_stack.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace flamecare::test {

void write_libtiff(const std::filesystem::path& file, const TiffSpec& s) {
  TIFF* t = TIFFOpen(file.c_str(), s.mode.c_str());
  ASSERT_NE(t, nullptr);
  for (int p = 0; p < s.pages; ++p) {
    const int w = s.page_width ? s.page_width(p) : s.width;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, s.height);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, s.bits);
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, s.format);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_COMPRESSION, s.compression);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, s.rows_per_strip);
    if (!s.description.empty()) TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, s.description.c_str());
    if (s.page_tags) s.page_tags(t, p);
    std::vector<std::uint8_t> row(std::size_t(w) * s.bits / 8);
    for (int y = 0; y < s.height; ++y) {
      for (int x = 0; x < w; ++x) {
        const std::int64_t v = p * 100 + y * 10 + x - 20;
        std::memcpy(row.data() + std::size_t(x) * s.bits / 8, &v, std::size_t(s.bits / 8));
      }
      ASSERT_EQ(TIFFWriteScanline(t, row.data(), std::uint32_t(y), 0), 1);
    }
    ASSERT_EQ(TIFFWriteDirectory(t), 1);
  }
  TIFFClose(t);
}

}  // namespace flamecare::test
