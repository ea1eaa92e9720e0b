#include "flamecare/sum_tiff.hpp"

#include <tiffio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "io/sum_tiff_internal.hpp"

namespace flamecare {
namespace {

using namespace detail::sum_tiff;  // NOLINT: private helpers of this module

// Strips of at most this many bytes keep readers' buffers small for large planes.
constexpr std::uint64_t kStripBytes = 8u << 20;
// Classic TIFF offsets are 32-bit; leave room for the IFDs and the description.
constexpr std::uint64_t kClassicLimit = 0xffffffffULL - (16u << 20);

// Why a libtiff write failed: the system's reason first (libtiff's own message for a failed write
// is only "Write error at scanline ..."), then libtiff's messages. errno is cleared before each
// libtiff call whose failure is reported here, so a stale value is never blamed.
std::string write_cause(const TiffFile& file, int err) {
  if (err == 0) return file.errors().empty() ? "libtiff write failed" : file.errors();
  return file.errors().empty() ? std::strerror(err)
                               : fmt::format("{} ({})", std::strerror(err), file.errors());
}

void set_page_tags(TIFF* tif, const ImageShape& s, PixelType type, int c,
                   std::uint32_t rows_per_strip, SumTiffLayout layout) {
  const detail::TiffSampleType tt = detail::tiff_sample_type(type);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, std::uint32_t(s.width));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, std::uint32_t(s.height));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, tt.bits);
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, tt.sample_format);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, std::uint16_t{1});
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
  TIFFSetField(tif, TIFFTAG_XRESOLUTION, 1.0);
  TIFFSetField(tif, TIFFTAG_YRESOLUTION, 1.0);
  TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_NONE);
  TIFFSetField(tif, TIFFTAG_SOFTWARE, "flamecare");
  // Like tifffile.imwrite, only the first page carries the shape; the rest follow from it.
  if (c == 0) TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, sum_tiff_description(s, layout).c_str());
}

void write_strips(const fs::path& path, const TiffFile& file, const ImageShape& s,
                  std::uint64_t row_bytes, std::uint32_t rows_per_strip, int c,
                  const std::byte* plane) {
  for (std::uint32_t row = 0, strip = 0; row < std::uint32_t(s.height);
       row += rows_per_strip, ++strip) {
    const std::uint32_t rows = std::min<std::uint32_t>(rows_per_strip, s.height - row);
    // libtiff only modifies the buffer when it must byte-swap, which a native-order file never
    // needs, so handing it the const pixels is safe.
    auto* data = const_cast<std::byte*>(plane + row * row_bytes);
    errno = 0;
    if (TIFFWriteEncodedStrip(file.get(), strip, data, tmsize_t(rows * row_bytes)) < 0) {
      const int err = errno;
      fail(ErrorKind::kIo, path,
           fmt::format("cannot write page {} strip {}: {}", c, strip, write_cause(file, err)));
    }
  }
}

// All IFDs first, then the pixel data: tifffile's "shaped" reader assumes the series' data is
// contiguous when page 1's IFD lies more than the series size past page 0's IFD, which libtiff's
// default data-IFD-data-IFD layout satisfies for small planes without the data being contiguous.
// Writing the IFDs up front (deferred strip arrays, as for cloud-optimized GeoTIFF) keeps the
// IFDs adjacent, so tifffile reads every page by its own offsets.
void write_pages(const fs::path& path, const TiffFile& file, const AnyImage& image,
                 SumTiffLayout layout) {
  const ImageShape s = shape_of(image);
  const PixelType type = pixel_type_of(image);
  const std::uint64_t row_bytes = std::uint64_t(s.width) * pixel_size(type);
  const auto rows_per_strip =
      static_cast<std::uint32_t>(std::clamp<std::uint64_t>(kStripBytes / row_bytes, 1, s.height));
  TIFF* tif = file.get();
  for (int c = 0; c < s.channels; ++c) {
    set_page_tags(tif, s, type, c, rows_per_strip, layout);
    errno = 0;
    if (!TIFFDeferStrileArrayWriting(tif) || !TIFFWriteCheck(tif, 0, "write_sum_tiff") ||
        !TIFFWriteDirectory(tif)) {
      const int err = errno;
      fail(ErrorKind::kIo, path,
           fmt::format("cannot write page {}: {}", c, write_cause(file, err)));
    }
  }
  const std::byte* pixels = pixel_bytes(image);
  const std::uint64_t plane_bytes = row_bytes * std::uint64_t(s.height);
  for (int c = 0; c < s.channels; ++c) {
    if (!TIFFSetDirectory(tif, tdir_t(c))) {
      fail(ErrorKind::kIo, path, fmt::format("cannot reopen page {}: {}", c, file.errors()));
    }
    write_strips(path, file, s, row_bytes, rows_per_strip, c, pixels + c * plane_bytes);
    errno = 0;
    if (!TIFFForceStrileArrayWriting(tif)) {
      const int err = errno;
      fail(ErrorKind::kIo, path,
           fmt::format("cannot write page {} strip offsets: {}", c, write_cause(file, err)));
    }
  }
}

}  // namespace

// tifffile's "shaped" description: tifffile.imread then returns exactly this shape.
std::string sum_tiff_description(const ImageShape& s, SumTiffLayout layout) {
  if (layout == SumTiffLayout::kDataset)
    return fmt::format("{{\"shape\": [1, {}, {}, {}]}}", s.channels, s.height, s.width);
  if (s.channels == 1) return fmt::format("{{\"shape\": [{}, {}]}}", s.height, s.width);
  return fmt::format("{{\"shape\": [{}, {}, {}]}}", s.channels, s.height, s.width);
}

void write_sum_tiff(const fs::path& path, const AnyImage& image, bool no_clobber,
                    SumTiffLayout layout) {
  detail::write_sum_tiff(path, image, no_clobber, detail::Durability::kNow, layout);
}

void detail::write_sum_tiff(const fs::path& path, const AnyImage& image, bool no_clobber,
                            Durability durability, SumTiffLayout layout) {
  const ImageShape s = shape_of(image);
  if (s.channels < 1 || s.height < 1 || s.width < 1) {
    fail(ErrorKind::kInvalidArgument, path,
         fmt::format("cannot write an empty image of {} x {} x {}", s.channels, s.height, s.width));
  }
  const PixelType type = pixel_type_of(image);
  const std::uint64_t plane_bytes = std::uint64_t(s.height) * s.width * pixel_size(type);
  const bool big = plane_bytes * std::uint64_t(s.channels) > kClassicLimit;

  detail::AtomicFile file(path);
  {
    errno = 0;
    TiffFile tif(file.temp_path(), big ? "w8" : "w");
    if (tif.get() == nullptr) {
      const int err = errno;
      fail(ErrorKind::kIo, path,
           fmt::format("cannot create {}: {}", file.temp_path().string(), write_cause(tif, err)));
    }
    write_pages(path, tif, image, layout);
    errno = 0;
    if (!tif.close()) {
      const int err = errno;
      fail(ErrorKind::kIo, path, write_cause(tif, err));
    }
  }
  file.commit(no_clobber, durability);
}

}  // namespace flamecare
