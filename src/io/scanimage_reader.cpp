// ScanImage TIFF access: the file opened only if it is a regular file, the header, every IFD and
// the tag data checked against the file size without libtiff (tiff_structure.cpp), the tags read
// through libtiff (its messages captured per file, never printed; pages whose IFD repeats the
// last one libtiff read are decoded by RepeatedIfd), pixel strips with pread.
// Every failure is a RawFileError whose ScreenReason says why the file is unusable.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "io/regular_file.hpp"
#include "io/repeated_ifd.hpp"
#include "io/scanimage_detail.hpp"
#include "io/scanimage_reader_impl.hpp"
#include "io/tiff_file.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

constexpr std::uint32_t kStaticMagic = 117637889;
// Pixels are returned in native order; big-endian files are swapped (see read_page).
static_assert(std::endian::native == std::endian::little, "flamecare reads on little-endian hosts");

std::uint32_t le32(const unsigned char* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
         std::uint32_t(p[3]) << 24;
}

// The pixel types ScanImage writes (SCANIMAGE.md §2.4); 64-bit samples are not raw data.
std::optional<PixelType> raw_pixel_type(std::uint16_t bits, std::uint16_t format) {
  const auto type = detail::pixel_type_from_tiff(bits, format);
  if (!type || pixel_size(*type) > 4 || (is_float(*type) && bits != 32)) return std::nullopt;
  return type;
}

std::string tag_text(TIFF* tif, ttag_t tag) {
  const char* text = nullptr;
  if (TIFFGetField(tif, tag, &text) != 1 || text == nullptr) return {};
  return text;
}

// The SI header text after dropping the frame-varying lines of SI 4/5 descriptions: from the
// first line that starts with "scanimage.SI", else with "SI.".
std::string_view header_part(std::string_view description) {
  for (std::string_view start : {std::string_view("scanimage.SI"), std::string_view("SI.")}) {
    for (std::size_t line = 0; line < description.size();) {
      if (description.substr(line, start.size()) == start) return description.substr(line);
      const auto newline = description.find('\n', line);
      if (newline == std::string_view::npos) break;
      line = newline + 1;
    }
  }
  return {};
}

}  // namespace

std::size_t ScanImageReader::Impl::read_at(void* dst, std::size_t n, std::uint64_t offset) const {
  std::size_t done = 0;
  if (const int err = detail::pread_fully(fd.get(), dst, n, offset, done); err != 0) {
    fail(ErrorKind::kIo, ScreenReason::kUnreadable,
         fmt::format("cannot read {} bytes at byte {}: {}", n, offset, std::strerror(err)));
  }
  return done;
}

void ScanImageReader::Impl::pread_all(void* dst, std::size_t n, std::uint64_t offset,
                                      std::string_view what) const {
  if (read_at(dst, n, offset) != n) {
    fail(ErrorKind::kCorrupt, ScreenReason::kTruncated,
         fmt::format("truncated: {} at byte {} lies past the end of the file ({} bytes)", what,
                     offset, info.file_size));
  }
}

void ScanImageReader::Impl::open_file() {
  try {
    fd = detail::open_regular_file(info.path);
  } catch (const Error& e) {
    // open_regular_file's message is "<file>: <cause>"; keep the cause.
    const std::string what = e.what();
    const std::string prefix = detail::printable(info.path.native()) + ": ";
    fail(e.kind(), ScreenReason::kUnreadable,
         what.starts_with(prefix) ? what.substr(prefix.size()) : what);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    fail(ErrorKind::kIo, ScreenReason::kUnreadable,
         fmt::format("cannot stat: {}", std::strerror(errno)));
  }
  info.file_size = std::uint64_t(st.st_size);
}

