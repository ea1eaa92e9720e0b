// Untrusted inputs: only regular files are opened, never a FIFO (which would block) or a device
// (which may never end); text leaving flamecare is valid UTF-8.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "flamecare/error.hpp"
#include "flamecare/text.hpp"
#include "io/regular_file.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;
using detail::printable;
using detail::read_regular_file;

TEST(RegularFile, ReadsARegularFileWithinItsBound) {
  test_support::ScratchDir dir;
  std::ofstream(dir.path() / "a.txt") << "hello";
  EXPECT_EQ(read_regular_file(dir.path() / "a.txt", 5), "hello");
  test_support::expect_kind(ErrorKind::kUnsupported,
                            [&] { read_regular_file(dir.path() / "a.txt", 4); });
}

TEST(RegularFile, RefusesAFifoWithoutBlocking) {
  test_support::ScratchDir dir;
  const fs::path fifo = dir.path() / "pipe.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  test_support::expect_kind(ErrorKind::kIo, [&] { read_regular_file(fifo, 1024); });
  EXPECT_EQ(detail::non_regular_kind(fifo), "a FIFO");
}

TEST(RegularFile, RefusesDevicesDirectoriesAndBrokenLinks) {
  test_support::ScratchDir dir;
  fs::create_symlink("/dev/zero", dir.path() / "zero.txt");
  fs::create_symlink("nowhere", dir.path() / "dangling.txt");
  fs::create_symlink("loop.txt", dir.path() / "loop.txt");
  test_support::expect_kind(ErrorKind::kIo, [&] { read_regular_file(dir.path() / "zero.txt", 8); });
  test_support::expect_kind(ErrorKind::kIo, [&] { read_regular_file(dir.path(), 8); });
  test_support::expect_kind(ErrorKind::kIo,
                            [&] { read_regular_file(dir.path() / "dangling.txt", 8); });
  test_support::expect_kind(ErrorKind::kIo, [&] { read_regular_file(dir.path() / "loop.txt", 8); });
  test_support::expect_kind(ErrorKind::kNotFound,
                            [&] { read_regular_file(dir.path() / "absent.txt", 8); });
  EXPECT_EQ(detail::non_regular_kind(dir.path() / "dangling.txt"), "a dangling symlink");
  EXPECT_EQ(detail::non_regular_kind(dir.path() / "loop.txt"), "a symlink loop");
  EXPECT_EQ(detail::non_regular_kind(dir.path() / "zero.txt"), "a character device");
}

TEST(PrintableText, KeepsValidUtf8AndEscapesInvalidBytes) {
  EXPECT_EQ(printable("Im_0001.tif"), "Im_0001.tif");
  EXPECT_EQ(printable("gr\xC3\xBC\xC3\x9F"), "gr\xC3\xBC\xC3\x9F");
  EXPECT_EQ(printable("a\xFF"
                      "b"),
            "a\\xFFb");
  EXPECT_EQ(printable("\xC3"), "\\xC3");                    // cut sequence
  EXPECT_EQ(printable("\xC0\xAF"), "\\xC0\\xAF");           // overlong '/'
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // UTF-16 surrogate
  EXPECT_EQ(printable(std::string("\xFF\xFE{\0\"", 5)), std::string("\\xFF\\xFE{\0\"", 11));
  EXPECT_TRUE(detail::is_valid_utf8(printable("\xF5\x80\x80\x80 ok")));
}

TEST(PrintableText, FirstInvalidByteOneLineAndPublicPrintable) {
  EXPECT_EQ(detail::first_invalid_utf8("caf\xC3\xA9"), 5u);
  EXPECT_EQ(detail::first_invalid_utf8("caf\xE9!"), 3u);
  EXPECT_EQ(detail::one_line("a\r\nb\nc"), "a  b c");
  EXPECT_EQ(flamecare::printable("caf\xE9"), "caf\\xE9");
}

// The index's `image_bytes`: exact bytes as ASCII, decoded back exactly (Python's
// urllib.parse.unquote_to_bytes reads it too).
TEST(PercentEncoding, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += char(b);
  const std::string encoded = detail::percent_encode(all);
  for (const char c : encoded) EXPECT_TRUE(c > 0x20 && c < 0x7F) << int(c);
  EXPECT_EQ(detail::percent_decode(encoded), all);
  EXPECT_EQ(detail::percent_encode("caf\xE9 50%.tif"), "caf%E9%2050%25.tif");
  EXPECT_EQ(detail::percent_decode("caf%e9"), "caf\xE9");
  EXPECT_EQ(detail::percent_decode("50%"), std::nullopt);
  EXPECT_EQ(detail::percent_decode("50%2"), std::nullopt);
  EXPECT_EQ(detail::percent_decode("50%zz"), std::nullopt);
}

}  // namespace
}  // namespace flamecare
