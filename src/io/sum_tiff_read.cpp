#include <sys/stat.h>
#include <tiffio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "core/reuse_image.hpp"
#include "flamecare/error.hpp"
#include "flamecare/sum_tiff.hpp"
#include "io/regular_file.hpp"
#include "io/sum_tiff_internal.hpp"

namespace flamecare {
namespace {

using namespace detail::sum_tiff;  // NOLINT: private helpers of this module

struct PageLayout {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  PixelType type = PixelType::kUint8;
};

template <class T>
T get_or(TIFF* tif, ttag_t tag, T fallback) {
  T value{};
  return TIFFGetField(tif, tag, &value) ? value : fallback;
}

// Checks page `index` is uncompressed single-sample grayscale in strips that lie inside the file.
PageLayout inspect_page(const fs::path& path, TIFF* tif, int index, std::uint64_t file_size) {
  const auto unsupported = [&](const std::string& cause) {
    fail(ErrorKind::kUnsupported, path, fmt::format("page {}: {}", index, cause));
  };
  const auto compression = get_or<std::uint16_t>(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  if (compression != COMPRESSION_NONE) unsupported(fmt::format("compression {}", compression));
  const auto samples = get_or<std::uint16_t>(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  const auto photometric = get_or<std::uint16_t>(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  if (samples != 1 ||
      (photometric != PHOTOMETRIC_MINISBLACK && photometric != PHOTOMETRIC_MINISWHITE)) {
    unsupported(fmt::format("{} samples per pixel, photometric {}; only grayscale is read", samples,
                            photometric));
  }
  if (TIFFIsTiled(tif)) unsupported("tiled pages are not read");
  const auto bits = get_or<std::uint16_t>(tif, TIFFTAG_BITSPERSAMPLE, 1);
  const auto format = get_or<std::uint16_t>(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT);
  const std::optional<PixelType> type = detail::pixel_type_from_tiff(bits, format);
  if (!type) unsupported(fmt::format("{}-bit samples of SampleFormat {}", bits, format));

  PageLayout page{get_or<std::uint32_t>(tif, TIFFTAG_IMAGEWIDTH, 0),
                  get_or<std::uint32_t>(tif, TIFFTAG_IMAGELENGTH, 0), *type};
  if (page.width == 0 || page.height == 0) {
    fail(ErrorKind::kCorrupt, path,
         fmt::format("page {} is {} x {} pixels", index, page.height, page.width));
  }
  const std::uint64_t* offsets = nullptr;
  const std::uint64_t* counts = nullptr;
  if (!TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets) ||
      !TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &counts)) {
    fail(ErrorKind::kCorrupt, path, fmt::format("page {} has no strips", index));
  }
  for (std::uint32_t s = 0; s < TIFFNumberOfStrips(tif); ++s) {
    if (offsets[s] > file_size || counts[s] > file_size - offsets[s]) {
      fail(ErrorKind::kCorrupt, path,
           fmt::format("page {} strip {} ends at byte {} but the file has {} bytes", index, s,
                       offsets[s] + counts[s], file_size));
    }
  }
  return page;
}

// Whether the page's pixels are one run of bytes in the file (as flamecare writes its sums), to
// be read with one pread instead of a seek and a read per strip. libtiff reads an uncompressed
// strip as the strip's size in pixel rows from the strip's offset, whatever its byte count says,
// and reverses the bits of FillOrder 2 files: so the run is taken only where each strip starts
// where the rows before it end, holds its rows by its count, and needs no swapping or reversing.
// Returns where the run starts, nullopt for a page libtiff must read strip by strip.
std::optional<std::uint64_t> one_run(TIFF* tif, std::uint64_t plane_bytes) {
  const std::uint64_t* offsets = nullptr;
  const std::uint64_t* counts = nullptr;
  std::uint16_t fill_order = FILLORDER_MSB2LSB;
  TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &fill_order);
  const auto strip = std::uint64_t(std::max<tmsize_t>(TIFFStripSize(tif), 0));
  if (!TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets) ||
      !TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &counts) || TIFFIsByteSwapped(tif) ||
      fill_order != FILLORDER_MSB2LSB || strip == 0)
    return std::nullopt;
  std::uint64_t at = 0;
  for (std::uint32_t s = 0; s < TIFFNumberOfStrips(tif) && at < plane_bytes; ++s) {
    const std::uint64_t bytes = std::min(strip, plane_bytes - at);
    if (offsets[s] != offsets[0] + at || counts[s] < bytes) return std::nullopt;
    at += bytes;
  }
  if (at < plane_bytes) return std::nullopt;
  return offsets[0];
}

