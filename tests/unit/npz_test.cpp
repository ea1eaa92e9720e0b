#include "flamecare/npz.hpp"
#include "support/expect_error.hpp"
#include "support/process.hpp"
#include "support/scratch_dir.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "flamecare/error.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;

using TempDir = flamecare::test_support::ScratchDir;

using test_support::expect_kind;
using test_support::slurp;

std::string as_string(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

template <class T>
std::span<const std::byte> bytes_of(const std::vector<T>& v, std::size_t first, std::size_t n) {
  return std::as_bytes(std::span<const T>(v).subspan(first, n));
}

constexpr int kSamples = 3;

// CRC-32 (ISO-HDLC, as ZIP uses it) bit by bit: independent of the zlib flamecare calls.
std::uint32_t crc32_of(std::span<const std::byte> data) {
  std::uint32_t crc = 0xffffffffu;
  for (const std::byte b : data) {
    crc ^= std::to_integer<std::uint32_t>(b);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// The arrays npz_check.py expects: X[s,0,y,x] = 100 s + 10 y + x + 0.5, Y = -X, coords[i,j] =
// 10i+j.
// `placed`: X is reserved and its samples written as blocks, last first, two at once.
void write_example(const fs::path& path, bool zip64, bool placed = false) {
  std::vector<float> x;
  for (int s = 0; s < kSamples; ++s)
    for (int y = 0; y < 4; ++y)
      for (int c = 0; c < 4; ++c) x.push_back(float(s * 100 + y * 10 + c) + 0.5f);
  std::vector<float> y(x);
  for (float& v : y) v = -v;
  std::vector<std::int32_t> coords;
  for (int i = 0; i < kSamples; ++i)
    for (int j = 0; j < 4; ++j) coords.push_back(i * 10 + j);

  // Y's samples 1 and 2 are copied from another file, as patches copies them from its store.
  const fs::path store = path.parent_path() / (path.filename().string() + ".store");
  std::ofstream(store, std::ios::binary)
      .write(reinterpret_cast<const char*>(y.data()), std::streamsize(y.size() * sizeof(float)));
  const int store_fd = ::open(store.c_str(), O_RDONLY);
  ASSERT_GE(store_fd, 0);

  NpzWriter npz(path, zip64);
  std::size_t reserved = 0;
  if (placed) {
    reserved = npz.reserve_array("X", PixelType::kFloat32, {kSamples, 1, 4, 4}, kSamples);
  } else {
    npz.begin_array("X", PixelType::kFloat32, {kSamples, 1, 4, 4});
    // Uneven chunks, one of them empty, to exercise streaming.
    npz.append(bytes_of(x, 0, 5));
    npz.append(bytes_of(x, 5, 0));
    npz.append(bytes_of(x, 5, 30));
    npz.append(bytes_of(x, 35, x.size() - 35));
    npz.end_array();
  }
  npz.begin_array("Y", PixelType::kFloat32, {kSamples, 1, 4, 4});
  npz.append(bytes_of(y, 0, 16));
  for (int s = 1; s < kSamples; ++s) {
    const auto sample = bytes_of(y, std::size_t(s) * 16, 16);
    npz.append_from_file(store_fd, std::uint64_t(s) * 16 * sizeof(float), sample.size(),
                         crc32_of(sample));
  }
  npz.end_array();
  ::close(store_fd);
  fs::remove(store);
  npz.add_unicode_scalar("axes", "SCYX");
  npz.begin_array("coords", PixelType::kInt32, {kSamples, 4});
  npz.append(bytes_of(coords, 0, coords.size()));
  npz.end_array();
  if (placed) {  // after every later array: the gap is filled last
    std::thread other([&] { npz.write_block(reserved, 1, bytes_of(x, 16, 16)); });
    npz.write_block(reserved, 2, bytes_of(x, 32, 16));
    other.join();
    npz.write_block(reserved, 0, bytes_of(x, 0, 16));
    npz.finish();  // durable but not named yet
    EXPECT_FALSE(fs::exists(path));
    expect_kind(ErrorKind::kInvalidArgument,
                [&] { npz.write_block(reserved, 0, bytes_of(x, 0, 16)); });
  }
  npz.commit();
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.commit(); });
}

int run_python_check(const fs::path& file, const char* mode) {
  const fs::path script = fs::path(__FILE__).parent_path().parent_path() / "python/npz_check.py";
  const std::string cmd =
      test_support::test_python() + " '" + script.string() + "' '" + file.string() + "' " + mode;
  return std::system(cmd.c_str());
}

TEST(NpyHeader, LayoutMatchesNumpy) {
  const std::string h = as_string(npy_header("<f4", {3, 1, 4, 4}));
  ASSERT_EQ(h.size() % 64, 0u);
  EXPECT_EQ(h.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t len = std::uint8_t(h[8]) | (std::size_t(std::uint8_t(h[9])) << 8);
  EXPECT_EQ(len + 10, h.size());
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1, 4, 4), }";
  EXPECT_EQ(h.substr(10, dict.size()), dict);
  // numpy leaves 21 - len("3") spaces for the first axis to grow, then pads to 64 bytes.
  EXPECT_EQ(h.find_first_not_of(' ', 10 + dict.size()), h.size() - 1);
  EXPECT_EQ(h.back(), '\n');
  EXPECT_NE(as_string(npy_header("<i4", {7})).find("'shape': (7,), }"), std::string::npos);
  EXPECT_NE(as_string(npy_header("<U4", {})).find("'shape': (), }"), std::string::npos);
}

