// Reading rows of pixel pages: with pread() into a buffer (read_rows), or in place through a
// read-only memory map of the raw file (with_rows), which saves the copy out of the page cache
// that is most of what reading a warm file costs.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "io/scanimage_reader_impl.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

// Map pages touched since they were last dropped, beyond which with_rows drops them: the
// resident memory of a scan stays this plus one call's rows.
constexpr std::uint64_t kReleaseBytes = std::uint64_t(32) << 20;

}  // namespace

void ScanImageReader::Impl::check_rows(std::size_t page, int first_row, int rows) const {
  if (page >= info.pages) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: page {} out of range (file has {} pages)",
                            detail::printable(info.path.native()), page, info.pages));
  }
  if (first_row < 0 || rows < 0 || rows > info.height - first_row) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: rows {}..{} out of range (pages have {})",
                            detail::printable(info.path.native()), first_row, first_row + rows,
                            info.height));
  }
}

std::optional<std::uint64_t> ScanImageReader::Impl::contiguous_rows(std::size_t page, int first_row,
                                                                    int rows) const {
  const std::uint64_t row_bytes = std::uint64_t(info.width) * pixel_size(info.pixel_type);
  const std::uint64_t begin = std::uint64_t(first_row) * row_bytes;
  const std::uint64_t end = begin + std::uint64_t(rows) * row_bytes;
  std::uint64_t strip_begin = 0;
  for (auto s = first_strip[page]; s < first_strip[page + 1] && strip_begin <= begin; ++s) {
    if (end <= strip_begin + strip_counts[s]) return strip_offsets[s] + (begin - strip_begin);
    strip_begin += strip_counts[s];
  }
  return std::nullopt;
}

// A SIGBUS while reading in place: the file shrank, or (on network storage) a read failed.
void ScanImageReader::Impl::fail_in_place(std::size_t page, int first_row, int rows) const {
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && std::uint64_t(st.st_size) < info.file_size) {
    fail(ErrorKind::kCorrupt, ScreenReason::kTruncated,
         fmt::format("truncated while being read: page {} rows {}..{} are no longer in the file "
                     "({} bytes now, {} when opened)",
                     page, first_row, first_row + rows, st.st_size, info.file_size));
  }
  fail(ErrorKind::kIo, ScreenReason::kUnreadable,
       fmt::format("cannot read page {} rows {}..{}: the storage failed while they were read in "
                   "place",
                   page, first_row, first_row + rows));
}

void ScanImageReader::read_rows(std::size_t page, int first_row, int rows,
                                std::span<std::byte> out) const {
  const auto& d = *impl_;
  d.check_rows(page, first_row, rows);
  const std::uint64_t row_bytes = std::uint64_t(d.info.width) * pixel_size(d.info.pixel_type);
  if (out.size() != std::uint64_t(rows) * row_bytes) {
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("{}: row buffer has {} bytes, {} rows need {}",
                    detail::printable(d.info.path.native()), out.size(), rows, rows * row_bytes));
  }
  // The wanted bytes [begin, end) of the page, which its strips hold one after the other.
  const std::uint64_t begin = std::uint64_t(first_row) * row_bytes, end = begin + out.size();
  std::uint64_t strip_begin = 0;
  for (auto s = d.first_strip[page]; s < d.first_strip[page + 1] && strip_begin < end; ++s) {
    const std::uint64_t lo = std::max(begin, strip_begin);
    const std::uint64_t hi = std::min(end, strip_begin + d.strip_counts[s]);
    if (lo < hi) {
      const std::uint64_t at = d.strip_offsets[s] + (lo - strip_begin);
      if (d.read_at(out.data() + (lo - begin), std::size_t(hi - lo), at) != hi - lo) {
        d.fail(ErrorKind::kCorrupt, ScreenReason::kTruncated,
               fmt::format("truncated: page {} strip at byte {} lies past the end of the file ({} "
                           "bytes)",
                           page, at, d.info.file_size));
      }
    }
    strip_begin += d.strip_counts[s];
  }
  if (d.layout.little_endian) return;
  const auto size = pixel_size(d.info.pixel_type);
  if (size == 2) TIFFSwabArrayOfShort(reinterpret_cast<std::uint16_t*>(out.data()), out.size() / 2);
  if (size == 4) TIFFSwabArrayOfLong(reinterpret_cast<std::uint32_t*>(out.data()), out.size() / 4);
}

void ScanImageReader::with_rows_impl(std::span<const std::size_t> pages, int first_row, int rows,
                                     std::vector<std::byte>& buffer, RowsUse use,
                                     void* context) const {
  auto& d = *impl_;
  for (const std::size_t page : pages) d.check_rows(page, first_row, rows);
  const std::size_t bytes =
      std::size_t(rows) * std::size_t(d.info.width) * pixel_size(d.info.pixel_type);
  if (!d.map_tried && d.layout.little_endian) {
    d.map = detail::MappedFile(d.fd.get(), d.info.file_size);
    d.map_tried = true;
  }
  // The strips were checked to lie inside the file when it was opened, so inside the map.
  d.rows_of_pages.resize(pages.size());
  std::size_t copied = 0;
  for (std::size_t k = 0; k < pages.size(); ++k) {
    const auto at = d.map.valid() ? d.contiguous_rows(pages[k], first_row, rows) : std::nullopt;
    if (at) {
      d.rows_of_pages[k] = d.map.at(*at);
      d.map.populate(*at, bytes);
      continue;
    }
    // Page k's rows go to slot k; the buffer grows once, before the first copy, so no pointer
    // into it moves.
    if (buffer.size() < pages.size() * bytes) buffer.resize(pages.size() * bytes);
    std::byte* slot = buffer.data() + k * bytes;
    read_rows(pages[k], first_row, rows, std::span(slot, bytes));
    d.rows_of_pages[k] = slot;
    ++copied;
  }
  const std::size_t mapped = pages.size() - copied;
  if (mapped == 0) return use(context, d.rows_of_pages);
  struct Call {
    RowsUse use;
    void* context;
    std::span<const std::byte* const> rows;
  } call{use, context, d.rows_of_pages};
  const bool completed = d.map.run_guarded(
      [](void* c) {
        auto* call = static_cast<Call*>(c);
        call->use(call->context, call->rows);
      },
      &call);
  if (!completed) d.fail_in_place(pages.front(), first_row, rows);
  d.mapped_since_release += mapped * bytes;
  if (d.mapped_since_release >= kReleaseBytes) {
    d.map.release();
    d.mapped_since_release = 0;
  }
}

}  // namespace flamecare
