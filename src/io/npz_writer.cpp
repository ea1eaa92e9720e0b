// The .npz container: a ZIP archive of stored (uncompressed) .npy members, written here directly
// (ZIP application note 6.3): a local header whose sizes are known up front (the array's shape
// gives them) and whose CRC-32 is filled in when the member ends, the data, then the central
// directory and, when a size or offset needs it or it is forced, the ZIP64 records. A reserved
// array's data is left as a gap that threads fill block by block with pwrite; its CRC-32 is
// combined from the blocks' CRCs at commit (zlib's crc32_combine: the CRC of A followed by B from
// those of A and B and B's length).
#include <fcntl.h>
#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <string>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/npz.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "io/writeback.hpp"
#include "io/zip_records.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

using detail::kZip32Limit;
using detail::Member;

constexpr std::size_t kBufferBytes = 1 << 20;
// Written bytes handed to the device in batches of this size while the archive grows, so the
// final fsync waits for the last batch only.
constexpr std::uint64_t kWritebackBytes = 16 << 20;
// An array whose data blocks are written in place, in any order (reserve_array).
struct Reserved {
  std::size_t member = 0;         // index in the members
  std::uint64_t data_offset = 0;  // of block 0 in the file
  std::uint64_t block_bytes = 0;
  std::vector<std::uint32_t> crcs;         // per block, set by its writer
  std::vector<std::atomic<bool>> written;  // per block
  Reserved(std::size_t m, std::uint64_t offset, std::uint64_t bytes, std::size_t blocks)
      : member(m), data_offset(offset), block_bytes(bytes), crcs(blocks), written(blocks) {}
};

}  // namespace

struct NpzWriter::Impl {
  detail::AtomicFile file;
  int fd = -1;
  bool force_zip64 = false;
  std::vector<Member> members;
  bool in_array = false;
  std::uint64_t expected = 0;  // data bytes of the current array
  std::uint64_t written = 0;
  std::uint64_t end = 0;                 // bytes in the file, buffer included
  std::string buffer;                    // bytes not yet written, ending at `end`
  std::uint64_t handed = 0;              // streamed bytes when writeback was last asked for
  std::deque<Reserved> reserved;         // not moved when more are added
  std::atomic<std::uint64_t> placed{0};  // bytes written by write_block
  bool finished = false;                 // finish() done: only commit() is left
  bool committed = false;
  std::string failure;          // why finish() failed, for a later commit()
  detail::Writeback writeback;  // after `file`: done with the temporary before it is removed

  // Once enough bytes were streamed since the last time, starts the writeback of the file's dirty
  // pages (all of them: those since the last time, and any blocks placed meanwhile). Only a
  // hint: errors (and a file system without it) surface at the fsync of commit().
  void start_writeback() {
    const std::uint64_t written_end = end - buffer.size();
    if (written_end - handed < kWritebackBytes) return;
    writeback.start(fd);
    handed = written_end;
  }

  Impl(const std::filesystem::path& path, bool writeback_thread)
      : file(path), writeback(writeback_thread) {}
  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  [[noreturn]] void fail(ErrorKind kind, const std::string& why) const {
    throw Error(kind, fmt::format("{}: {}", detail::printable(file.final_path().string()), why));
  }
  void require_open(std::string_view what) const {
    if (fd < 0) {
      fail(ErrorKind::kInvalidArgument,
           fmt::format("{} after the archive was finished or committed", what));
    }
  }
  std::string what() const {
    return members.empty() ? std::string("the archive") : members.back().name;
  }