void ScanImageReader::Impl::read_static_block() {
  unsigned char head[32] = {};
  if (read_at(head, sizeof head, 0) < sizeof head || le32(head + 16) != kStaticMagic) return;
  info.header_version = int(le32(head + 20) & 0x7fffffff);
  const std::uint64_t size0 = le32(head + 24);
  const std::uint64_t size1 = le32(head + 28);
  reserved = std::min(32 + size0 + size1, info.file_size);
  if (32 + size0 > info.file_size) {
    fail(ErrorKind::kCorrupt, ScreenReason::kTruncated,
         fmt::format("truncated: the static header needs {} bytes but the file has {}", 32 + size0,
                     info.file_size));
  }
  if (size0 > detail::kMaxStaticHeaderBytes) {
    fail(ErrorKind::kUnsupported, ScreenReason::kUnsupported,
         fmt::format("the static header text has {} bytes, more than the {} flamecare reads", size0,
                     detail::kMaxStaticHeaderBytes));
  }
  std::string text(size0, '\0');
  pread_all(text.data(), text.size(), 32, "the static header");
  while (!text.empty() && text.back() == '\0') text.pop_back();
  if (const auto first = text.find_first_not_of(" \t\r\n");
      first < text.size() && text[first] == '{') {
    fail(ErrorKind::kUnsupported, ScreenReason::kUnsupported,
         "ScanImage JSON header (useJsonHeaderFormat) is not supported");
  }
  info.metadata = parse_si_text(text);
  info.flavor = fmt::format("ScanImage 2016+ BigTIFF (static header v{})", info.header_version);
}

void ScanImageReader::Impl::read_metadata(TIFF* tif) {
  if (!info.metadata.empty()) return;
  const auto software = tag_text(tif, TIFFTAG_SOFTWARE);
  if (software.rfind("SI.", 0) == 0) {
    info.metadata = parse_si_text(software);
    info.flavor = fmt::format("ScanImage {} (Software tag)", info.big_tiff ? "BigTIFF" : "TIFF");
    return;
  }
  const auto description = tag_text(tif, TIFFTAG_IMAGEDESCRIPTION);
  if (description.rfind("state.", 0) == 0) {
    info.metadata = parse_si_text(description);
    info.flavor = "ScanImage 3.x (ImageDescription)";
    return;
  }
  if (const auto part = header_part(description); !part.empty()) {
    info.metadata = parse_si_text(part);
    info.flavor = "ScanImage 4/5 (ImageDescription)";
  }
}

void ScanImageReader::Impl::check_page(TIFF* tif, std::size_t page, std::uint16_t bits,
                                       std::uint16_t format) {
  std::uint32_t w = 0, h = 0;
  std::uint16_t b = 1, f = SAMPLEFORMAT_UINT, spp = 1, comp = COMPRESSION_NONE;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &b);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &f);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
  const auto unsupported = [&](const std::string& what) {
    fail(ErrorKind::kUnsupported, ScreenReason::kUnsupported, what);
  };
  if (comp != COMPRESSION_NONE)
    unsupported(fmt::format("page {} is compressed (compression {})", page, comp));
  if (spp != 1) unsupported(fmt::format("page {} has {} samples per pixel", page, spp));
  if (TIFFIsTiled(tif)) unsupported(fmt::format("page {} is tiled", page));
  if (page == 0) {
    const auto type = raw_pixel_type(b, f);
    if (!type) unsupported(fmt::format("unsupported pixel type ({} bits, sample format {})", b, f));
    info.pixel_type = *type;
    if (w == 0 || h == 0) {
      fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt, fmt::format("page 0 is {}x{}", w, h));
    }
    // (2^32 - 1)^2 fits in 64 bits; times the pixel size may not. add_strips compares the page
    // with the file (a page larger than the whole file is impossible).
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(std::uint64_t(w) * h, pixel_size(*type), &bytes)) {
      fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
           fmt::format("page 0 declares {}x{} {} pixels, more bytes than any file has", w, h,
                       pixel_type_name(*type)));
    }
    declared_width = w;
    declared_height = h;
    page_bytes = std::size_t(bytes);
  } else if (w != declared_width || h != declared_height || b != bits || f != format) {
    fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
         fmt::format("page {} is {}x{} ({} bits, format {}) but page 0 is {}x{} ({} bits, format "
                     "{})",
                     page, w, h, b, f, info.width, info.height, bits, format));
  }
}

