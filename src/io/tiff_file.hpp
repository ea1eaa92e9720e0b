#pragma once
// The one libtiff wrapper of flamecare, shared by the raw ScanImage reader and the sum-TIFF
// reader and writer: a TIFF* that owns its per-file message capture (libtiff never prints) and
// the PixelType <-> (BitsPerSample, SampleFormat) mapping.
#include <tiffio.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "flamecare/image.hpp"

namespace flamecare::detail {

/// libtiff's messages about one open file, collected instead of printed to stderr (printable
/// UTF-8, "; "-separated).
struct TiffMessages {
  std::string errors;
  std::string warnings;
  int error_count = 0;
};

/// An open libtiff handle that closes itself. Not movable: libtiff's handlers hold the address
/// of its messages until TIFFClose.
class TiffFile {
 public:
  /// Opens `path` with libtiff `mode` ("r", "w", "w8", ...). get() is nullptr on failure and
  /// errors() says why.
  TiffFile(const std::filesystem::path& path, const char* mode);
  /// Opens an already open file descriptor for reading (libtiff works on a duplicate, so `fd`
  /// stays the caller's); `name` appears in libtiff's messages.
  TiffFile(int fd, const std::filesystem::path& name, const char* mode);
  TiffFile(const TiffFile&) = delete;
  TiffFile& operator=(const TiffFile&) = delete;
  ~TiffFile();

  /// Closes (flushing a file being written); false when libtiff reported any error.
  bool close();
  TIFF* get() const { return tif_; }
  const std::string& errors() const { return messages_.errors; }
  const std::string& warnings() const { return messages_.warnings; }
  int error_count() const { return messages_.error_count; }

 private:
  TiffMessages messages_;  // must outlive tif_: the handlers write here until TIFFClose
  TIFF* tif_ = nullptr;
};

/// How a pixel type is stored in TIFF tags.
struct TiffSampleType {
  std::uint16_t bits = 0;           ///< BitsPerSample
  std::uint16_t sample_format = 0;  ///< SampleFormat (SAMPLEFORMAT_UINT/INT/IEEEFP)
};

/// The tags for `type`.
TiffSampleType tiff_sample_type(PixelType type);
/// The pixel type stored as `bits` bits of `sample_format`; nullopt when flamecare has none.
std::optional<PixelType> pixel_type_from_tiff(std::uint16_t bits, std::uint16_t sample_format);

}  // namespace flamecare::detail