  void flush() {
    if (buffer.empty()) return;
    const std::uint64_t at = end - buffer.size();
    if (const int err = detail::pwrite_fully(fd, buffer.data(), buffer.size(), at); err != 0) {
      fail(ErrorKind::kIo, fmt::format("cannot write {} bytes of {}: {}", buffer.size(), what(),
                                       std::strerror(err)));
    }
    buffer.clear();
    start_writeback();
  }
  void put(const void* data, std::size_t size) {
    if (buffer.size() + size > kBufferBytes) flush();
    if (size >= kBufferBytes) {
      if (const int err = detail::pwrite_fully(fd, data, size, end); err != 0) {
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
  void finish_reserved();
  void write_crc(const Member& m);
  void open_member(std::string_view name, std::string_view descr,
                   const std::vector<std::size_t>& shape, std::uint64_t data_bytes);
  void close_member();
};

void NpzWriter::Impl::copy_from(int source, std::uint64_t offset, std::uint64_t size) {
  flush();
  auto in = static_cast<loff_t>(offset);
  auto out = static_cast<loff_t>(end);
  std::uint64_t left = size;
  // The kernel copies page-cache pages to page-cache pages; where it cannot (another file system,
  // an old kernel) the bytes pass through a buffer here.
  while (left > 0) {
    const ssize_t n = ::copy_file_range(source, &in, fd, &out, left, 0);
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
      const int err = detail::pwrite_fully(fd, chunk.data(), std::size_t(got), std::uint64_t(out));
      if (err != 0) {
        fail(ErrorKind::kIo,
             fmt::format("cannot write {} bytes of {}: {}", got, what(), std::strerror(err)));
      }
      in += got;
      out += got;
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
  m.pad = detail::alignment_pad(m, header.size(), data_bytes);
  members.push_back(m);
  const std::string local = detail::local_header(m);
  put(local.data(), local.size());
  in_array = true;
  expected = data_bytes;
  written = 0;
  data(header.data(), header.size());
}

// Combines each reserved array's CRC from its header's and its blocks' and writes it into the
// local header; every block must have been written.
void NpzWriter::Impl::finish_reserved() {
  for (const Reserved& r : reserved) {
    Member& m = members[r.member];
    const uLong op = crc32_combine_gen(static_cast<z_off_t>(r.block_bytes));
    uLong crc = m.crc;  // of the npy header
    for (std::size_t i = 0; i < r.crcs.size(); ++i) {
      if (!r.written[i].load()) {
        fail(ErrorKind::kInvalidArgument,
             fmt::format("block {} of {} ({} blocks) was never written", i, m.name, r.crcs.size()));
      }
      crc = crc32_combine_op(crc, r.crcs[i], op);
    }
    m.crc = static_cast<std::uint32_t>(crc);
    write_crc(m);
  }
}

void NpzWriter::Impl::write_crc(const Member& m) {
  unsigned char crc[4];
  for (int i = 0; i < 4; ++i) crc[i] = static_cast<unsigned char>(m.crc >> (8 * i));
  if (const int err = detail::pwrite_fully(fd, crc, sizeof crc, m.offset + 14); err != 0) {
    fail(ErrorKind::kIo, fmt::format("cannot finish member {}: {}", m.name, std::strerror(err)));
  }
}

void NpzWriter::Impl::close_member() {
  flush();
  write_crc(members.back());
  in_array = false;
}

NpzWriter::NpzWriter(const std::filesystem::path& path, bool force_zip64, bool writeback_thread)
    : impl_(std::make_unique<Impl>(path, writeback_thread)) {
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
  impl_->open_member(name, detail::npy_descr(dtype), shape, count * pixel_size(dtype));
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

std::size_t NpzWriter::reserve_array(std::string_view name, PixelType dtype,
                                     const std::vector<std::size_t>& shape, std::size_t blocks) {
  Impl& d = *impl_;
  d.require_open("reserve_array");
  std::uint64_t bytes = pixel_size(dtype);
  for (std::size_t n : shape) bytes *= n;
  if (blocks == 0 ? bytes != 0 : bytes % blocks != 0) {
    d.fail(ErrorKind::kInvalidArgument,
           fmt::format("{}: {} bytes do not split into {} equal blocks", name, bytes, blocks));
  }
  d.open_member(name, detail::npy_descr(dtype), shape, bytes);
  d.flush();  // the headers, before the gap
  d.reserved.emplace_back(d.members.size() - 1, d.end, blocks == 0 ? 0 : bytes / blocks, blocks);
  d.end += bytes;  // the gap the blocks fill; later members are written after it
  d.in_array = false;
  return d.reserved.size() - 1;
}

void NpzWriter::write_block(std::size_t array, std::size_t block, std::span<const std::byte> data) {
  Impl& d = *impl_;
  d.require_open("write_block");
  if (array >= d.reserved.size()) {
    d.fail(ErrorKind::kInvalidArgument, fmt::format("no reserved array {}", array));
  }
  Reserved& r = d.reserved[array];
  const std::string& name = d.members[r.member].name;
  if (block >= r.crcs.size() || data.size() != r.block_bytes) {
    d.fail(ErrorKind::kInvalidArgument,
           fmt::format("{}: block {} of {} bytes, expected one of {} blocks of {} bytes", name,
                       block, data.size(), r.crcs.size(), r.block_bytes));
  }
  if (r.written[block].exchange(true)) {
    d.fail(ErrorKind::kInvalidArgument, fmt::format("{}: block {} written twice", name, block));
  }
  r.crcs[block] = static_cast<std::uint32_t>(libdeflate_crc32(0, data.data(), data.size()));
  const std::uint64_t at = r.data_offset + block * r.block_bytes;
  if (const int err = detail::pwrite_fully(d.fd, data.data(), data.size(), at); err != 0) {
    r.written[block] = false;
    d.fail(ErrorKind::kIo, fmt::format("cannot write block {} of {} ({} bytes): {}", block, name,
                                       data.size(), std::strerror(err)));
  }
  // Hands the written pages to the device now and then, so commit's fsync waits for the last few
  // only (a hint: errors surface at that fsync).
  const std::uint64_t before = d.placed.fetch_add(data.size());
  if ((before + data.size()) / kWritebackBytes != before / kWritebackBytes) d.writeback.start(d.fd);
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
  if (impl_->committed) impl_->fail(ErrorKind::kInvalidArgument, "committed twice");
  if (!impl_->failure.empty()) impl_->fail(ErrorKind::kIo, impl_->failure);  // finish() failed
  if (!impl_->finished) finish();
  impl_->file.commit(/*no_clobber=*/true);  // its fsync finds nothing left to write
  impl_->committed = true;
}

void NpzWriter::finish() {
  Impl& d = *impl_;
  d.require_open("finish");
  if (d.in_array) {
    d.fail(ErrorKind::kInvalidArgument,
           fmt::format("commit while {} is not ended", d.members.back().name));
  }
  d.finish_reserved();
  const std::uint64_t directory = d.end;
  bool zip64 = d.force_zip64 || directory >= kZip32Limit || d.members.size() >= 0xffff;
  for (const Member& m : d.members) {
    const std::string entry = detail::central_entry(m);
    d.put(entry.data(), entry.size());
    zip64 = zip64 || m.zip64 || m.offset >= kZip32Limit;
  }
  const std::string tail =
      detail::directory_end(d.members.size(), d.end - directory, directory, d.end, zip64);
  d.put(tail.data(), tail.size());
  d.flush();
  const int fd = d.fd;
  d.fd = -1;
  // Delayed write errors (a full disk, a failing device) surface at this fsync.
  const int err = ::fsync(fd) != 0 ? errno : 0;
  if (::close(fd) != 0 || err != 0) {
    d.failure = fmt::format("cannot finish the archive: {}", std::strerror(err != 0 ? err : errno));
    d.fail(ErrorKind::kIo, d.failure);
  }
  d.finished = true;
}

}  // namespace flamecare
