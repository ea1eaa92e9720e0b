#pragma once
// ScanImage writes every page's IFD alike: the same tags with the same types and values, except
// the frame's own description text and where the page's pixels lie. libtiff's reading of an IFD
// (a dozen reads, allocations and tag lookups: ~12 µs) was most of the cost of opening a stack of
// thousands of pages, so a page whose IFD repeats the last one libtiff read, in every entry
// libtiff would interpret, takes that page's reading and only its strip offsets are decoded here.
// Any other page is read by libtiff as before (docs/ROBUSTNESS.md, "Raw TIFF files").
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "io/scanimage_detail.hpp"

namespace flamecare::detail {

/// Compares IFDs with a reference IFD that libtiff read.
class RepeatedIfd {
 public:
  /// `read` reads the file described by `layout`, `file_size` bytes long.
  RepeatedIfd(const ReadAt& read, const TiffLayout& layout, std::uint64_t file_size);

  /// Makes `table` the reference: libtiff read it and gave the page these strips (its
  /// StripOffsets and StripByteCounts, one per strip). Pages repeat it only if libtiff took the
  /// strips as written (no byte counts of its own estimation). Throws RawFileError(kIo) when a
  /// read fails.
  void set_reference(const IfdTable& table, std::span<const std::uint64_t> offsets,
                     std::span<const std::uint64_t> counts);

  /// True when `table`, the IFD of page `page`, repeats the reference: the same entries in the
  /// same order, every one byte for byte, or pointing to the same bytes, except the text of the
  /// ASCII tags ScanImage varies (ImageDescription and the like, up to 1 MiB) and the strip
  /// offsets. Then `offsets` holds the page's strip offsets (its byte counts are counts()), each
  /// strip inside the file. Pages from 2^20 on never repeat (libtiff refuses them). Throws
  /// RawFileError(kIo) when a read fails.
  bool repeats(std::size_t page, const IfdTable& table, std::vector<std::uint64_t>& offsets);

  /// How many pages repeat() has found repeating in this process (for tests).
  static std::uint64_t pages_repeated();

  /// The strips' byte counts of a page that repeats the reference.
  std::span<const std::uint64_t> counts() const { return counts_; }

 private:
  bool usable_ = false;
  ReadAt read_;
  TiffLayout layout_;
  std::uint64_t file_size_ = 0;
  IfdTable reference_;
  std::vector<std::uint64_t> counts_;
  // The bytes an out-of-line entry of the reference points to, read when first compared.
  std::vector<std::vector<unsigned char>> pointed_;
  std::vector<std::uint64_t> scratch_;
  std::vector<unsigned char> array_;  // an out-of-line strip array as read

  // Bytes of an IFD entry, and of its count and value fields: 12/4 in TIFF, 20/8 in BigTIFF.
  std::size_t entry_bytes() const { return layout_.big_tiff ? 20 : 12; }
  std::size_t field_bytes() const { return layout_.big_tiff ? 8 : 4; }
  bool same_pointed_bytes(std::size_t entry, const unsigned char* e);
  bool strip_values(const unsigned char* e, std::vector<std::uint64_t>& values);
};

}  // namespace flamecare::detail
