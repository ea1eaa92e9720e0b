// ScanImage TIFF access: static block with plain file I/O, the IFD chain through libtiff (its
// messages captured per file, never printed), pixel strips with pread.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>

#include <fmt/format.h>
#include <tiffio.h>

#include "flamecare/error.hpp"
#include "io/scanimage_detail.hpp"

namespace flamecare {
namespace {

constexpr std::uint32_t kStaticMagic = 117637889;

struct Captured {
  std::string errors;
  int error_count = 0;
};

int capture_error(TIFF*, void* user, const char* module, const char* format, va_list ap) {
  auto* cap = static_cast<Captured*>(user);
  char buf[512];
  std::vsnprintf(buf, sizeof buf, format, ap);
  if (!cap->errors.empty()) cap->errors += "; ";
  cap->errors += module ? fmt::format("{}: {}", module, buf) : std::string(buf);
  ++cap->error_count;
  return 1;  // handled: libtiff must not call its global (printing) handler
}

// libtiff reports a short read of an IFD this way (as opposed to "Sanity check", "Bogus" ... for
// damaged content), so these messages mean the file ends inside the IFD.
bool looks_truncated(const std::string& errors) {
  for (const char* needle : {"Can not read TIFF directory", "Cannot read TIFF directory",
                             "Seek error", "Read error", "end of file"})
    if (errors.find(needle) != std::string::npos) return true;
  return false;
}

int ignore_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffCloser {
  void operator()(TIFF* t) const { TIFFClose(t); }
};

std::uint32_t le32(const unsigned char* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
         std::uint32_t(p[3]) << 24;
}

std::optional<PixelType> pixel_type_from(int bits, int format) {
  if (format == SAMPLEFORMAT_IEEEFP)
    return bits == 32 ? std::optional(PixelType::kFloat32) : std::nullopt;
  const bool sign = format == SAMPLEFORMAT_INT;
  if (format != SAMPLEFORMAT_UINT && !sign) return std::nullopt;
  switch (bits) {
    case 8:
      return sign ? PixelType::kInt8 : PixelType::kUint8;
    case 16:
      return sign ? PixelType::kInt16 : PixelType::kUint16;
    case 32:
      return sign ? PixelType::kInt32 : PixelType::kUint32;
    default:
      return std::nullopt;
  }
}

std::string tag_text(TIFF* tif, ttag_t tag) {
  const char* text = nullptr;
  if (TIFFGetField(tif, tag, &text) != 1 || text == nullptr) return {};
  return text;
}

// The SI header text after dropping the frame-varying lines of SI 4/5 descriptions.
std::string_view header_part(std::string_view description) {
  for (std::string_view start : {"scanimage.SI", "SI."}) {
    if (description.substr(0, start.size()) == start) return description;
    const auto at = description.find("\n" + std::string(start));
    if (at != std::string_view::npos) return description.substr(at + 1);
  }
  return {};
}

}  // namespace

struct ScanImageReader::Impl {
  ScanImageInfo info;
  int fd = -1;
  bool swap = false;
  std::size_t page_bytes = 0;
  std::vector<std::uint64_t> strip_offsets;
  std::vector<std::uint64_t> strip_counts;
  std::vector<std::size_t> first_strip;  // pages + 1 entries