TEST(NpyHeader, HugeDictUsesVersion2) {
  const std::vector<std::size_t> shape(30000, 1);  // "1, " × 30000 does not fit 65535 bytes
  const std::string h = as_string(npy_header("<f4", shape));
  EXPECT_EQ(h[6], '\x02');
  EXPECT_EQ(h.size() % 64, 0u);
  std::uint32_t len = 0;
  for (int i = 0; i < 4; ++i) len |= std::uint32_t(std::uint8_t(h[8 + i])) << (8 * i);
  EXPECT_EQ(len + 12, h.size());
}

TEST(NpzWriter, NumpyAndCsbdeepLoadChunkedArrays) {
  TempDir dir;
  write_example(dir.path() / "a.npz", false);
  EXPECT_EQ(run_python_check(dir.path() / "a.npz", "plain"), 0);
}

TEST(NpzWriter, ForcedZip64IsZip64AndLoads) {
  TempDir dir;
  write_example(dir.path() / "a.npz", true);
  EXPECT_EQ(run_python_check(dir.path() / "a.npz", "zip64"), 0);
}

TEST(NpzWriter, SameInputGivesIdenticalBytes) {
  TempDir dir;
  write_example(dir.path() / "a.npz", false);
  write_example(dir.path() / "b.npz", false);
  const std::string a = slurp(dir.path() / "a.npz");
  EXPECT_GT(a.size(), 400u);
  EXPECT_EQ(a, slurp(dir.path() / "b.npz"));
}

TEST(NpzWriter, ReservedArrayWrittenInBlocksLoadsAsAppended) {
  TempDir dir;
  for (const bool zip64 : {false, true}) {
    const std::string mode = zip64 ? "zip64" : "plain";
    write_example(dir.path() / (mode + "-placed.npz"), zip64, /*placed=*/true);
    EXPECT_EQ(run_python_check(dir.path() / (mode + "-placed.npz"), mode.c_str()), 0);
    // The same bytes as the streamed archive: offsets, sizes and the combined CRC-32 agree.
    write_example(dir.path() / (mode + ".npz"), zip64);
    EXPECT_EQ(slurp(dir.path() / (mode + "-placed.npz")), slurp(dir.path() / (mode + ".npz")));
  }
}

