// The .npz container: a ZIP archive of stored (uncompressed) .npy members, written here directly
// (ZIP application note 6.3): a local header whose sizes are known up front (the array's shape
// gives them) and whose CRC-32 is filled in when the member ends, the data, then the central
// directory and, when a size or offset needs it or it is forced, the ZIP64 records.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/npz.hpp"
#include "io/atomic_file.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

// Sizes and offsets at least this large need ZIP64 (the 32-bit fields saturate at 0xffffffff).
constexpr std::uint64_t kZip32Limit = 0xffffffffULL;
constexpr std::size_t kBufferBytes = 1 << 20;
// Written bytes handed to the device in batches of this size while the archive grows, so the
// final fsync waits for the last batch only.
constexpr std::uint64_t kWritebackBytes = 16 << 20;
// 1980-01-01 00:00:00 in MS-DOS form, so the same arrays give a byte-identical archive.
constexpr std::uint16_t kDosTime = 0, kDosDate = (1 << 5) | 1;

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

struct Member {
  std::string name;
  std::uint64_t size = 0;    // header + data bytes
  std::uint64_t offset = 0;  // of its local header
  std::uint32_t crc = 0;
  bool zip64 = false;
};

std::uint16_t version_needed(bool zip64) { return zip64 ? 45 : 20; }

// The local header; its CRC (at byte 14) is written again when the member ends.
std::string local_header(const Member& m) {
  Bytes b;
  b.u32(0x04034b50).u16(version_needed(m.zip64)).u16(0).u16(0).u16(kDosTime).u16(kDosDate);
  b.u32(m.crc).u32(m.zip64 ? kZip32Limit : m.size).u32(m.zip64 ? kZip32Limit : m.size);
  b.u16(m.name.size()).u16(m.zip64 ? 20 : 0).text(m.name);
  if (m.zip64) b.u16(0x0001).u16(16).u64(m.size).u64(m.size);
  return b.data;
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

}  // namespace

struct NpzWriter::Impl {
  detail::AtomicFile file;
  int fd = -1;
  bool force_zip64 = false;
  std::vector<Member> members;
  bool in_array = false;
  std::uint64_t expected = 0;  // data bytes of the current array
  std::uint64_t written = 0;
  std::uint64_t end = 0;     // bytes in the file, buffer included
  std::string buffer;        // bytes not yet written, ending at `end`
  std::uint64_t handed = 0;  // bytes whose writeback was started

  // Starts writeback of the bytes written since the last call once there are enough. Only a
  // hint: errors (and a file system without it) surface at the fsync of commit().
  void start_writeback() {
    const std::uint64_t written_end = end - buffer.size();
    if (written_end - handed < kWritebackBytes) return;
    (void)::sync_file_range(fd, static_cast<off_t>(handed),
                            static_cast<off_t>(written_end - handed), SYNC_FILE_RANGE_WRITE);
    handed = written_end;
  }

  explicit Impl(const std::filesystem::path& path) : file(path) {}
  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  [[noreturn]] void fail(ErrorKind kind, const std::string& why) const {
    throw Error(kind, fmt::format("{}: {}", detail::printable(file.final_path().string()), why));
  }
  void require_open(std::string_view what) const {
    if (fd < 0) fail(ErrorKind::kInvalidArgument, fmt::format("{} after commit", what));
  }
  std::string what() const {
    return members.empty() ? std::string("the archive") : members.back().name;
  }

  void flush() {
    if (buffer.empty()) return;
    if (const int err = detail::write_all(fd, buffer.data(), buffer.size()); err != 0) {
      fail(ErrorKind::kIo, fmt::format("cannot write {} bytes of {}: {}", buffer.size(), what(),
                                       std::strerror(err)));
    }
    buffer.clear();
    start_writeback();
  }
  void put(const void* data, std::size_t size) {
    if (buffer.size() + size > kBufferBytes) flush();
    if (size >= kBufferBytes) {
      if (const int err = detail::write_all(fd, data, size); err != 0) {
        fail(ErrorKind::kIo,
             fmt::format("cannot write {} bytes of {}: {}", size, what(), std::strerror(err)));
      }
    } else {
      buffer.append(static_cast<const char*>(data), size);
    }
    end += size;
  }
  // Bytes of the member's data: counted against the shape, added to its CRC.
  void data(const void* bytes, std::size_t size) {
    members.back().crc = static_cast<std::uint32_t>(
        crc32_z(members.back().crc, static_cast<const Bytef*>(bytes), size));
    put(bytes, size);
  }
  void copy_from(int source, std::uint64_t offset, std::uint64_t size);
  void open_member(std::string_view name, std::string_view descr,
                   const std::vector<std::size_t>& shape, std::uint64_t data_bytes);
  void close_member();
};