  ~Impl() {
    if (fd >= 0) ::close(fd);
  }
  std::string name() const { return info.path.string(); }
  void pread_all(void* dst, std::size_t n, std::uint64_t offset, std::string_view what) const;
  void open_file();
  void read_static_block(const unsigned char* head);
  void read_metadata(TIFF* tif);
  void check_page(TIFF* tif, std::size_t page, int bits, int format);
  void walk_pages(TIFF* tif, Captured& cap);
};

void ScanImageReader::Impl::pread_all(void* dst, std::size_t n, std::uint64_t offset,
                                      std::string_view what) const {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const auto got = ::pread(fd, p, n, off_t(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      throw Error(ErrorKind::kIo, fmt::format("{}: cannot read {} at byte {}: {}", name(), what,
                                              offset, std::strerror(errno)));
    if (got == 0)
      throw Error(ErrorKind::kCorrupt,
                  fmt::format("{}: truncated: {} at byte {} lies past the end of the file ({} "
                              "bytes)",
                              name(), what, offset, info.file_size));
    p += got;
    n -= std::size_t(got);
    offset += std::uint64_t(got);
  }
}

void ScanImageReader::Impl::open_file() {
  std::error_code ec;
  const auto status = std::filesystem::status(info.path, ec);
  if (status.type() == std::filesystem::file_type::not_found)
    throw Error(ErrorKind::kNotFound, fmt::format("{}: no such file", name()));
  if (std::filesystem::is_directory(status))
    throw Error(ErrorKind::kIo, fmt::format("{}: is a directory, not a file", name()));
  fd = ::open(info.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot open: {}", name(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot stat: {}", name(), std::strerror(errno)));
  info.file_size = std::uint64_t(st.st_size);
  if (info.file_size == 0)
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: empty file (0 bytes)", name()));
}

void ScanImageReader::Impl::read_static_block(const unsigned char* head) {
  if (le32(head + 16) != kStaticMagic) return;
  info.header_version = int(le32(head + 20));
  const std::uint64_t size0 = le32(head + 24);
  if (32 + size0 > info.file_size)
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: truncated: the static header needs {} bytes but the file has {}",
                            name(), 32 + size0, info.file_size));
  std::string text(size0, '\0');
  pread_all(text.data(), text.size(), 32, "the static header");
  while (!text.empty() && text.back() == '\0') text.pop_back();
  if (const auto first = text.find_first_not_of(" \t\r\n");
      first < text.size() && text[first] == '{')
    throw Error(
        ErrorKind::kUnsupported,
        fmt::format("{}: ScanImage JSON header (useJsonHeaderFormat) is not supported", name()));
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

void ScanImageReader::Impl::check_page(TIFF* tif, std::size_t page, int bits, int format) {
  std::uint32_t w = 0, h = 0;
  std::uint16_t b = 1, f = SAMPLEFORMAT_UINT, spp = 1, comp = COMPRESSION_NONE;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &b);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &f);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  if (comp != COMPRESSION_NONE)
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: page {} is compressed (compression {})", name(), page, comp));
  if (spp != 1)
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: page {} has {} samples per pixel", name(), page, spp));
  if (page == 0) {
    const auto type = pixel_type_from(b, f);
    if (!type)
      throw Error(
          ErrorKind::kUnsupported,
          fmt::format("{}: unsupported pixel type ({} bits, sample format {})", name(), b, f));
    info.pixel_type = *type;
    info.width = int(w);
    info.height = int(h);
    if (w == 0 || h == 0)
      throw Error(ErrorKind::kCorrupt, fmt::format("{}: page 0 is {}x{}", name(), w, h));
    page_bytes = std::size_t(w) * h * pixel_size(*type);
  } else if (int(w) != info.width || int(h) != info.height || b != bits || f != format) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: page {} is {}x{} ({} bits, format {}) but page 0 is {}x{} ({} "
                            "bits, format {})",
                            name(), page, w, h, b, f, info.width, info.height, bits, format));
  }
}

void ScanImageReader::Impl::walk_pages(TIFF* tif, Captured& cap) {
  std::uint16_t bits = 0, format = SAMPLEFORMAT_UINT;
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  std::size_t page = 0;
  first_strip.push_back(0);
  do {
    check_page(tif, page, bits, format);
    const auto n = TIFFNumberOfStrips(tif);
    std::uint64_t* offsets = nullptr;
    std::uint64_t* counts = nullptr;
    if (TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets) != 1 ||
        TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &counts) != 1 || !offsets || !counts)
      throw Error(ErrorKind::kCorrupt,
                  fmt::format("{}: page {} has no strip offsets/byte counts", name(), page));
    std::uint64_t total = 0;
    for (std::uint32_t s = 0; s < n; ++s) {
      if (offsets[s] + counts[s] > info.file_size || offsets[s] + counts[s] < offsets[s])
        throw Error(ErrorKind::kCorrupt,
                    fmt::format("{}: truncated: page {} strip {} ends at byte {} but the file "
                                "has {} bytes",
                                name(), page, s, offsets[s] + counts[s], info.file_size));
      strip_offsets.push_back(offsets[s]);
      strip_counts.push_back(counts[s]);
      total += counts[s];
    }
    if (total < page_bytes)
      throw Error(
          ErrorKind::kCorrupt,
          fmt::format("{}: page {} holds {} pixel bytes but {}x{} {} needs {}", name(), page, total,
                      info.width, info.height, pixel_type_name(info.pixel_type), page_bytes));
    first_strip.push_back(strip_offsets.size());
    ++page;
  } while (TIFFReadDirectory(tif) == 1);
  if (cap.error_count > 0) {
    // libtiff stops at an IFD it cannot read; past the end of the file means truncation.
    const bool cut = looks_truncated(cap.errors);
    throw Error(
        ErrorKind::kCorrupt,
        fmt::format("{}: {}cannot read the IFD after page {} (file has {} bytes): {}", name(),
                    cut ? "truncated: " : "", page - 1, info.file_size, cap.errors));
  }
  info.pages = page;
}

