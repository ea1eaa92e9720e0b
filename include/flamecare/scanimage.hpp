#pragma once
/// Reading ScanImage TIFF stacks (SCANIMAGE.md): metadata, shape and single pages.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "flamecare/image.hpp"

namespace flamecare {

/// What a raw ScanImage file is. Axes are F,C,Y,X per slice; pages are ordered
/// page = (z·F + f)·C + c (channel fastest).
struct ScanImageInfo {
  std::filesystem::path path;
  bool big_tiff = false;
  std::string flavor;      ///< e.g. "ScanImage 2016+ BigTIFF (static header v3)", "ScanImage 3.x"
  int header_version = 0;  ///< static block version (3 or 4); 0 when the file has none
  std::string scanimage_version;    ///< "2016", "2022.1", "3.8", ... ("" when unknown)
  int channels = 0;                 ///< C (saved channels)
  int frames = 0;                   ///< F (logged frames per slice)
  int slices = 1;                   ///< Z
  int height = 0;                   ///< Y
  int width = 0;                    ///< X
  std::vector<int> saved_channels;  ///< channel ids from channelSave, in page order
  PixelType pixel_type = PixelType::kInt16;
  std::size_t pages = 0;  ///< IFDs in the file
  std::uint64_t file_size = 0;
  std::map<std::string, std::string> metadata;  ///< SI.* / state.* key → raw value text
};

/// Parses ScanImage `KEY = VALUE` text (lines split by \n or \r; SI 3.x `KEY=VALUE`) into a map of
/// raw value strings, following tifffile's matlabstr2py key rules. Linear in the text size.
std::map<std::string, std::string> parse_si_text(std::string_view text);

/// A MATLAB scalar: numbers, Inf/-Inf/NaN, true/false. nullopt when the text is not a scalar.
std::optional<double> parse_matlab_scalar(std::string_view raw);
/// A MATLAB numeric vector or matrix ("[1 2;3 4]" → {1,2,3,4}); a scalar gives one element.
/// nullopt when any element is not numeric.
std::optional<std::vector<double>> parse_matlab_numbers(std::string_view raw);

/// An open ScanImage stack. Construction reads only the headers and the IFD chain; pixel pages
/// are read on demand. Thread-compatible: use one reader per thread.
class ScanImageReader {
 public:
  /// Opens and validates `path`: only a regular file is opened (a FIFO, device or directory is
  /// refused, never read); the header, every IFD and its tag data are checked against the file
  /// size; header numbers are range-checked; pixel strips must lie inside the file without
  /// overlapping each other or the header, so a page never needs more bytes than the file holds.
  /// Throws RawFileError (flamecare/screen.hpp: an Error carrying the ScreenReason): kNotFound or
  /// kIo (unreadable), kCorrupt (empty, not a TIFF, truncated, corrupt), kUnsupported (not
  /// ScanImage, compressed, several samples per pixel, pixel type).
  explicit ScanImageReader(const std::filesystem::path& path);
  ScanImageReader(ScanImageReader&&) noexcept;
  ScanImageReader& operator=(ScanImageReader&&) noexcept;
  ~ScanImageReader();

  const ScanImageInfo& info() const;
  /// Bytes of one page: height · width · pixel size (at most the file size).
  std::size_t page_bytes() const;
  /// Reads page `page` (height × width pixels of info().pixel_type, native byte order) into `out`
  /// (exactly height·width·pixel_size bytes). Throws Error(kInvalidArgument) for a page out of
  /// range, RawFileError(kCorrupt/kIo) when the bytes cannot be read (the file shrank).
  void read_page(std::size_t page, std::span<std::byte> out) const;
  /// Reads rows [first_row, first_row + rows) of page `page` into `out` (exactly
  /// rows·width·pixel_size bytes, native byte order): the part of a page a blocked loop needs,
  /// read with pread() from the strips' validated offsets (a file that shrinks meanwhile is an
  /// error). Throws Error(kInvalidArgument) for a page or
  /// rows out of range or a buffer of the wrong size, RawFileError(kCorrupt/kIo) when the bytes
  /// cannot be read (the file shrank).
  void read_rows(std::size_t page, int first_row, int rows, std::span<std::byte> out) const;
  /// Calls use(rows_of_pages) once with rows [first_row, first_row + rows) of every page of
  /// `pages`: one pointer per page to rows·width pixels of info().pixel_type in native byte order.
  /// Where those rows lie in one strip of a little-endian file they are read in place through a
  /// read-only memory map of the file (no copy); the others are read into `buffer` (resized as
  /// needed) as read_rows does. The map's pages are dropped from the process every few tens of
  /// MiB, so resident memory stays bounded. A file that shrinks meanwhile ends the call with
  /// RawFileError(kCorrupt, truncated) instead of SIGBUS (a storage failure under the map with
  /// RawFileError(kIo, unreadable)): `use` is then left by a jump, so it must not allocate, lock
  /// or own anything with a destructor. Throws as read_rows, and what `use` throws.
  template <class Use>
  void with_rows(std::span<const std::size_t> pages, int first_row, int rows,
                 std::vector<std::byte>& buffer, Use&& use) const {
    using Fn = std::remove_reference_t<Use>;
    with_rows_impl(
        pages, first_row, rows, buffer,
        [](void* f, std::span<const std::byte* const> p) { (*static_cast<Fn*>(f))(p); },
        const_cast<void*>(static_cast<const void*>(&use)));
  }

 private:
  using RowsUse = void (*)(void*, std::span<const std::byte* const>);
  void with_rows_impl(std::span<const std::size_t> pages, int first_row, int rows,
                      std::vector<std::byte>& buffer, RowsUse use, void* context) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flamecare
