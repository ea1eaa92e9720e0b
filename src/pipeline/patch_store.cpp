#include "pipeline/patch_store.hpp"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/regular_file.hpp"

namespace flamecare::detail {
namespace {

void write_at(int fd, const void* data, std::size_t size, std::uint64_t offset,
              const std::filesystem::path& path) {
  if (const int err = pwrite_fully(fd, data, size, offset); err != 0) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: write failed: {}", path.string(), std::strerror(err)));
  }
}

}  // namespace

PatchStore::PatchStore(const std::filesystem::path& dir, std::size_t patch_bytes,
                       std::size_t max_slots)
    : PatchStore(dir / fmt::format(".patches-{}-X.tmp", ::getpid()),
                 dir / fmt::format(".patches-{}-Y.tmp", ::getpid()), patch_bytes, max_slots) {}

PatchStore::PatchStore(const std::filesystem::path& x_path, const std::filesystem::path& y_path,
                       std::size_t patch_bytes, std::size_t max_slots)
    : paths_{x_path, y_path},
      patch_bytes_(patch_bytes),
      crcs_{std::vector<std::uint32_t>(max_slots), std::vector<std::uint32_t>(max_slots)} {
  for (int i = 0; i < 2; ++i) {
    fds_[i] = ::open(paths_[i].c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fds_[i] < 0) {
      const int err = errno;
      if (i == 1) {  // the destructor will not run: do its work for the first file
        ::close(fds_[0]);
        std::error_code ec;
        std::filesystem::remove(paths_[0], ec);
      }
      throw Error(ErrorKind::kIo,
                  fmt::format("{}: cannot create: {}", paths_[i].string(), std::strerror(err)));
    }
  }
}

std::unique_ptr<PatchStore> PatchStore::open(const std::filesystem::path& x_path,
                                             const std::filesystem::path& y_path,
                                             std::size_t patch_bytes,
                                             std::vector<std::uint32_t> crcs[2]) {
  std::unique_ptr<PatchStore> store(new PatchStore(patch_bytes));
  store->keep_ = true;
  store->paths_[0] = x_path;
  store->paths_[1] = y_path;
  for (int i = 0; i < 2; ++i) {
    const auto& path = store->paths_[i];
    store->fds_[i] = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (store->fds_[i] < 0) {
      const int err = errno;
      throw Error(err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                  fmt::format("{}: cannot open: {}", path.string(), std::strerror(err)));
    }
    struct stat st {};
    const std::uint64_t expected = std::uint64_t(crcs[i].size()) * patch_bytes;
    if (::fstat(store->fds_[i], &st) != 0 || std::uint64_t(st.st_size) != expected) {
      throw Error(ErrorKind::kCorrupt,
                  fmt::format("{}: {} bytes, expected {} ({} patches of {} bytes)", path.string(),
                              std::uint64_t(st.st_size), expected, crcs[i].size(), patch_bytes));
    }
    store->crcs_[i] = std::move(crcs[i]);
  }
  return store;
}

void PatchStore::publish(const std::filesystem::path& x_path, const std::filesystem::path& y_path) {
  const std::filesystem::path targets[2] = {x_path, y_path};
  for (int i = 0; i < 2; ++i) {
    if (::fsync(fds_[i]) != 0 || ::rename(paths_[i].c_str(), targets[i].c_str()) != 0) {
      const int err = errno;
      throw Error(ErrorKind::kIo, fmt::format("{}: cannot publish as {}: {}", paths_[i].string(),
                                              targets[i].string(), std::strerror(err)));
    }
    paths_[i] = targets[i];
  }
  keep_ = true;
}

std::optional<pid_t> PatchStore::owner_of(std::string_view filename) {
  int pid = 0;
  char which = 0;
  const std::string name(filename);
  if (std::sscanf(name.c_str(), ".patches-%d-%c.tmp", &pid, &which) != 2 || pid <= 0 ||
      name != fmt::format(".patches-{}-{}.tmp", pid, which) || (which != 'X' && which != 'Y'))
    return std::nullopt;
  return static_cast<pid_t>(pid);
}

PatchStore::~PatchStore() {
  for (int i = 0; i < 2; ++i) {
    if (fds_[i] >= 0) ::close(fds_[i]);
    if (keep_ || paths_[i].empty()) continue;
    std::error_code ec;
    std::filesystem::remove(paths_[i], ec);
  }
}

void PatchStore::write(std::size_t slot, std::span<const float> input,
                       std::span<const float> target) {
  if (slot >= crcs_[0].size()) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: slot {} of {}", paths_[0].string(), slot, crcs_[0].size()));
  }
  // The CRC-32 the npz needs, while the patch is in the cache; libdeflate's is zlib's CRC-32.
  const auto crc = [](std::span<const float> patch) {
    return static_cast<std::uint32_t>(libdeflate_crc32(0, patch.data(), patch.size_bytes()));
  };
  crcs_[0][slot] = crc(input);
  crcs_[1][slot] = crc(target);
  const std::uint64_t offset = std::uint64_t(slot) * patch_bytes_;
  write_at(fds_[0], input.data(), input.size_bytes(), offset, paths_[0]);
  write_at(fds_[1], target.data(), target.size_bytes(), offset, paths_[1]);
}

void PatchStore::append_to(NpzWriter& npz, int which, std::size_t slot) const {
  npz.append_from_file(fds_[which], std::uint64_t(slot) * patch_bytes_, patch_bytes_,
                       crcs_[which].at(slot));
}

void PatchStore::read(int which, std::size_t slot, std::span<float> out) const {
  auto* bytes = reinterpret_cast<char*>(out.data());
  std::size_t size = out.size_bytes();
  auto offset = static_cast<off_t>(slot * patch_bytes_);
  while (size > 0) {
    const ssize_t n = ::pread(fds_[which], bytes, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : 0;
      throw Error(ErrorKind::kIo,
                  fmt::format("{}: read of patch {} failed: {}", paths_[which].string(), slot,
                              err != 0 ? std::strerror(err) : "unexpected end"));
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
    offset += n;
  }
}

}  // namespace flamecare::detail