// More than one writeback batch (16 MiB) of placed blocks (from two threads) and of streamed data,
// their writeback started on the writer's own thread: no descriptor is left open, and the bytes
// are those of a writer without the thread.
TEST(NpzWriter, WritebackOnItsOwnThreadLeavesNoDescriptorOpen) {
  TempDir dir;
  constexpr std::size_t kBlock = 1 << 20;  // floats: 4 MiB
  std::vector<float> data(6 * kBlock);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = float(i % 65521) * 0.25f;
  const auto descriptors = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator());
  };
  const auto before = descriptors();
  for (const bool thread : {false, true}) {
    NpzWriter npz(dir.path() / (thread ? "thread.npz" : "inline.npz"), false, thread);
    const std::size_t x = npz.reserve_array("X", PixelType::kFloat32, {6, kBlock}, 6);
    std::thread other([&] {
      for (std::size_t k : {5, 1, 3}) npz.write_block(x, k, bytes_of(data, k * kBlock, kBlock));
    });
    for (std::size_t k : {0, 4, 2}) npz.write_block(x, k, bytes_of(data, k * kBlock, kBlock));
    other.join();
    npz.begin_array("Y", PixelType::kFloat32, {6, kBlock});
    for (std::size_t k = 0; k < 6; ++k) npz.append(bytes_of(data, k * kBlock, kBlock));
    npz.end_array();
    npz.commit();
  }
  EXPECT_EQ(descriptors(), before);
  const std::string inline_bytes = slurp(dir.path() / "inline.npz");
  EXPECT_GT(inline_bytes.size(), 2 * data.size() * sizeof(float));
  EXPECT_TRUE(inline_bytes == slurp(dir.path() / "thread.npz"));
}

// Large members start their data on a page boundary (a zipalign-style extra field pads the local
// header), so patches of whole pages written in place never share a page; numpy still loads them.
TEST(NpzWriter, LargeMembersStartTheirDataOnAPage) {
  TempDir dir;
  const fs::path path = dir.path() / "a.npz";
  std::vector<float> x(3 * 128 * 128);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 1000) - 0.5f;
  {
    NpzWriter npz(path);
    npz.add_unicode_scalar("axes", "SCYX");  // small: not padded, so X starts at an odd offset
    const std::size_t reserved = npz.reserve_array("X", PixelType::kFloat32, {3, 128, 128}, 3);
    for (std::size_t k : {2, 0, 1})
      npz.write_block(reserved, k, bytes_of(x, k * 128 * 128, 128 * 128));
    npz.begin_array("Y", PixelType::kFloat32, {3, 128, 128});
    npz.append(bytes_of(x, 0, x.size()));
    npz.end_array();
    npz.commit();
  }
  const std::string bytes = slurp(path);
  const auto u16 = [&](std::size_t at) {
    return std::size_t(std::uint8_t(bytes[at])) | std::size_t(std::uint8_t(bytes[at + 1])) << 8;
  };
  // Walk the local headers: axes, X, Y.
  std::size_t at = 0;
  std::vector<std::size_t> data_starts;
  for (int member = 0; member < 3; ++member) {
    ASSERT_EQ(bytes.substr(at, 4), std::string("PK\x03\x04", 4));
    const std::size_t npy = at + 30 + u16(at + 26) + u16(at + 28);
    ASSERT_EQ(bytes.substr(npy, 6), "\x93NUMPY");
    const std::size_t data = npy + 10 + u16(npy + 8);
    data_starts.push_back(data);
    std::uint64_t size = 0;
    for (int i = 0; i < 4; ++i) size |= std::uint64_t(std::uint8_t(bytes[at + 18 + i])) << (8 * i);
    at = npy + size;
  }
  EXPECT_NE(data_starts[0] % 4096, 0u);
  EXPECT_EQ(data_starts[1] % 4096, 0u) << data_starts[1];
  EXPECT_EQ(data_starts[2] % 4096, 0u) << data_starts[2];
  const std::string cmd = test_support::test_python() +
                          " -c \"import numpy as np, sys; d = np.load(sys.argv[1]); "
                          "x = (np.arange(3 * 128 * 128) % 1000 - 0.5).astype(np.float32)"
                          ".reshape(3, 128, 128); "
                          "sys.exit(0 if (d['X'] == x).all() and (d['Y'] == x).all() and "
                          "str(d['axes']) == 'SCYX' else 1)\" '" +
                          path.string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

// An empty array (a validation npz whose images gave no patch) is reserved with zero blocks and
// gives the bytes of the same array streamed.
TEST(NpzWriter, EmptyReservedArrayIsTheStreamedOne) {
  TempDir dir;
  for (const bool reserved : {false, true}) {
    NpzWriter npz(dir.path() / (reserved ? "r.npz" : "s.npz"));
    if (reserved) {
      npz.reserve_array("X", PixelType::kFloat32, {0, 1, 4, 4}, 0);
    } else {
      npz.begin_array("X", PixelType::kFloat32, {0, 1, 4, 4});
      npz.end_array();
    }
    npz.add_unicode_scalar("axes", "SCYX");
    npz.commit();
  }
  EXPECT_EQ(slurp(dir.path() / "r.npz"), slurp(dir.path() / "s.npz"));
}

