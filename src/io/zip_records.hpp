#pragma once
// The records of a ZIP archive of stored members as the .npz writer needs them (ZIP application
// note 6.3): local headers, central directory entries, the end of the directory, with the ZIP64
// records when a size, an offset or the member count needs them or they are forced.
#include <cstdint>
#include <string>
#include <string_view>

#include "flamecare/image.hpp"

namespace flamecare::detail {

/// Sizes and offsets at least this large need ZIP64 (the 32-bit fields saturate at 0xffffffff).
constexpr std::uint64_t kZip32Limit = 0xffffffffULL;

/// One member as the records describe it.
struct Member {
  std::string name;
  std::uint64_t size = 0;    ///< header + data bytes
  std::uint64_t offset = 0;  ///< of its local header
  std::uint32_t crc = 0;
  bool zip64 = false;
  std::uint16_t pad = 0;  ///< bytes of the local header's alignment field (0, or at least 6)
};

/// Members of at least this many data bytes start their data at a multiple of kDataAlignment.
constexpr std::uint64_t kAlignFrom = 64 << 10;
/// Alignment of a large member's data in the file: whole pages, so blocks of whole pages written
/// in place never share a page (a shared page is dirtied, and possibly written back, twice).
constexpr std::uint64_t kDataAlignment = 4096;

/// The `pad` of a member whose local header starts at `offset` and is followed by `before_data`
/// bytes (the .npy header) before `data_bytes` bytes of data.
std::uint16_t alignment_pad(const Member& m, std::uint64_t before_data, std::uint64_t data_bytes);

/// The numpy dtype string of a pixel type ("<f4", "|u1", …).
std::string_view npy_descr(PixelType type);
/// The local header (with the alignment field when m.pad is set); its CRC (at byte 14) is written
/// again when the member ends.
std::string local_header(const Member& m);
/// The member's central directory entry.
std::string central_entry(const Member& m);
/// The ZIP64 end record and locator (when `zip64`) and the end of the central directory, for
/// `count` members whose directory of `directory_bytes` starts at `directory` and ends at `end`.
std::string directory_end(std::uint64_t count, std::uint64_t directory_bytes,
                          std::uint64_t directory, std::uint64_t end, bool zip64);

}  // namespace flamecare::detail
