// The TIFF structure checks of the raw reader, made without libtiff: the header, each IFD and the
// tag data it points to, and the pixel strips. They decide `truncated` versus `corrupt` from
// offsets and sizes (never from libtiff's message text), and bound every size by the file's own
// before anything is allocated.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "io/scanimage_detail.hpp"

namespace flamecare::detail {
namespace {

constexpr std::uint64_t kMaxIfdEntries = 4096;

[[noreturn]] void fail(ScreenReason reason, const std::filesystem::path& file,
                       const std::string& detail) {
  const ErrorKind kind = reason == ScreenReason::kUnreadable ? ErrorKind::kIo : ErrorKind::kCorrupt;
  throw RawFileError(kind, reason, file, detail);
}

}  // namespace

std::uint64_t decode_uint(const unsigned char* p, std::size_t n, bool little_endian) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = little_endian ? n - 1 - i : i;
    v = (v << 8) | p[k];
  }
  return v;
}

std::uint64_t tiff_type_size(std::uint64_t type) {
  static constexpr std::array<std::uint8_t, 19> kSizes = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4,
                                                          8, 4, 8, 4, 0, 0, 8, 8, 8};
  return type < kSizes.size() ? kSizes[type] : 0;
}

TiffLayout read_tiff_layout(const ReadAt& read, std::uint64_t file_size,
                            const std::filesystem::path& file) {
  if (file_size == 0) fail(ScreenReason::kEmpty, file, "empty file (0 bytes)");
  unsigned char head[16] = {};
  const std::size_t n = read(head, sizeof head, 0);
  const std::string_view magic(reinterpret_cast<const char*>(head), std::min<std::size_t>(n, 4));
  TiffLayout layout;
  layout.little_endian = head[0] == 'I';
  const bool classic =
      magic == std::string_view("II*\0", 4) || magic == std::string_view("MM\0*", 4);
  layout.big_tiff = magic == std::string_view("II+\0", 4) || magic == std::string_view("MM\0+", 4);
  if (!classic && !layout.big_tiff) {
    fail(ScreenReason::kNotTiff, file,
         fmt::format("not a TIFF file (no TIFF magic in the first {} bytes)", n));
  }
  layout.header_bytes = layout.big_tiff ? 16 : 8;
  if (n < layout.header_bytes) {
    fail(ScreenReason::kTruncated, file,
         fmt::format("truncated: the {} header needs {} bytes but the file has {}",
                     layout.big_tiff ? "BigTIFF" : "TIFF", layout.header_bytes, n));
  }
  layout.first_ifd = layout.big_tiff ? decode_uint(head + 8, 8, layout.little_endian)
                                     : decode_uint(head + 4, 4, layout.little_endian);
  return layout;
}

IfdTable read_ifd(const ReadAt& read, std::uint64_t file_size, const TiffLayout& layout,
                  std::uint64_t offset, std::size_t page, const std::filesystem::path& file) {
  const std::uint64_t count_bytes = layout.big_tiff ? 8 : 2;
  const std::uint64_t entry_bytes = layout.big_tiff ? 20 : 12;
  const std::uint64_t value_bytes = layout.big_tiff ? 8 : 4;
  const auto past_end = [&](const std::string& what, std::uint64_t end) {
    fail(ScreenReason::kTruncated, file,
         fmt::format("truncated: {} of page {} ends at byte {} but the file has {} bytes", what,
                     page, end, file_size));
  };
  if (offset > file_size || file_size - offset < count_bytes) {
    past_end(fmt::format("the IFD at byte {}", offset), offset + count_bytes);
  }
  unsigned char buffer[8] = {};
  read(buffer, count_bytes, offset);
  const std::uint64_t entries = decode_uint(buffer, count_bytes, layout.little_endian);
  // libtiff refuses more than 4096 entries as "probably not a valid IFD offset"; so do we, before
  // comparing with the file size, so such an IFD is `corrupt` whatever the file's length.
  if (entries == 0 || entries > kMaxIfdEntries) {
    fail(ScreenReason::kCorrupt, file,
         fmt::format("the IFD of page {} at byte {} declares {} entries (a valid IFD has 1..{})",
                     page, offset, entries, kMaxIfdEntries));
  }
  const std::uint64_t end = offset + count_bytes + entries * entry_bytes + value_bytes;
  if (end > file_size) past_end(fmt::format("the IFD at byte {}", offset), end);
  std::vector<unsigned char> table(entries * entry_bytes + value_bytes);
  if (read(table.data(), table.size(), offset + count_bytes) != table.size()) {
    past_end(fmt::format("the IFD at byte {}", offset), end);
  }
  for (std::uint64_t i = 0; i < entries; ++i) {
    const unsigned char* e = table.data() + i * entry_bytes;
    const std::uint64_t tag = decode_uint(e, 2, layout.little_endian);
    const std::uint64_t size = tiff_type_size(decode_uint(e + 2, 2, layout.little_endian));
    const std::uint64_t count = decode_uint(e + 4, layout.big_tiff ? 8 : 4, layout.little_endian);
    if (size == 0 || count <= value_bytes / size) continue;  // unknown type, or stored inline
    const std::uint64_t at =
        decode_uint(e + (layout.big_tiff ? 12 : 8), value_bytes, layout.little_endian);
    if (count > file_size / size || at > file_size || file_size - at < count * size) {
      past_end(fmt::format("tag {} ({} values at byte {})", tag, count, at),
               count > file_size / size ? UINT64_MAX : at + count * size);
    }
  }
  const std::uint64_t next =
      decode_uint(table.data() + entries * entry_bytes, value_bytes, layout.little_endian);
  return IfdTable{offset, next, std::size_t(entries), std::move(table)};
}

void check_strips_disjoint(std::vector<StripExtent>& extents, std::uint64_t reserved,
                           const std::filesystem::path& file) {
  std::sort(extents.begin(), extents.end(),
            [](const StripExtent& a, const StripExtent& b) { return a.begin < b.begin; });
  for (std::size_t i = 0; i < extents.size(); ++i) {
    const StripExtent& s = extents[i];
    if (s.begin < reserved) {
      fail(ScreenReason::kCorrupt, file,
           fmt::format("page {} strip {} (bytes {}..{}) overlaps the file header (bytes 0..{})",
                       s.page, s.strip, s.begin, s.end, reserved));
    }
    if (i > 0 && s.begin < extents[i - 1].end) {
      const StripExtent& p = extents[i - 1];
      fail(ScreenReason::kCorrupt, file,
           fmt::format("page {} strip {} (bytes {}..{}) overlaps page {} strip {} (bytes {}..{}): "
                       "the pixel data declared is more than the file holds",
                       s.page, s.strip, s.begin, s.end, p.page, p.strip, p.begin, p.end));
    }
  }
}

}  // namespace flamecare::detail
