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

// write_sum_tiff's strips are at most this many bytes, which keeps readers' buffers small for
// large planes. (`create` writes a strip per block of summed rows: 0.5 MB for FLAME's int16 frames
// at 1200², up to 16 MB for 8-bit frames summed one at a time.)
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

}  // namespace

// The temporary file and its libtiff handle (closed before the file is renamed or removed).
struct detail::SumTiffWriter::Open {
  AtomicFile file;
  TiffFile tif;
  Open(const fs::path& path, bool big)
      : file(path), tif(opened(file.temp_path()), big ? "w8" : "w") {}
  // errno cleared first, so a failure is never blamed on a stale value.
  static const fs::path& opened(const fs::path& temp) {
    errno = 0;
    return temp;
  }
};

// All IFDs first, then the pixel data: tifffile's "shaped" reader assumes the series' data is
// contiguous when page 1's IFD lies more than the series size past page 0's IFD, which libtiff's
// default data-IFD-data-IFD layout satisfies for small planes without the data being contiguous.
// Writing the IFDs up front (deferred strip arrays, as for cloud-optimized GeoTIFF) keeps the
// IFDs adjacent, so tifffile reads every page by its own offsets.
detail::SumTiffWriter::SumTiffWriter(fs::path path, const ImageShape& shape, PixelType type,
                                     int rows_per_strip, SumTiffLayout layout)
    : path_(std::move(path)),
      shape_(shape),
      type_(type),
      rows_per_strip_(std::uint32_t(std::max(rows_per_strip, 1))) {
  const ImageShape& s = shape_;
  if (s.channels < 1 || s.height < 1 || s.width < 1) {
    fail(ErrorKind::kInvalidArgument, path_,
         fmt::format("cannot write an empty image of {} x {} x {}", s.channels, s.height, s.width));
  }
  const std::uint64_t plane_bytes = std::uint64_t(s.height) * s.width * pixel_size(type);
  open_ = std::make_unique<Open>(path_, plane_bytes * std::uint64_t(s.channels) > kClassicLimit);
  const TiffFile& file = open_->tif;
  if (file.get() == nullptr) {
    const int err = errno;
    fail(ErrorKind::kIo, path_,
         fmt::format("cannot create {}: {}", open_->file.temp_path().string(),
                     write_cause(file, err)));
  }
  for (int c = 0; c < s.channels; ++c) {
    set_page_tags(file.get(), s, type, c, rows_per_strip_, layout);
    errno = 0;
    if (!TIFFDeferStrileArrayWriting(file.get()) ||
        !TIFFWriteCheck(file.get(), 0, "write_sum_tiff") || !TIFFWriteDirectory(file.get())) {
      const int err = errno;
      fail(ErrorKind::kIo, path_,
           fmt::format("cannot write page {}: {}", c, write_cause(file, err)));
    }
  }
}

detail::SumTiffWriter::~SumTiffWriter() = default;

void detail::SumTiffWriter::write_strip(int channel, int first_row,
                                        std::span<const std::byte> bytes) {
  const std::uint64_t row_bytes = std::uint64_t(shape_.width) * pixel_size(type_);
  const std::uint32_t rows = std::min<std::uint32_t>(rows_per_strip_, shape_.height - first_row);
  if (!open_ || channel != channel_ || first_row != next_row_ || channel >= shape_.channels ||
      bytes.size() != rows * row_bytes) {
    fail(ErrorKind::kInvalidArgument, path_,
         fmt::format("strip of {} bytes at row {} of page {} out of order (expected row {} of "
                     "page {}, {} bytes)",
                     bytes.size(), first_row, channel, next_row_, channel_, rows * row_bytes));
  }
  TIFF* tif = open_->tif.get();
  if (first_row == 0 && !TIFFSetDirectory(tif, tdir_t(channel))) {
    fail(ErrorKind::kIo, path_,
         fmt::format("cannot reopen page {}: {}", channel, open_->tif.errors()));
  }
  const std::uint32_t strip = std::uint32_t(first_row) / rows_per_strip_;
  // libtiff only modifies the buffer when it must byte-swap, which a native-order file never
  // needs, so handing it the const pixels is safe.
  errno = 0;
  if (TIFFWriteEncodedStrip(tif, strip, const_cast<std::byte*>(bytes.data()),
                            tmsize_t(bytes.size())) < 0) {
    const int err = errno;
    fail(ErrorKind::kIo, path_,
         fmt::format("cannot write page {} strip {}: {}", channel, strip,
                     write_cause(open_->tif, err)));
  }
  next_row_ += int(rows);
  if (next_row_ < shape_.height) return;
  errno = 0;
  if (!TIFFForceStrileArrayWriting(tif)) {
    const int err = errno;
    fail(ErrorKind::kIo, path_,
         fmt::format("cannot write page {} strip offsets: {}", channel,
                     write_cause(open_->tif, err)));
  }
  ++channel_;
  next_row_ = 0;
}

void detail::SumTiffWriter::commit(bool no_clobber, Durability durability, Writeback* writeback) {
  if (!open_ || channel_ != shape_.channels) {
    fail(ErrorKind::kInvalidArgument, path_,
         fmt::format("committed after {} of {} pages", channel_, shape_.channels));
  }
  errno = 0;
  if (!open_->tif.close()) {
    const int err = errno;
    fail(ErrorKind::kIo, path_, write_cause(open_->tif, err));
  }
  open_->file.commit(no_clobber, durability, writeback);
  open_.reset();
}

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
  const PixelType type = pixel_type_of(image);
  const std::uint64_t row_bytes = std::uint64_t(std::max(s.width, 1)) * pixel_size(type);
  const auto rows_per_strip = static_cast<int>(
      std::clamp<std::uint64_t>(kStripBytes / row_bytes, 1, std::max(s.height, 1)));
  SumTiffWriter writer(path, s, type, rows_per_strip, layout);
  const std::byte* pixels = pixel_bytes(image);
  for (int c = 0; c < s.channels; ++c) {
    for (int row = 0; row < s.height; row += rows_per_strip) {
      const int rows = std::min(rows_per_strip, s.height - row);
      writer.write_strip(
          c, row,
          std::span(pixels + (std::uint64_t(c) * s.height + row) * row_bytes, rows * row_bytes));
    }
  }
  writer.commit(no_clobber, durability);
}

}  // namespace flamecare
