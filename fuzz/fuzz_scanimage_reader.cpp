// libFuzzer target: the raw ScanImage reader on arbitrary bytes. Opens the input as a file (a
// memfd, through /proc/self/fd) and reads every page. Any flamecare::Error is a fine answer;
// a crash, a sanitizer report, a hang or an allocation beyond -rss_limit_mb is a bug.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "flamecare/error.hpp"
#include "flamecare/scanimage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("fuzz.tif", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  try {
    const flamecare::ScanImageReader reader("/proc/self/fd/" + std::to_string(fd));
    const auto& info = reader.info();
    // The reader promises that a page never needs more bytes than the file holds.
    if (reader.page_bytes() > size || info.pages == 0) __builtin_trap();
    std::vector<std::byte> page(reader.page_bytes());
    for (std::size_t p = 0; p < info.pages; ++p) reader.read_page(p, page);
  } catch (const flamecare::Error&) {
  }
  ::close(fd);
  return 0;
}