TEST(NpzWriter, ReservedArrayMisuseIsInvalidArgument) {
  TempDir dir;
  const std::vector<std::uint8_t> data = {1, 2, 3, 4};
  {
    NpzWriter npz(dir.path() / "a.npz");
    npz.begin_array("A", PixelType::kUint8, {2});
    expect_kind(ErrorKind::kInvalidArgument,
                [&] { npz.reserve_array("X", PixelType::kUint8, {4}, 2); });
    npz.append(bytes_of(data, 0, 2));
    npz.end_array();
    expect_kind(ErrorKind::kInvalidArgument,
                [&] { npz.reserve_array("X", PixelType::kUint8, {4}, 3); });
    expect_kind(ErrorKind::kInvalidArgument,
                [&] { npz.reserve_array("X", PixelType::kUint8, {4}, 0); });
    const std::size_t x = npz.reserve_array("X", PixelType::kUint8, {4}, 2);
    expect_kind(ErrorKind::kInvalidArgument,
                [&] { npz.write_block(x + 1, 0, bytes_of(data, 0, 2)); });
    expect_kind(ErrorKind::kInvalidArgument, [&] { npz.write_block(x, 2, bytes_of(data, 0, 2)); });
    expect_kind(ErrorKind::kInvalidArgument, [&] { npz.write_block(x, 0, bytes_of(data, 0, 3)); });
    npz.write_block(x, 1, bytes_of(data, 2, 2));
    expect_kind(ErrorKind::kInvalidArgument, [&] { npz.write_block(x, 1, bytes_of(data, 2, 2)); });
    // Block 0 never written: nothing appears, and the message names the block and the array.
    try {
      npz.commit();
      ADD_FAILURE() << "committed an archive with a missing block";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("block 0 of X.npy (2 blocks) was never written"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(NpzWriter, UncommittedWriterLeavesNoFile) {
  TempDir dir;
  {
    NpzWriter npz(dir.path() / "a.npz");
    npz.add_unicode_scalar("axes", "SCYX");
    npz.begin_array("X", PixelType::kUint8, {2});
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(NpzWriter, MisuseIsInvalidArgument) {
  TempDir dir;
  NpzWriter npz(dir.path() / "a.npz");
  const std::vector<std::uint8_t> data = {1, 2, 3};
  npz.begin_array("X", PixelType::kUint8, {2});
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.begin_array("Y", PixelType::kUint8, {1}); });
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.append(bytes_of(data, 0, 3)); });
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.append_from_file(0, 0, 3, 0); });
  npz.append(bytes_of(data, 0, 1));
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.end_array(); });
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.commit(); });
  npz.append(bytes_of(data, 1, 1));
  npz.end_array();
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.end_array(); });
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.append(bytes_of(data, 0, 1)); });
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.append_from_file(0, 0, 1, 0); });
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.add_unicode_scalar("a", "\xc3\xa9"); });
  npz.commit();
  EXPECT_TRUE(fs::exists(dir.path() / "a.npz"));
  expect_kind(ErrorKind::kInvalidArgument, [&] { npz.begin_array("Z", PixelType::kUint8, {1}); });
}

TEST(NpzWriter, UnwritableDirectoryIsIo) {
  expect_kind(ErrorKind::kIo, [] { NpzWriter npz("/nonexistent_dir_flamecare/a.npz"); });
}

TEST(NpzWriter, ExistingDestinationIsKept) {
  TempDir dir;
  { std::ofstream(dir.path() / "a.npz") << "precious"; }
  NpzWriter npz(dir.path() / "a.npz");
  npz.add_unicode_scalar("axes", "SCYX");
  try {
    npz.commit();
    ADD_FAILURE() << "overwrote an existing file";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAlreadyExists);
    EXPECT_NE(std::string(e.what()).find("a.npz"), std::string::npos);
  }
  EXPECT_EQ(slurp(dir.path() / "a.npz"), "precious");
}

}  // namespace
}  // namespace flamecare
