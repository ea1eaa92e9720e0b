#include "io/repeated_ifd.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

namespace flamecare::detail {
namespace {

constexpr std::uint64_t kStripOffsets = 273;
constexpr std::uint64_t kStripByteCounts = 279;
constexpr std::uint64_t kAscii = 2;
// Text tags libtiff stores as given, without interpreting them: DocumentName, ImageDescription,
// Make, Model, PageName, Software, DateTime, Artist, HostComputer, Copyright.
constexpr std::array<std::uint64_t, 10> kFreeText = {269, 270, 271, 272, 285,
                                                     305, 306, 315, 316, 33432};
// Out-of-line values compared by content (a RATIONAL resolution is 8 bytes); longer ones that
// differ in place send the page to libtiff.
constexpr std::uint64_t kMaxPointedBytes = 64;
// Free text longer than this goes to libtiff, which may refuse to allocate it (its cap is 256 MiB
// in TiffFile); ScanImage's frame descriptions are a few KB.
constexpr std::uint64_t kMaxFreeTextBytes = std::uint64_t(1) << 20;
// libtiff refuses directory numbers from 2^20 on (IFD loop bookkeeping): such pages go to it.
constexpr std::size_t kMaxLibtiffDirectories = std::size_t(1) << 20;

std::atomic<std::uint64_t> g_repeated{0};

}  // namespace

RepeatedIfd::RepeatedIfd(const ReadAt& read, const TiffLayout& layout, std::uint64_t file_size)
    : read_(read), layout_(layout), file_size_(file_size) {}

// The strip offsets or byte counts an entry holds: SHORT, LONG or LONG8 values, one per strip.
bool RepeatedIfd::strip_values(const unsigned char* e, std::vector<std::uint64_t>& values) {
  const bool le = layout_.little_endian;
  const std::size_t value_bytes = field_bytes();
  const std::uint64_t type = decode_uint(e + 2, 2, le);
  const std::uint64_t count = decode_uint(e + 4, value_bytes, le);
  if ((type != 3 && type != 4 && type != 16) || count != counts_.size()) return false;
  const std::uint64_t size = tiff_type_size(type);
  const unsigned char* field = e + 4 + value_bytes;
  const unsigned char* at = field;
  if (count * size > value_bytes) {  // in the file; read_ifd checked that it lies inside it
    array_.resize(count * size);
    if (read_(array_.data(), array_.size(), decode_uint(field, value_bytes, le)) != array_.size())
      return false;
    at = array_.data();
  }
  values.resize(count);
  for (std::uint64_t s = 0; s < count; ++s) values[s] = decode_uint(at + s * size, size, le);
  return true;
}

void RepeatedIfd::set_reference(const IfdTable& table, std::span<const std::uint64_t> offsets,
                                std::span<const std::uint64_t> counts) {
  usable_ = false;
  reference_ = table;
  pointed_.assign(table.entries, {});
  counts_.assign(counts.begin(), counts.end());
  const bool positive = std::all_of(counts.begin(), counts.end(), [](auto c) { return c > 0; });
  if (offsets.size() != counts.size() || counts.empty() || !positive) return;
  // libtiff's strips must be the ones written: not estimated, and each from the IFD's only entry
  // of its tag (libtiff ignores later duplicates, which a page could set apart).
  int found_offsets = 0, found_counts = 0;
  for (std::size_t i = 0; i < table.entries; ++i) {
    const unsigned char* e = table.bytes.data() + i * entry_bytes();
    const std::uint64_t tag = decode_uint(e, 2, layout_.little_endian);
    if (tag != kStripOffsets && tag != kStripByteCounts) continue;
    const auto libtiff = tag == kStripOffsets ? offsets : counts;
    if (!strip_values(e, scratch_) ||
        !std::equal(scratch_.begin(), scratch_.end(), libtiff.begin(), libtiff.end()))
      return;
    ++(tag == kStripOffsets ? found_offsets : found_counts);
  }
  usable_ = found_offsets == 1 && found_counts == 1;
}

bool RepeatedIfd::same_pointed_bytes(std::size_t entry, const unsigned char* e) {
  const bool le = layout_.little_endian;
  const std::size_t value_bytes = field_bytes();
  const unsigned char* r = reference_.bytes.data() + entry * entry_bytes();
  if (std::memcmp(e + 4, r + 4, value_bytes) != 0) return false;  // another count
  const std::uint64_t bytes =
      tiff_type_size(decode_uint(e + 2, 2, le)) * decode_uint(e + 4, value_bytes, le);
  if (bytes <= value_bytes || bytes > kMaxPointedBytes) return false;  // inline, or long
  auto& reference = pointed_[entry];
  if (reference.empty()) {
    reference.resize(bytes);
    if (read_(reference.data(), bytes, decode_uint(r + 4 + value_bytes, value_bytes, le)) !=
        bytes) {
      reference.clear();
      return false;
    }
  }
  std::array<unsigned char, kMaxPointedBytes> here{};
  return read_(here.data(), bytes, decode_uint(e + 4 + value_bytes, value_bytes, le)) == bytes &&
         std::memcmp(here.data(), reference.data(), bytes) == 0;
}

std::uint64_t RepeatedIfd::pages_repeated() { return g_repeated.load(std::memory_order_relaxed); }

bool RepeatedIfd::repeats(std::size_t page, const IfdTable& table,
                          std::vector<std::uint64_t>& offsets) {
  if (!usable_ || page >= kMaxLibtiffDirectories || table.entries != reference_.entries)
    return false;
  offsets.clear();
  for (std::size_t i = 0; i < table.entries; ++i) {
    const unsigned char* e = table.bytes.data() + i * entry_bytes();
    const unsigned char* r = reference_.bytes.data() + i * entry_bytes();
    if (std::memcmp(e, r, 4) != 0) return false;  // another tag or type
    const std::uint64_t tag = decode_uint(e, 2, layout_.little_endian);
    const std::uint64_t type = decode_uint(e + 2, 2, layout_.little_endian);
    if (tag == kStripOffsets) {
      if (!strip_values(e, offsets)) return false;
    } else if (tag == kStripByteCounts) {
      if (!strip_values(e, scratch_) || scratch_ != counts_) return false;
    } else if (type == kAscii &&
               std::find(kFreeText.begin(), kFreeText.end(), tag) != kFreeText.end()) {
      // Text libtiff does not interpret, of a length it reads without complaint.
      if (decode_uint(e + 4, field_bytes(), layout_.little_endian) > kMaxFreeTextBytes)
        return false;
    } else if (std::memcmp(e, r, entry_bytes()) != 0 && !same_pointed_bytes(i, e)) {
      return false;
    }
  }
  if (offsets.size() != counts_.size()) return false;
  for (std::size_t s = 0; s < offsets.size(); ++s) {
    // Strips past the end go to libtiff, which may estimate their size and names the damage.
    if (offsets[s] > file_size_ || counts_[s] > file_size_ - offsets[s]) return false;
  }
  g_repeated.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace flamecare::detail
