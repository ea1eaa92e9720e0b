#include "io/free_space.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "util/text.hpp"

namespace flamecare::detail {

std::uint64_t free_bytes(const std::filesystem::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    const int err = errno;
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot ask for free space: {}",
                                            printable(dir.string()), std::strerror(err)));
  }
  return std::uint64_t(st.f_bavail) * std::uint64_t(st.f_frsize);
}

std::string format_bytes(long double bytes) {
  constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 6) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} bytes", double(bytes))
                   : fmt::format("{:.1f} {}", double(bytes), kUnits[unit]);
}

void require_free_space(const std::filesystem::path& dir, long double needed,
                        std::string_view what) {
  const std::uint64_t free = free_bytes(dir);
  if (needed <= static_cast<long double>(free)) return;
  throw Error(ErrorKind::kIo,
              fmt::format("{}: not enough free space: {} need about {}, {} are free; nothing "
                          "was written",
                          printable(dir.string()), what, format_bytes(needed),
                          format_bytes(static_cast<long double>(free))));
}

}  // namespace flamecare::detail