void NpzWriter::Impl::copy_from(int source, std::uint64_t offset, std::uint64_t size) {
  flush();
  auto in = static_cast<loff_t>(offset);
  std::uint64_t left = size;
  // The kernel copies page-cache pages to page-cache pages; where it cannot (another file system,
  // an old kernel) the bytes pass through a buffer here.
  while (left > 0) {
    const ssize_t n = ::copy_file_range(source, &in, fd, nullptr, left, 0);
    if (n > 0) {
      left -= std::uint64_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
      fail(ErrorKind::kIo,
           fmt::format("cannot copy {} bytes into {}: {}", left, what(), std::strerror(errno)));
    }
    std::string chunk(std::min<std::uint64_t>(left, kBufferBytes), '\0');
    while (left > 0) {
      const ssize_t got = ::pread(source, chunk.data(), std::min<std::uint64_t>(left, chunk.size()),
                                  static_cast<off_t>(in));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fail(ErrorKind::kIo, fmt::format("cannot read {} bytes for {}: {}", left, what(),
                                         got < 0 ? std::strerror(errno) : "unexpected end"));
      }
      if (const int err = detail::write_all(fd, chunk.data(), std::size_t(got)); err != 0) {
        fail(ErrorKind::kIo,
             fmt::format("cannot write {} bytes of {}: {}", got, what(), std::strerror(err)));
      }
      in += got;
      left -= std::uint64_t(got);
    }
  }
  end += size;
  start_writeback();
}

void NpzWriter::Impl::open_member(std::string_view name, std::string_view descr,
                                  const std::vector<std::size_t>& shape, std::uint64_t data_bytes) {
  require_open("begin_array");
  if (in_array) {
    fail(ErrorKind::kInvalidArgument,
         fmt::format("array {} begun before {} was ended", name, members.back().name));
  }
  if (name.empty()) fail(ErrorKind::kInvalidArgument, "an array name is empty");
  const std::vector<std::byte> header = npy_header(descr, shape);
  Member m;
  m.name = std::string(name) + ".npy";
  m.size = header.size() + data_bytes;
  m.offset = end;
  m.zip64 = force_zip64 || m.size >= kZip32Limit;
  members.push_back(m);
  const std::string local = local_header(m);
  put(local.data(), local.size());
  in_array = true;
  expected = data_bytes;
  written = 0;
  data(header.data(), header.size());
}

void NpzWriter::Impl::close_member() {
  flush();
  const Member& m = members.back();
  unsigned char crc[4];
  for (int i = 0; i < 4; ++i) crc[i] = static_cast<unsigned char>(m.crc >> (8 * i));
  if (::pwrite(fd, crc, sizeof crc, static_cast<off_t>(m.offset + 14)) != sizeof crc) {
    fail(ErrorKind::kIo, fmt::format("cannot finish member {}: {}", m.name, std::strerror(errno)));
  }
  in_array = false;
}

