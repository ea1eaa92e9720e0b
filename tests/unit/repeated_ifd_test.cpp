// RepeatedIfd: which pages may skip libtiff (their IFD repeats one libtiff read) and the strips
// decoded for them, on IFDs built byte by byte in memory (TIFF and BigTIFF, both byte orders).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/repeated_ifd.hpp"

namespace fc = flamecare;
namespace fd = flamecare::detail;

namespace {

struct Entry {
  std::uint16_t tag, type;
  std::uint64_t count, value;  // the value field: inline value or offset
};

// A file in memory: IFDs and out-of-line values are placed where the test says.
struct MemoryFile {
  fd::TiffLayout layout;
  std::string bytes = std::string(4096, '\0');

  void put(std::uint64_t at, std::uint64_t v, std::size_t n) {
    if (bytes.size() < at + n) bytes.resize(at + n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t shift = layout.little_endian ? i : n - 1 - i;
      bytes[at + i] = char((v >> (8 * shift)) & 0xff);
    }
  }
  // A SHORT/LONG value sits at the start of the value field, as TIFF stores it.
  void put_inline(std::uint64_t at, const Entry& e, std::size_t field) {
    const std::size_t size = e.type == 3 ? 2 : e.type == 4 ? 4 : field;
    if (e.count == 1 && size < field) {
      put(at, e.value, size);
    } else {
      put(at, e.value, field);
    }
  }
  fd::IfdTable ifd(std::uint64_t at, const std::vector<Entry>& entries) {
    const bool big = layout.big_tiff;
    const std::size_t field = big ? 8 : 4, entry = big ? 20 : 12, head = big ? 8 : 2;
    put(at, entries.size(), head);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const std::uint64_t e = at + head + i * entry;
      put(e, entries[i].tag, 2);
      put(e + 2, entries[i].type, 2);
      put(e + 4, entries[i].count, field);
      put_inline(e + 4 + field, entries[i], field);
    }
    put(at + head + entries.size() * entry, 0, field);
    fd::IfdTable t;
    t.offset = at;
    t.entries = entries.size();
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + at + head;
    t.bytes.assign(p, p + entries.size() * entry + field);
    return t;
  }
  fd::ReadAt reader() const {
    return [this](void* dst, std::size_t n, std::uint64_t o) -> std::size_t {
      if (o >= bytes.size()) return 0;
      const std::size_t k = std::min<std::size_t>(n, bytes.size() - o);
      std::memcpy(dst, bytes.data() + o, k);
      return k;
    };
  }
};

MemoryFile big_tiff() {
  MemoryFile f;
  f.layout.big_tiff = true;
  f.layout.header_bytes = 16;
  return f;
}

// A ScanImage-like BigTIFF page: its description at `text` (`chars` long), one strip at `strip`.
std::vector<Entry> page(std::uint64_t text, std::uint64_t chars, std::uint64_t strip) {
  return {{256, 3, 1, 8},      {257, 3, 1, 4}, {258, 3, 1, 16},  {270, 2, chars, text},
          {273, 16, 1, strip}, {277, 3, 1, 1}, {279, 16, 1, 64}, {282, 5, 1, 0x100000048},
          {305, 2, 40, 16},    {339, 3, 1, 2}};
}

}  // namespace

TEST(RepeatedIfd, PagesDifferingInTheirTextAndStripOffsetRepeatTheReference) {
  MemoryFile f = big_tiff();
  const auto first = f.ifd(100, page(1000, 30, 2000));
  const auto second = f.ifd(400, page(1100, 45, 2064));
  fd::RepeatedIfd repeated(f.reader(), f.layout, 4096);
  const std::vector<std::uint64_t> offsets = {2000}, counts = {64};
  repeated.set_reference(first, offsets, counts);
  std::vector<std::uint64_t> got;
  ASSERT_TRUE(repeated.repeats(1, second, got));
  EXPECT_EQ(got, std::vector<std::uint64_t>{2064});
  EXPECT_EQ(std::vector<std::uint64_t>(repeated.counts().begin(), repeated.counts().end()), counts);
}

