#pragma once
// The state of an open ScanImageReader, shared by the files that implement it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tiffio.h>

#include "flamecare/scanimage.hpp"
#include "flamecare/screen.hpp"
#include "io/mapped_file.hpp"
#include "io/regular_file.hpp"
#include "io/scanimage_detail.hpp"
#include "io/tiff_file.hpp"

namespace flamecare {

struct ScanImageReader::Impl {
  ScanImageInfo info;
  detail::UniqueFd fd;
  detail::TiffLayout layout;
  std::uint64_t reserved = 0;  // header (and static header) bytes no strip may use
  std::size_t page_bytes = 0;
  std::uint32_t declared_width = 0;  // page 0's, checked in add_strips before becoming info's
  std::uint32_t declared_height = 0;
  std::vector<std::uint64_t> strip_offsets;
  std::vector<std::uint64_t> strip_counts;
  std::vector<std::size_t> first_strip;  // pages + 1 entries
  // with_rows: the map (made on first use), bytes touched since its pages were last dropped,
  // and the pointers handed to the caller.
  mutable detail::MappedFile map;
  mutable bool map_tried = false;
  mutable std::uint64_t mapped_since_release = 0;
  mutable std::vector<const std::byte*> rows_of_pages;

  [[noreturn]] void fail(ErrorKind kind, ScreenReason reason, const std::string& detail) const {
    throw RawFileError(kind, reason, info.path, detail);
  }
  std::size_t read_at(void* dst, std::size_t n, std::uint64_t offset) const;
  void pread_all(void* dst, std::size_t n, std::uint64_t offset, std::string_view what) const;
  void open_file();
  void read_static_block();
  void read_metadata(TIFF* tif);
  void check_page(TIFF* tif, std::size_t page, std::uint16_t bits, std::uint16_t format);
  // The strip offsets and byte counts of libtiff's current directory (page `page`).
  std::pair<std::span<const std::uint64_t>, std::span<const std::uint64_t>> libtiff_strips(
      TIFF* tif, std::size_t page) const;
  void add_strips(std::size_t page, std::span<const std::uint64_t> offsets,
                  std::span<const std::uint64_t> counts, std::vector<detail::StripExtent>& extents);
  void libtiff_catch_up(detail::TiffFile& file, std::size_t& libtiff_page,
                        const std::vector<std::uint64_t>& ifds);
  void walk_pages(detail::TiffFile& tif, detail::IfdTable table);
  void check_rows(std::size_t page, int first_row, int rows) const;
  [[noreturn]] void fail_in_place(std::size_t page, int first_row, int rows) const;
  // Where rows [first_row, first_row + rows) of `page` start in the file when one strip holds
  // them all, else nullopt.
  std::optional<std::uint64_t> contiguous_rows(std::size_t page, int first_row, int rows) const;
};

}  // namespace flamecare
