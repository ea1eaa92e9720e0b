#pragma once
// Small TIFFs written with libtiff for reader/screen edge cases (byte order, legacy ScanImage
// descriptions, compression, mixed pages).
#include <filesystem>
#include <functional>
#include <string>

#include <tiffio.h>

namespace flamecare::test {

/// `pages` pages of `bits`-bit samples whose values are page*100 + y*10 + x - 20.
struct TiffSpec {
  std::string mode = "w";  ///< libtiff mode: "wb" big-endian, "w8" BigTIFF
  int pages = 2, width = 5, height = 4, rows_per_strip = 2, bits = 16;
  int format = SAMPLEFORMAT_INT;
  int compression = COMPRESSION_NONE;
  std::string description =
      "state.software.version=3.8\rstate.acq.numberOfFrames=2\r"
      "state.acq.numberOfChannelsSave=1\rstate.acq.numberOfZSlices=1\r";
  std::function<int(int page)> page_width = nullptr;             ///< per-page width override
  std::function<void(TIFF* tif, int page)> page_tags = nullptr;  ///< sets more tags per page
};

/// Writes `file`; fails the current test on a libtiff error.
void write_libtiff(const std::filesystem::path& file, const TiffSpec& spec);

}  // namespace flamecare::test