ScanImageReader::ScanImageReader(const std::filesystem::path& path)
    : impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.info.path = path;
  d.open_file();
  unsigned char head[32] = {};
  const auto n = ::pread(d.fd, head, sizeof head, 0);
  if (n < 0)
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot read the TIFF header: {}", d.name(), std::strerror(errno)));
  const std::string_view magic(reinterpret_cast<const char*>(head), 4);
  const bool classic =
      magic == std::string_view("II*\0", 4) || magic == std::string_view("MM\0*", 4);
  d.info.big_tiff = magic == std::string_view("II+\0", 4) || magic == std::string_view("MM\0+", 4);
  if (n < 8 || (!classic && !d.info.big_tiff))
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: not a TIFF file (no TIFF magic in the first {} bytes)", d.name(),
                            n < 0 ? 0 : n));
  if (d.info.big_tiff && head[0] == 'I' && n >= 32) d.read_static_block(head);

  Captured cap;
  std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> opts(TIFFOpenOptionsAlloc(),
                                                                    TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), capture_error, &cap);
  TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), ignore_warning, nullptr);
  std::unique_ptr<TIFF, TiffCloser> tif(TIFFOpenExt(path.c_str(), "rc", opts.get()));
  if (!tif) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: {}cannot read the first IFD (file has {} bytes): {}", d.name(),
                            looks_truncated(cap.errors) ? "truncated: " : "", d.info.file_size,
                            cap.errors));
  }
  d.swap = TIFFIsByteSwapped(tif.get()) != 0;
  d.read_metadata(tif.get());
  if (d.info.metadata.empty())
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: not a ScanImage file (no SI.* metadata)", d.name()));
  d.walk_pages(tif.get(), cap);
  detail::derive_si_shape(d.info);
}

ScanImageReader::ScanImageReader(ScanImageReader&&) noexcept = default;
ScanImageReader& ScanImageReader::operator=(ScanImageReader&&) noexcept = default;
ScanImageReader::~ScanImageReader() = default;

const ScanImageInfo& ScanImageReader::info() const { return impl_->info; }

void ScanImageReader::read_page(std::size_t page, std::span<std::byte> out) const {
  const auto& d = *impl_;
  if (page >= d.info.pages)
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("{}: page {} out of range (file has {} pages)", d.name(), page, d.info.pages));
  if (out.size() != d.page_bytes)
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: page buffer has {} bytes, page needs {}", d.name(), out.size(),
                            d.page_bytes));
  std::size_t done = 0;
  for (auto s = d.first_strip[page]; s < d.first_strip[page + 1] && done < out.size(); ++s) {
    const auto n = std::min<std::uint64_t>(d.strip_counts[s], out.size() - done);
    d.pread_all(out.data() + done, std::size_t(n), d.strip_offsets[s],
                fmt::format("page {} strip", page));
    done += std::size_t(n);
  }
  if (!d.swap) return;
  const auto size = pixel_size(d.info.pixel_type);
  if (size == 2) TIFFSwabArrayOfShort(reinterpret_cast<std::uint16_t*>(out.data()), out.size() / 2);
  if (size == 4) TIFFSwabArrayOfLong(reinterpret_cast<std::uint32_t*>(out.data()), out.size() / 4);
}

}  // namespace flamecare