NpzWriter::NpzWriter(const std::filesystem::path& path, bool force_zip64)
    : impl_(std::make_unique<Impl>(path)) {
  impl_->force_zip64 = force_zip64;
  impl_->fd =
      ::open(impl_->file.temp_path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (impl_->fd < 0) {
    const int err = errno;
    impl_->fail(ErrorKind::kIo,
                fmt::format("cannot create {}: {}", impl_->file.temp_path().filename().string(),
                            std::strerror(err)));
  }
  impl_->buffer.reserve(kBufferBytes);
}

NpzWriter::~NpzWriter() = default;  // an uncommitted archive is removed by its AtomicFile

void NpzWriter::begin_array(std::string_view name, PixelType dtype,
                            const std::vector<std::size_t>& shape) {
  std::uint64_t count = 1;
  for (std::size_t n : shape) count *= n;
  impl_->open_member(name, npy_descr(dtype), shape, count * pixel_size(dtype));
}

void NpzWriter::append(std::span<const std::byte> data) {
  impl_->require_open("append");
  if (!impl_->in_array) impl_->fail(ErrorKind::kInvalidArgument, "append without begin_array");
  if (impl_->written + data.size() > impl_->expected) {
    impl_->fail(
        ErrorKind::kInvalidArgument,
        fmt::format("{}: appending {} bytes to {} written exceeds the shape's {} bytes",
                    impl_->members.back().name, data.size(), impl_->written, impl_->expected));
  }
  impl_->data(data.data(), data.size());
  impl_->written += data.size();
}

void NpzWriter::append_from_file(int fd, std::uint64_t offset, std::uint64_t size,
                                 std::uint32_t crc) {
  impl_->require_open("append_from_file");
  if (!impl_->in_array) impl_->fail(ErrorKind::kInvalidArgument, "append without begin_array");
  if (impl_->written + size > impl_->expected) {
    impl_->fail(ErrorKind::kInvalidArgument,
                fmt::format("{}: appending {} bytes to {} written exceeds the shape's {} bytes",
                            impl_->members.back().name, size, impl_->written, impl_->expected));
  }
  impl_->copy_from(fd, offset, size);
  Member& m = impl_->members.back();
  m.crc = static_cast<std::uint32_t>(crc32_combine(m.crc, crc, static_cast<z_off_t>(size)));
  impl_->written += size;
}

void NpzWriter::end_array() {
  impl_->require_open("end_array");
  if (!impl_->in_array) impl_->fail(ErrorKind::kInvalidArgument, "end_array without begin_array");
  if (impl_->written != impl_->expected) {
    impl_->fail(ErrorKind::kInvalidArgument,
                fmt::format("{}: {} bytes written but the shape needs {}",
                            impl_->members.back().name, impl_->written, impl_->expected));
  }
  impl_->close_member();
}

void NpzWriter::add_unicode_scalar(std::string_view name, std::string_view ascii_value) {
  for (char ch : ascii_value) {
    if (static_cast<unsigned char>(ch) > 0x7f) {
      impl_->fail(ErrorKind::kInvalidArgument,
                  fmt::format("{}: value \"{}\" is not ASCII", name, ascii_value));
    }
  }
  // numpy stores '<U{n}' as UTF-32LE code units; an empty string is '<U1' holding a zero.
  const std::size_t n = std::max<std::size_t>(ascii_value.size(), 1);
  std::vector<std::byte> data(4 * n, std::byte{0});
  for (std::size_t i = 0; i < ascii_value.size(); ++i) data[4 * i] = std::byte(ascii_value[i]);
  impl_->open_member(name, fmt::format("<U{}", n), {}, data.size());
  append(data);
  end_array();
}

void NpzWriter::commit() {
  Impl& d = *impl_;
  d.require_open("commit");
  if (d.in_array) {
    d.fail(ErrorKind::kInvalidArgument,
           fmt::format("commit while {} is not ended", d.members.back().name));
  }
  const std::uint64_t directory = d.end;
  bool zip64 = d.force_zip64 || directory >= kZip32Limit || d.members.size() >= 0xffff;
  for (const Member& m : d.members) {
    const std::string entry = central_entry(m);
    d.put(entry.data(), entry.size());
    zip64 = zip64 || m.zip64 || m.offset >= kZip32Limit;
  }
  const std::uint64_t directory_bytes = d.end - directory, count = d.members.size();
  Bytes tail;
  if (zip64) {
    const std::uint64_t record = d.end;
    tail.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(count).u64(count);
    tail.u64(directory_bytes).u64(directory);
    tail.u32(0x07064b50).u32(0).u64(record).u32(1);
  }
  const auto clip16 = [&](std::uint64_t v) { return zip64 ? 0xffff : v; };
  const auto clip32 = [&](std::uint64_t v) { return zip64 ? kZip32Limit : v; };
  tail.u32(0x06054b50).u16(0).u16(0).u16(clip16(count)).u16(clip16(count));
  tail.u32(clip32(directory_bytes)).u32(clip32(directory)).u16(0);
  d.put(tail.data.data(), tail.data.size());
  d.flush();
  const int fd = d.fd;
  d.fd = -1;
  if (::close(fd) != 0) {
    d.fail(ErrorKind::kIo, fmt::format("cannot finish the archive: {}", std::strerror(errno)));
  }
  d.file.commit(/*no_clobber=*/true);
}

}  // namespace flamecare
