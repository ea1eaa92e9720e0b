#pragma once
// Private helpers shared by the ScanImage reader and its tests.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "flamecare/scanimage.hpp"
#include "flamecare/screen.hpp"

namespace flamecare::detail {

/// Header numbers outside these ranges make a raw file unusable (reason `corrupt`): real FLAME
/// files have 1–4 channels, one slice and tens to thousands of frames, so the bounds are far
/// from real data but keep every product of them (pages, bytes) well inside 64 bits.
inline constexpr int kMaxChannels = 64;           ///< saved channels, and the largest channel id
inline constexpr int kMaxSlices = 1'000'000;      ///< z slices
inline constexpr int kMaxFrames = 1'000'000'000;  ///< frames per slice
/// Pages wider or taller than this are `unsupported` (ScanImage frames are at most a few
/// thousand pixels); it keeps height·width·channels inside int arithmetic of Image<T>.
inline constexpr std::uint32_t kMaxSide = 1u << 16;
/// The ScanImage 2016+ static header text is read whole; real ones are 10–100 KB.
inline constexpr std::uint64_t kMaxStaticHeaderBytes = 16u << 20;

/// Raw value of `key` given without its prefix ("hChannels.channelSave"): looks up "SI.<key>",
/// then "scanimage.SI.<key>" and "scanimage.SI5.<key>" (SI 5). nullptr when absent.
const std::string* find_si_value(const ScanImageInfo& info, std::string_view key);

/// Fills channels, saved_channels, frames, slices and scanimage_version from info.metadata and
/// info.pages (docs/SCANIMAGE.md). Throws RawFileError naming info.path: kUnsupported when the
/// channel count cannot be determined, kCorrupt for a count or channel id outside the ranges
/// above.
void derive_si_shape(ScanImageInfo& info);

/// Reads up to `n` bytes at `offset` into `dst`; returns how many were read (fewer only at the
/// end of the file). Throws RawFileError(kIo, kUnreadable) on an operating-system error.
using ReadAt = std::function<std::size_t(void* dst, std::size_t n, std::uint64_t offset)>;

/// The fixed part of a TIFF/BigTIFF header.
struct TiffLayout {
  bool big_tiff = false;
  bool little_endian = true;
  std::uint64_t first_ifd = 0;
  std::uint64_t header_bytes = 8;  ///< 8 (classic) or 16 (BigTIFF)
};

/// Reads the TIFF header. Throws RawFileError: kEmpty (0 bytes), kNotTiff (no TIFF magic),
/// kTruncated (a TIFF magic but fewer bytes than its header needs).
TiffLayout read_tiff_layout(const ReadAt& read, std::uint64_t file_size,
                            const std::filesystem::path& file);

/// One IFD as it lies in the file: its entries' raw bytes (12 each in TIFF, 20 in BigTIFF).
struct IfdTable {
  std::uint64_t offset = 0;  ///< where the IFD starts
  std::uint64_t next = 0;    ///< offset of the next IFD, 0 for the last
  std::size_t entries = 0;
  std::vector<unsigned char> bytes;  ///< the entries, then the next IFD's offset
};

/// Reads the IFD of page `page` at `offset` and checks that it, and the tag data it points to,
/// lie inside the file. Throws RawFileError: kTruncated naming what passes the end of the file,
/// kCorrupt for an entry count libtiff refuses (0 or more than 4096).
IfdTable read_ifd(const ReadAt& read, std::uint64_t file_size, const TiffLayout& layout,
                  std::uint64_t offset, std::size_t page, const std::filesystem::path& file);

/// The unsigned integer of `n` bytes (≤ 8) at `p` in the file's byte order.
std::uint64_t decode_uint(const unsigned char* p, std::size_t n, bool little_endian);

/// Bytes per value of a TIFF field type; 0 for types libtiff ignores.
std::uint64_t tiff_type_size(std::uint64_t type);

/// The bytes [begin, end) of one pixel strip that a page read uses.
struct StripExtent {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::size_t page = 0;
  std::size_t strip = 0;
};

/// Pixel bytes must be distinct file bytes: throws RawFileError(kCorrupt) naming both strips when
/// two extents overlap, or one overlaps the file header / static header [0, reserved). Sorts
/// `extents`.
void check_strips_disjoint(std::vector<StripExtent>& extents, std::uint64_t reserved,
                           const std::filesystem::path& file);

}  // namespace flamecare::detail
