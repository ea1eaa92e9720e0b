#pragma once
// Helpers shared by the sum-TIFF writer and reader (libtiff itself is wrapped in io/tiff_file).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/image.hpp"
#include "flamecare/sum_tiff.hpp"
#include "io/atomic_file.hpp"
#include "io/tiff_file.hpp"
#include "util/text.hpp"

namespace flamecare::detail {

/// write_sum_tiff (flamecare/sum_tiff.hpp) with a choice of when the file becomes durable: with
/// Durability::kDeferred the caller must sync_paths() it before declaring it complete.
void write_sum_tiff(const std::filesystem::path& path, const AnyImage& image, bool no_clobber,
                    Durability durability, SumTiffLayout layout = SumTiffLayout::kDataset);

/// A sum TIFF written strip by strip as its rows are made (write_sum_tiff writes a whole image
/// through one): the pages' directories first, then each page's strips in order, into a
/// temporary file that commit() renames into place (AtomicFile; removed if never committed).
/// Every call throws Error(kIo) naming the final path and the cause.
class SumTiffWriter {
 public:
  /// A file for an image of `shape` (each dimension ≥ 1) and `type`, in strips of
  /// `rows_per_strip` rows (≥ 1). Throws Error(kInvalidArgument) for an empty shape.
  SumTiffWriter(std::filesystem::path path, const ImageShape& shape, PixelType type,
                int rows_per_strip, SumTiffLayout layout = SumTiffLayout::kDataset);
  SumTiffWriter(const SumTiffWriter&) = delete;
  SumTiffWriter& operator=(const SumTiffWriter&) = delete;
  ~SumTiffWriter();

  /// The next strip: rows_per_strip rows (fewer for a page's last) of page after page, top to
  /// bottom, `bytes` of pixels of the file's type. Throws Error(kInvalidArgument) for a strip
  /// out of order or of the wrong size.
  void write_strip(int channel, int first_row, std::span<const std::byte> bytes);
  /// Closes the file and renames it into place (AtomicFile::commit, `writeback` included).
  /// Throws Error(kInvalidArgument) unless every strip was written.
  void commit(bool no_clobber, Durability durability, Writeback* writeback = nullptr);

 private:
  struct Open;
  std::filesystem::path path_;
  ImageShape shape_;
  PixelType type_;
  std::uint32_t rows_per_strip_;
  std::unique_ptr<Open> open_;
  int channel_ = 0;
  int next_row_ = 0;
};

/// read_sum_tiff (flamecare/sum_tiff.hpp) into `image`, whose memory is reused when it has the
/// file's pixel type (a worker reading image after image). With `channel` ≥ 0 only that page is
/// read, into a one-plane image (every page is still checked); for a channel the file does not
/// have, nothing is read and `image` has no plane. Returns the file's number of channels
/// (pages). Throws as read_sum_tiff; on a throw `image` holds partial content.
int read_sum_tiff(const std::filesystem::path& path, AnyImage& image, int channel = -1);

}  // namespace flamecare::detail

namespace flamecare::detail::sum_tiff {

namespace fs = std::filesystem;

using detail::TiffFile;

inline std::byte* pixel_bytes(AnyImage& image) {
  return std::visit([](auto& im) { return reinterpret_cast<std::byte*>(im.pixels.data()); }, image);
}

inline const std::byte* pixel_bytes(const AnyImage& image) {
  return std::visit(
      [](const auto& im) { return reinterpret_cast<const std::byte*>(im.pixels.data()); }, image);
}

[[noreturn]] inline void fail(ErrorKind kind, const fs::path& path, const std::string& cause) {
  throw Error(kind, fmt::format("{}: {}", printable(path.native()), cause));
}

}  // namespace flamecare::detail::sum_tiff