std::pair<std::span<const std::uint64_t>, std::span<const std::uint64_t>>
ScanImageReader::Impl::libtiff_strips(TIFF* tif, std::size_t page) const {
  const auto n = TIFFNumberOfStrips(tif);
  std::uint64_t* offsets = nullptr;
  std::uint64_t* counts = nullptr;
  if (TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets) != 1 ||
      TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &counts) != 1 || !offsets || !counts) {
    fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
         fmt::format("page {} has no strip offsets/byte counts", page));
  }
  return {std::span<const std::uint64_t>(offsets, n), std::span<const std::uint64_t>(counts, n)};
}

void ScanImageReader::Impl::add_strips(std::size_t page, std::span<const std::uint64_t> offsets,
                                       std::span<const std::uint64_t> counts,
                                       std::vector<detail::StripExtent>& extents) {
  const std::size_t n = offsets.size();
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < n && total < page_bytes; ++s) {
    if (offsets[s] > info.file_size || counts[s] > info.file_size - offsets[s]) {
      fail(ErrorKind::kCorrupt, ScreenReason::kTruncated,
           fmt::format("truncated: page {} strip {} ends at byte {} but the file has {} bytes",
                       page, s, offsets[s] + counts[s], info.file_size));
    }
    // Only the bytes a page read uses count; what a strip holds beyond the page is ignored.
    const std::uint64_t used = std::min<std::uint64_t>(counts[s], page_bytes - total);
    strip_offsets.push_back(offsets[s]);
    strip_counts.push_back(used);
    if (used > 0) extents.push_back({offsets[s], offsets[s] + used, page, s});
    total += used;
  }
  const std::string declared =
      fmt::format("{}x{} {}", declared_width, declared_height, pixel_type_name(info.pixel_type));
  if (page_bytes > info.file_size) {  // only now: a short file is `truncated` (above) first
    fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
         fmt::format("page {} declares {} pixels ({} bytes), more than the whole file has ({})",
                     page, declared, page_bytes, info.file_size));
  }
  if (total < page_bytes) {
    fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
         fmt::format("page {} holds {} pixel bytes but {} needs {}", page, total, declared,
                     page_bytes));
  }
  if (declared_width > detail::kMaxSide || declared_height > detail::kMaxSide) {
    fail(ErrorKind::kUnsupported, ScreenReason::kUnsupported,
         fmt::format("page {} is {} pixels, more than {} on a side", page, declared,
                     detail::kMaxSide));
  }
  info.width = int(declared_width);
  info.height = int(declared_height);
}

// Brings libtiff to the IFD of the last page of `ifds` (each page's IFD offset): reads the
// directories from the one after the last it read (pages that repeated it were skipped,
// docs/ROBUSTNESS.md) up to that one.
void ScanImageReader::Impl::libtiff_catch_up(detail::TiffFile& file, std::size_t& libtiff_page,
                                             const std::vector<std::uint64_t>& ifds) {
  while (libtiff_page + 1 < ifds.size()) {
    const std::uint64_t at = ifds[++libtiff_page];
    if (TIFFReadDirectory(file.get()) != 1 || TIFFCurrentDirOffset(file.get()) != at) {
      fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
           fmt::format("cannot read the IFD of page {} at byte {} (file has {} bytes): {}",
                       libtiff_page, at, info.file_size,
                       file.errors().empty() ? "libtiff stopped" : file.errors()));
    }
  }
}