void read_page(const fs::path& path, const TiffFile& file, int fd, int index,
               const PageLayout& page, std::byte* plane) {
  TIFF* tif = file.get();
  const std::uint64_t plane_bytes = std::uint64_t(page.width) * page.height * pixel_size(page.type);
  std::uint64_t done = 0;
  if (const auto start = one_run(tif, plane_bytes)) {
    std::size_t got = 0;
    if (const int err = detail::pread_fully(fd, plane, plane_bytes, *start, got); err != 0) {
      fail(ErrorKind::kIo, path,
           fmt::format("page {}: cannot read: {}", index, std::strerror(err)));
    }
    done = got;
  } else {
    for (std::uint32_t s = 0; s < TIFFNumberOfStrips(tif) && done < plane_bytes; ++s) {
      const tmsize_t got = TIFFReadEncodedStrip(tif, s, plane + done, tmsize_t(plane_bytes - done));
      if (got < 0) {
        fail(ErrorKind::kCorrupt, path,
             fmt::format("page {} strip {} cannot be read: {}", index, s, file.errors()));
      }
      done += std::uint64_t(got);
    }
  }
  if (done != plane_bytes) {
    fail(ErrorKind::kCorrupt, path,
         fmt::format("page {} holds {} of its {} pixel bytes", index, done, plane_bytes));
  }
}

}  // namespace

AnyImage read_sum_tiff(const fs::path& path) {
  AnyImage image;
  detail::read_sum_tiff(path, image);
  return image;
}

int detail::read_sum_tiff(const fs::path& path, AnyImage& image, int channel) {
  // Sum TIFFs are ours, but patches reads whatever a data dir holds: regular files only.
  const detail::UniqueFd fd = detail::open_regular_file(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    fail(ErrorKind::kIo, path, fmt::format("cannot stat: {}", std::strerror(errno)));
  }
  const auto file_size = std::uint64_t(st.st_size);
  TiffFile file(fd.get(), path, "rm");
  if (file.get() == nullptr) fail(ErrorKind::kCorrupt, path, "not a TIFF: " + file.errors());

  // First pass: every page must match page 0, so nothing is allocated for a file we reject.
  std::vector<PageLayout> pages;
  do {
    const PageLayout page = inspect_page(path, file.get(), int(pages.size()), file_size);
    if (!pages.empty() && (page.width != pages[0].width || page.height != pages[0].height ||
                           page.type != pages[0].type)) {
      fail(ErrorKind::kUnsupported, path,
           fmt::format("page {} is {} x {} {} but page 0 is {} x {} {}", pages.size(), page.height,
                       page.width, pixel_type_name(page.type), pages[0].height, pages[0].width,
                       pixel_type_name(pages[0].type)));
    }
    pages.push_back(page);
  } while (TIFFReadDirectory(file.get()));
  if (!file.errors().empty()) fail(ErrorKind::kCorrupt, path, file.errors());

  const PageLayout& first = pages[0];
  const std::uint64_t plane_bytes =
      std::uint64_t(first.width) * first.height * pixel_size(first.type);
  // Uncompressed pages need their bytes in the file: checked before allocating, so strips that
  // overlap cannot make a small file claim a huge image.
  if (first.width > INT_MAX || first.height > INT_MAX || plane_bytes > file_size / pages.size()) {
    fail(ErrorKind::kCorrupt, path,
         fmt::format("{} pages of {} x {} {} need more than the {} bytes of the file", pages.size(),
                     first.height, first.width, pixel_type_name(first.type), file_size));
  }
  if (channel >= int(pages.size())) {  // the caller compares the count with what it expects
    detail::reuse_image(image, first.type, 0, int(first.height), int(first.width));
    return int(pages.size());
  }
  // One channel asked for: only its plane is allocated (and, for fresh memory, zero-filled).
  const int first_page = channel >= 0 ? channel : 0;
  const int planes = channel >= 0 ? 1 : int(pages.size());
  detail::reuse_image(image, first.type, planes, int(first.height), int(first.width));
  for (int k = 0; k < planes; ++k) {
    const int c = first_page + k;
    if (!TIFFSetDirectory(file.get(), tdir_t(c))) {
      fail(ErrorKind::kCorrupt, path, fmt::format("cannot reread page {}: {}", c, file.errors()));
    }
    read_page(path, file, fd.get(), c, first, pixel_bytes(image) + std::size_t(k) * plane_bytes);
  }
  return int(pages.size());
}

bool sum_tiff_has_layout(const fs::path& path, const ImageShape& shape,
                         SumTiffLayout layout) noexcept {
  try {
    const detail::UniqueFd fd = detail::open_regular_file(path);
    TiffFile file(fd.get(), path, "rm");
    if (file.get() == nullptr) return false;
    const char* description = nullptr;
    if (!TIFFGetField(file.get(), TIFFTAG_IMAGEDESCRIPTION, &description) || description == nullptr)
      return false;
    return description == sum_tiff_description(shape, layout);
  } catch (...) {
    return false;
  }
}

}  // namespace flamecare
