#include <minizip/zip.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/npz.hpp"
#include "io/atomic_file.hpp"

namespace flamecare {
namespace {

// Members at least this large need ZIP64 sizes (the 32-bit fields saturate at 0xffffffff).
constexpr std::uint64_t kZip32Limit = 0xffffffffULL;
// zipWriteInFileInZip takes an unsigned int length.
constexpr std::size_t kMaxWriteChunk = std::size_t{1} << 30;

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

// A fixed 1980-01-01 00:00:00 timestamp, so the same arrays give a byte-identical archive.
zip_fileinfo fixed_file_info() {
  zip_fileinfo info{};
  info.tmz_date.tm_year = 1980;
  info.tmz_date.tm_mon = 0;
  info.tmz_date.tm_mday = 1;
  info.dosDate = 0;
  return info;
}

}  // namespace

struct NpzWriter::Impl {
  detail::AtomicFile file;
  bool force_zip64 = false;
  zipFile zip = nullptr;
  bool in_array = false;
  std::string member;
  std::uint64_t expected = 0;
  std::uint64_t written = 0;

  explicit Impl(const std::filesystem::path& path) : file(path) {}

  std::string where() const { return file.final_path().string(); }

  [[noreturn]] void fail(ErrorKind kind, const std::string& why) const {
    throw Error(kind, fmt::format("{}: {}", where(), why));
  }

  // The system's reason for a failed zip call (minizip itself only says ZIP_ERRNO).
  static std::string cause(int err) { return err != 0 ? std::strerror(err) : "zip write failed"; }

  void require_open(std::string_view what) const {
    if (zip == nullptr) fail(ErrorKind::kInvalidArgument, fmt::format("{} after commit", what));
  }

  void write(const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
      const std::size_t n = std::min(size, kMaxWriteChunk);
      errno = 0;
      if (zipWriteInFileInZip(zip, p, static_cast<unsigned>(n)) != ZIP_OK) {
        const int err = errno;
        fail(ErrorKind::kIo, fmt::format("cannot write {} bytes of {}: {}", n, member, cause(err)));
      }
      p += n;
      size -= n;
    }
  }

  void open_member(std::string_view name, std::string_view descr,
                   const std::vector<std::size_t>& shape, std::uint64_t data_bytes) {
    require_open("begin_array");
    if (in_array) {
      fail(ErrorKind::kInvalidArgument,
           fmt::format("array {} begun before {} was ended", name, member));
    }
    if (name.empty()) fail(ErrorKind::kInvalidArgument, "an array name is empty");
    member = std::string(name) + ".npy";
    const std::vector<std::byte> header = npy_header(descr, shape);
    const bool zip64 = force_zip64 || header.size() + data_bytes >= kZip32Limit;
    const zip_fileinfo info = fixed_file_info();
    errno = 0;
    if (zipOpenNewFileInZip64(zip, member.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, 0, 0,
                              zip64 ? 1 : 0) != ZIP_OK) {
      const int err = errno;
      fail(ErrorKind::kIo, fmt::format("cannot start member {}: {}", member, cause(err)));
    }
    in_array = true;
    expected = data_bytes;
    written = 0;
    write(header.data(), header.size());
  }
};

NpzWriter::NpzWriter(const std::filesystem::path& path, bool force_zip64)
    : impl_(std::make_unique<Impl>(path)) {
  impl_->force_zip64 = force_zip64;
  errno = 0;
  impl_->zip = zipOpen64(impl_->file.temp_path().c_str(), APPEND_STATUS_CREATE);
  if (impl_->zip == nullptr) {
    const int err = errno;
    impl_->fail(ErrorKind::kIo,
                fmt::format("cannot create {}: {}", impl_->file.temp_path().filename().string(),
                            Impl::cause(err)));
  }
}

NpzWriter::~NpzWriter() {
  // An unfinished archive is closed only so its handle is released; AtomicFile deletes it.
  if (impl_ && impl_->zip != nullptr) {
    if (impl_->in_array) zipCloseFileInZip(impl_->zip);
    zipClose(impl_->zip, nullptr);
  }
}

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
    impl_->fail(ErrorKind::kInvalidArgument,
                fmt::format("{}: appending {} bytes to {} written exceeds the shape's {} bytes",
                            impl_->member, data.size(), impl_->written, impl_->expected));
  }
  impl_->write(data.data(), data.size());
  impl_->written += data.size();
}

void NpzWriter::end_array() {
  impl_->require_open("end_array");
  if (!impl_->in_array) impl_->fail(ErrorKind::kInvalidArgument, "end_array without begin_array");
  if (impl_->written != impl_->expected) {
    impl_->fail(ErrorKind::kInvalidArgument,
                fmt::format("{}: {} bytes written but the shape needs {}", impl_->member,
                            impl_->written, impl_->expected));
  }
  impl_->in_array = false;
  errno = 0;
  if (zipCloseFileInZip(impl_->zip) != ZIP_OK) {
    const int err = errno;
    impl_->fail(ErrorKind::kIo,
                fmt::format("cannot finish member {}: {}", impl_->member, Impl::cause(err)));
  }
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
  impl_->require_open("commit");
  if (impl_->in_array) {
    impl_->fail(ErrorKind::kInvalidArgument,
                fmt::format("commit while {} is not ended", impl_->member));
  }
  errno = 0;
  const int status = zipClose(impl_->zip, nullptr);
  const int err = errno;
  impl_->zip = nullptr;
  if (status != ZIP_OK) {
    impl_->fail(ErrorKind::kIo, fmt::format("cannot finish the archive: {}", Impl::cause(err)));
  }
  impl_->file.commit(/*no_clobber=*/true);
}

}  // namespace flamecare
