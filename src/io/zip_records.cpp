#include "io/zip_records.hpp"

namespace flamecare::detail {
namespace {

// 1980-01-01 00:00:00 in MS-DOS form, so the same arrays give a byte-identical archive.
constexpr std::uint16_t kDosTime = 0, kDosDate = (1 << 5) | 1;

// Little-endian fields appended to a byte string.
struct Bytes {
  std::string data;
  Bytes& u16(std::uint64_t v) { return put(v, 2); }
  Bytes& u32(std::uint64_t v) { return put(v, 4); }
  Bytes& u64(std::uint64_t v) { return put(v, 8); }
  Bytes& text(std::string_view s) {
    data += s;
    return *this;
  }
  Bytes& put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) data.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
};

std::uint16_t version_needed(bool zip64) { return zip64 ? 45 : 20; }

}  // namespace

std::string_view npy_descr(PixelType type) {
  switch (type) {
    case PixelType::kInt8:
      return "|i1";
    case PixelType::kUint8:
      return "|u1";
    case PixelType::kInt16:
      return "<i2";
    case PixelType::kUint16:
      return "<u2";
    case PixelType::kInt32:
      return "<i4";
    case PixelType::kUint32:
      return "<u4";
    case PixelType::kInt64:
      return "<i8";
    case PixelType::kUint64:
      return "<u8";
    case PixelType::kFloat32:
      return "<f4";
    case PixelType::kFloat64:
      return "<f8";
  }
  return "";
}

std::string local_header(const Member& m) {
  Bytes b;
  b.u32(0x04034b50).u16(version_needed(m.zip64)).u16(0).u16(0).u16(kDosTime).u16(kDosDate);
  b.u32(m.crc).u32(m.zip64 ? kZip32Limit : m.size).u32(m.zip64 ? kZip32Limit : m.size);
  b.u16(m.name.size()).u16((m.zip64 ? 20 : 0) + m.pad).text(m.name);
  if (m.zip64) b.u16(0x0001).u16(16).u64(m.size).u64(m.size);
  // zipalign's field (id 0xD935): the alignment, then zeros; readers skip fields they do not know.
  if (m.pad > 0)
    b.u16(0xD935).u16(m.pad - 4).u16(kDataAlignment).text(std::string(m.pad - 6, '\0'));
  return b.data;
}

std::uint16_t alignment_pad(const Member& m, std::uint64_t before_data, std::uint64_t data_bytes) {
  if (data_bytes < kAlignFrom) return 0;
  const std::uint64_t start = m.offset + 30 + m.name.size() + (m.zip64 ? 20 : 0) + 6 + before_data;
  return static_cast<std::uint16_t>(6 + (kDataAlignment - start % kDataAlignment) % kDataAlignment);
}

std::string central_entry(const Member& m) {
  const bool big_offset = m.zip64 || m.offset >= kZip32Limit;
  Bytes extra;
  if (m.zip64) extra.u64(m.size).u64(m.size);
  if (big_offset) extra.u64(m.offset);
  Bytes b;
  b.u32(0x02014b50).u16(version_needed(m.zip64 || big_offset));
  b.u16(version_needed(m.zip64 || big_offset)).u16(0).u16(0).u16(kDosTime).u16(kDosDate);
  b.u32(m.crc).u32(m.zip64 ? kZip32Limit : m.size).u32(m.zip64 ? kZip32Limit : m.size);
  b.u16(m.name.size()).u16(extra.data.empty() ? 0 : 4 + extra.data.size()).u16(0).u16(0);
  b.u16(0).u32(0).u32(big_offset ? kZip32Limit : m.offset).text(m.name);
  if (!extra.data.empty()) b.u16(0x0001).u16(extra.data.size()).text(extra.data);
  return b.data;
}

std::string directory_end(std::uint64_t count, std::uint64_t directory_bytes,
                          std::uint64_t directory, std::uint64_t end, bool zip64) {
  Bytes tail;
  if (zip64) {
    tail.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(count).u64(count);
    tail.u64(directory_bytes).u64(directory);
    tail.u32(0x07064b50).u32(0).u64(end).u32(1);
  }
  const auto clip16 = [&](std::uint64_t v) { return zip64 ? 0xffff : v; };
  const auto clip32 = [&](std::uint64_t v) { return zip64 ? kZip32Limit : v; };
  tail.u32(0x06054b50).u16(0).u16(0).u16(clip16(count)).u16(clip16(count));
  tail.u32(clip32(directory_bytes)).u32(clip32(directory)).u16(0);
  return tail.data;
}

}  // namespace flamecare::detail