TEST(RepeatedIfd, AnyOtherDifferenceLeavesThePageToLibtiff) {
  struct Case {
    const char* what;
    std::function<void(std::vector<Entry>&)> change;  // from the reference to the page
    std::function<void(std::vector<Entry>&)> reference = nullptr;
  };
  const std::vector<Case> cases = {
      {"another width", [](auto& e) { e[0].value = 9; }},
      {"another type", [](auto& e) { e[2].type = 4; }},
      {"another resolution", [](auto& e) { e[7].value = 0x100000049; }},
      {"another byte count", [](auto& e) { e[6].value = 60; }},
      {"two strips", [](auto& e) { e[4].count = 2; }},
      {"an extra entry",
       [](auto& e) {
         e.push_back({340, 3, 1, 0});
       }},
      {"an entry fewer", [](auto& e) { e.pop_back(); }},
      {"text in a tag libtiff interprets",
       [](auto& e) {
         e[9] = {339, 2, 2, 0x31};
       },
       [](auto& e) {
         e[9] = {339, 2, 2, 0x30};
       }},
      {"a strip past the end", [](auto& e) { e[4].value = 4090; }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    MemoryFile f = big_tiff();
    auto entries = page(1000, 30, 2000);
    if (c.reference) c.reference(entries);
    const auto first = f.ifd(100, entries);
    c.change(entries);
    const auto second = f.ifd(400, entries);
    fd::RepeatedIfd repeated(f.reader(), f.layout, 4096);
    repeated.set_reference(first, std::vector<std::uint64_t>{2000}, std::vector<std::uint64_t>{64});
    std::vector<std::uint64_t> got;
    EXPECT_FALSE(repeated.repeats(1, second, got));
  }
}

TEST(RepeatedIfd, ReferencesAndPagesLibtiffWouldTreatOtherwiseAreNotRepeated) {
  MemoryFile f = big_tiff();
  const auto first = f.ifd(100, page(1000, 30, 2000));
  fd::RepeatedIfd repeated(f.reader(), f.layout, 4096);
  std::vector<std::uint64_t> got;
  // libtiff estimated the byte count (64 written, 72 used): the written ones cannot be trusted.
  repeated.set_reference(first, std::vector<std::uint64_t>{2000}, std::vector<std::uint64_t>{72});
  EXPECT_FALSE(repeated.repeats(1, first, got));
  // A zero byte count makes libtiff estimate it when the offset is not zero.
  auto zero = page(1000, 30, 2000);
  zero[6].value = 0;
  const auto empty = f.ifd(600, zero);
  repeated.set_reference(empty, std::vector<std::uint64_t>{2000}, std::vector<std::uint64_t>{0});
  EXPECT_FALSE(repeated.repeats(1, empty, got));
  // Two StripOffsets entries and no byte counts (libtiff estimates them): libtiff reads the
  // first entry and ignores the other, which a page could set apart, so such IFDs are left to
  // libtiff.
  auto twice = page(1000, 30, 2000);
  twice[6] = Entry{273, 16, 1, 2000};
  std::swap(twice[5], twice[6]);
  const auto duplicate = f.ifd(900, twice);
  repeated.set_reference(duplicate, std::vector<std::uint64_t>{2000},
                         std::vector<std::uint64_t>{64});
  EXPECT_FALSE(repeated.repeats(1, duplicate, got));
  // The same reference as libtiff read it is repeated by itself, but not from page 2^20 on
  // (libtiff refuses such directory numbers).
  repeated.set_reference(first, std::vector<std::uint64_t>{2000}, std::vector<std::uint64_t>{64});
  EXPECT_TRUE(repeated.repeats(1, first, got));
  EXPECT_TRUE(repeated.repeats((std::size_t(1) << 20) - 1, first, got));
  EXPECT_FALSE(repeated.repeats(std::size_t(1) << 20, first, got));
  // Free text of more than 1 MiB goes to libtiff (which caps its allocations).
  EXPECT_FALSE(repeated.repeats(1, f.ifd(1200, page(1000, (1 << 20) + 1, 2000)), got));
  EXPECT_TRUE(repeated.repeats(1, f.ifd(1200, page(1000, 1 << 20, 2000)), got));
}

TEST(RepeatedIfd, ClassicTiffValuesOutOfLineAreComparedByContent) {
  for (const bool little : {true, false}) {
    SCOPED_TRACE(little ? "little-endian" : "big-endian");
    MemoryFile f;
    f.layout.little_endian = little;
    // Three strips: offsets (LONG) and counts (SHORT) are arrays out of line; the resolution
    // (RATIONAL, 8 bytes) too.
    const auto entries = [](std::uint64_t offsets, std::uint64_t counts, std::uint64_t res) {
      return std::vector<Entry>{{256, 3, 1, 8},       {257, 3, 1, 6}, {258, 3, 1, 16},
                                {273, 4, 3, offsets}, {278, 3, 1, 2}, {279, 3, 3, counts},
                                {282, 5, 1, res}};
    };
    for (std::uint64_t i = 0; i < 3; ++i) {
      f.put(1500 + 4 * i, 2000 + 32 * i, 4);  // page 0's strips
      f.put(1600 + 4 * i, 3000 + 32 * i, 4);  // page 1's
      f.put(1700 + 2 * i, 32, 2);             // both pages' counts (own copies)
      f.put(1800 + 2 * i, 32, 2);
    }
    f.put(1900, 72, 4), f.put(1904, 1, 4);  // resolutions: page 0's, an equal copy, another
    f.put(1910, 72, 4), f.put(1914, 1, 4);
    f.put(1920, 96, 4), f.put(1924, 1, 4);
    const auto first = f.ifd(100, entries(1500, 1700, 1900));
    fd::RepeatedIfd repeated(f.reader(), f.layout, 4096);
    const std::vector<std::uint64_t> offsets = {2000, 2032, 2064}, counts = {32, 32, 32};
    repeated.set_reference(first, offsets, counts);
    std::vector<std::uint64_t> got;
    ASSERT_TRUE(repeated.repeats(1, f.ifd(300, entries(1600, 1800, 1910)), got));
    EXPECT_EQ(got, (std::vector<std::uint64_t>{3000, 3032, 3064}));
    EXPECT_FALSE(repeated.repeats(1, f.ifd(500, entries(1600, 1800, 1920)), got));
  }
}