// `table` is page 0's IFD (read_ifd), which libtiff has read.
void ScanImageReader::Impl::walk_pages(detail::TiffFile& file, detail::IfdTable table) {
  TIFF* tif = file.get();
  const detail::ReadAt read = [this](void* d, std::size_t n, std::uint64_t o) {
    return read_at(d, n, o);
  };
  std::uint16_t bits = 0, format = SAMPLEFORMAT_UINT;
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  std::unordered_set<std::uint64_t> seen = {layout.first_ifd};
  std::vector<detail::StripExtent> extents;
  detail::RepeatedIfd repeated(read, layout, info.file_size);
  std::vector<std::uint64_t> offsets;
  std::vector<std::uint64_t> ifds;         // each page's IFD offset
  std::size_t page = 0, libtiff_page = 0;  // libtiff's current directory is libtiff_page's
  first_strip.push_back(0);
  for (;;) {
    ifds.push_back(table.offset);
    if (page > 0 && repeated.repeats(page, table, offsets)) {
      add_strips(page, offsets, repeated.counts(), extents);
    } else {
      libtiff_catch_up(file, libtiff_page, ifds);
      check_page(tif, page, bits, format);
      const auto [libtiff_offsets, counts] = libtiff_strips(tif, page);
      add_strips(page, libtiff_offsets, counts, extents);
      repeated.set_reference(table, libtiff_offsets, counts);
    }
    first_strip.push_back(strip_offsets.size());
    ++page;
    if (table.next == 0) break;
    if (!seen.insert(table.next).second) {
      fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
           fmt::format("IFD loop: the IFD after page {} points back to byte {}, an earlier IFD",
                       page - 1, table.next));
    }
    table = detail::read_ifd(read, info.file_size, layout, table.next, page, info.path);
  }
  if (file.error_count() > 0) {
    fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
         fmt::format("damaged IFD content: {}", file.errors()));
  }
  detail::check_strips_disjoint(extents, std::max(reserved, layout.header_bytes), info.path);
  info.pages = page;
}

ScanImageReader::ScanImageReader(const std::filesystem::path& path)
    : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.info.path = path;
  d.open_file();
  const detail::ReadAt read = [&d](void* dst, std::size_t n, std::uint64_t o) {
    return d.read_at(dst, n, o);
  };
  d.layout = detail::read_tiff_layout(read, d.info.file_size, path);
  d.info.big_tiff = d.layout.big_tiff;
  if (d.layout.big_tiff && d.layout.little_endian) d.read_static_block();
  // Checked before libtiff reads it, so a short file is `truncated` whatever libtiff would say.
  detail::IfdTable first =
      detail::read_ifd(read, d.info.file_size, d.layout, d.layout.first_ifd, 0, path);
  // No memory mapping: a file truncated by someone else while mapped would raise SIGBUS.
  detail::TiffFile tif(d.fd.get(), path, "rcm");
  if (tif.get() == nullptr) {
    d.fail(ErrorKind::kCorrupt, ScreenReason::kCorrupt,
           fmt::format("cannot read the first IFD (file has {} bytes): {}", d.info.file_size,
                       tif.errors()));
  }
  d.read_metadata(tif.get());
  if (d.info.metadata.empty()) {
    d.fail(ErrorKind::kUnsupported, ScreenReason::kNotScanImage,
           "not a ScanImage file (no SI.* metadata)");
  }
  d.walk_pages(tif, std::move(first));
  detail::derive_si_shape(d.info);
}

ScanImageReader::ScanImageReader(ScanImageReader&&) noexcept = default;
ScanImageReader& ScanImageReader::operator=(ScanImageReader&&) noexcept = default;
ScanImageReader::~ScanImageReader() = default;

const ScanImageInfo& ScanImageReader::info() const { return impl_->info; }

std::size_t ScanImageReader::page_bytes() const { return impl_->page_bytes; }

void ScanImageReader::read_page(std::size_t page, std::span<std::byte> out) const {
  const auto& d = *impl_;
  if (page < d.info.pages && out.size() != d.page_bytes) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: page buffer has {} bytes, page needs {}",
                            detail::printable(d.info.path.native()), out.size(), d.page_bytes));
  }
  read_rows(page, 0, d.info.height, out);
}

}  // namespace flamecare
