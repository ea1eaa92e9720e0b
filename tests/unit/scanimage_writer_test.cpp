// write_scanimage_tiff / write_tile_data: bytes checked with a tiny independent BigTIFF walker,
// plus a tifffile cross-check through the test Python (make venv).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/synth.hpp"
#include "io/atomic_file.hpp"
#include "support/process.hpp"
#include "unit/raw_bigtiff.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;
using synth_test::get;
using synth_test::temp_dir;
using synth_test::walk;

double formula(int page, int y, int x) { return page * 1000.0 + y * 10.0 + x - 300.25; }

template <class T>
T expected(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    const double r = std::round(v);
    if (r < double(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (r > double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  }
}

template <class T>
void check_round_trip(PixelType type, std::uint16_t sample_format) {
  const fs::path dir = temp_dir(std::string(pixel_type_name(type)));
  const StackSpec spec{.frames = 3, .channels = 2, .height = 5, .width = 7, .pixel_type = type};
  const fs::path file = dir / "a.tif";
  write_scanimage_tiff(file, spec, formula);
  const std::string bytes = detail::read_file(file);
  const auto pages = walk(bytes);
  ASSERT_EQ(pages.size(), 6u);
  for (int p = 0; p < 6; ++p) {
    const auto& tags = pages[p].tags;
    EXPECT_EQ(tags.size(), 18u);
    EXPECT_EQ(tags.at(256).second, 7u);
    EXPECT_EQ(tags.at(257).second, 5u);
    EXPECT_EQ(tags.at(258).second, sizeof(T) * 8);
    EXPECT_EQ(tags.at(339).second, sample_format);
    EXPECT_EQ(tags.at(279).second, 35 * sizeof(T));
    EXPECT_EQ(pages[p].ifd % 8, 0u);
    const std::uint64_t strip = tags.at(273).second;
    for (int y = 0; y < 5; ++y) {
      for (int x = 0; x < 7; ++x) {
        const T v = get<T>(bytes, strip + (std::uint64_t(y) * 7 + x) * sizeof(T));
        ASSERT_EQ(v, expected<T>(formula(p, y, x))) << p << " " << y << " " << x;
      }
    }
    const auto desc = bytes.substr(tags.at(270).second, tags.at(270).first);
    EXPECT_EQ(desc.rfind(fmt::format("frameNumbers = {}\n", p / 2 + 1), 0), 0u) << desc;
    EXPECT_EQ(desc.back(), '\0');
  }
  EXPECT_EQ(pages.back().tags.at(273).second + 35 * sizeof(T), bytes.size());
  fs::remove_all(dir);
}

TEST(ScanImageWriter, RoundTripsEveryPixelType) {
  check_round_trip<std::int8_t>(PixelType::kInt8, 2);
  check_round_trip<std::uint8_t>(PixelType::kUint8, 1);
  check_round_trip<std::int16_t>(PixelType::kInt16, 2);
  check_round_trip<std::uint16_t>(PixelType::kUint16, 1);
  check_round_trip<std::int32_t>(PixelType::kInt32, 2);
  check_round_trip<std::uint32_t>(PixelType::kUint32, 1);
  check_round_trip<float>(PixelType::kFloat32, 3);
}

TEST(ScanImageWriter, RoundsToNearestAndSaturates) {
  const fs::path dir = temp_dir("saturate");
  const std::vector<double> in = {-3.6, -0.4, 2.5, 2.49, 254.6, 300.0, NAN, -1e9};
  const std::vector<std::uint8_t> want = {0, 0, 3, 2, 255, 255, 0, 0};
  const StackSpec spec{
      .frames = 1, .channels = 1, .height = 1, .width = 8, .pixel_type = PixelType::kUint8};
  write_scanimage_tiff(dir / "s.tif", spec, [&](int, int, int x) { return in[x]; });
  const std::string bytes = detail::read_file(dir / "s.tif");
  const auto strip = walk(bytes).at(0).tags.at(273).second;
  for (int x = 0; x < 8; ++x) EXPECT_EQ(get<std::uint8_t>(bytes, strip + x), want[x]) << x;
  fs::remove_all(dir);
}

TEST(ScanImageWriter, HeaderBytesFollowScanImageLayout) {
  const fs::path dir = temp_dir("header");
  for (int version : {3, 4}) {
    const StackSpec spec{
        .frames = 2, .channels = 1, .height = 4, .width = 6, .header_version = version};
    write_scanimage_tiff(dir / "h.tif", spec, formula);
    const std::string bytes = detail::read_file(dir / "h.tif");
    EXPECT_EQ(bytes.substr(0, 8), std::string("II\x2b\0\x08\0\0\0", 8));
    EXPECT_EQ(bytes.substr(16, 4), std::string("\x01\x03\x03\x07", 4));
    EXPECT_EQ(get<std::uint32_t>(bytes, 20), std::uint32_t(version));
    const auto size0 = get<std::uint32_t>(bytes, 24);
    const auto size1 = get<std::uint32_t>(bytes, 28);
    const auto first_ifd = get<std::uint64_t>(bytes, 8);
    EXPECT_EQ(first_ifd, (32 + size0 + size1 + 7) / 8 * 8);
    EXPECT_EQ(bytes[32 + size0 - 1], '\0');
    EXPECT_EQ(bytes[32 + size0 + size1 - 1], '\0');
    const std::string text = bytes.substr(32, size0 - 1);
    EXPECT_EQ(text.rfind("SI.", 0), 0u);
    EXPECT_NE(text.find(fmt::format("SI.TIFF_FORMAT_VERSION = {}\n", version)), std::string::npos);
    EXPECT_NE(text.find("SI.hChannels.channelSave = 1\n"), std::string::npos);
    EXPECT_NE(text.find("SI.hStackManager.framesPerSlice = Inf\n"), std::string::npos);
    const auto roi = nlohmann::json::parse(bytes.substr(32 + size0, size1 - 1));
    EXPECT_TRUE(roi.contains("RoiGroups"));
    for (const auto& page : walk(bytes)) {
      EXPECT_EQ(page.tags.at(305), std::make_pair(std::uint64_t(size0), std::uint64_t(32)));
      EXPECT_EQ(page.tags.at(315), std::make_pair(std::uint64_t(size1), 32 + std::uint64_t(size0)));
    }
  }
  fs::remove_all(dir);
}

TEST(ScanImageWriter, ChannelSaveListsIdsFromFirstChannel) {
  const fs::path dir = temp_dir("channels");
  const StackSpec spec{.frames = 1,
                       .channels = 3,
                       .height = 2,
                       .width = 2,
                       .frames_per_slice = 1,
                       .first_channel_id = 2};
  write_scanimage_tiff(dir / "c.tif", spec, formula);
  const std::string bytes = detail::read_file(dir / "c.tif");
  const std::string text = bytes.substr(32, get<std::uint32_t>(bytes, 24));
  EXPECT_NE(text.find("SI.hChannels.channelSave = [2;3;4]\n"), std::string::npos);
  EXPECT_NE(text.find("SI.hStackManager.framesPerSlice = 1\n"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ScanImageWriter, LeavesNoTemporaryFiles) {
  const fs::path dir = temp_dir("atomic");
  write_scanimage_tiff(dir / "ok.tif", StackSpec{.frames = 2, .height = 3, .width = 3}, formula);
  const auto filler_throws = [](int page, int, int) -> double {
    if (page == 2) throw Error(ErrorKind::kInternal, "boom");
    return 1.0;
  };
  EXPECT_THROW(write_scanimage_tiff(dir / "bad.tif",
                                    StackSpec{.frames = 2, .height = 3, .width = 3}, filler_throws),
               Error);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"ok.tif"});
  fs::remove_all(dir);
}

ErrorKind kind_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no Error thrown";
  return ErrorKind::kInternal;
}

TEST(ScanImageWriter, RejectsBadSpecsAndUnwritablePaths) {
  const fs::path dir = temp_dir("errors");
  const auto write = [&](StackSpec spec, fs::path path) {
    return [=] { write_scanimage_tiff(path, spec, formula); };
  };
  const fs::path ok = dir / "x.tif";
  EXPECT_EQ(kind_of(write(StackSpec{.frames = 0}, ok)), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of(write(StackSpec{.channels = 0}, ok)), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of(write(StackSpec{.width = 70000}, ok)), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of(write(StackSpec{.header_version = 5}, ok)), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of(write(StackSpec{.pixel_type = PixelType::kFloat64}, ok)),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of(write(StackSpec{.frames_per_slice = 0}, ok)), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of(write(StackSpec{.first_channel_id = 0}, ok)), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of(write(StackSpec{.frames = 1}, dir / "missing" / "x.tif")), ErrorKind::kIo);
  EXPECT_FALSE(fs::exists(ok));
  EXPECT_EQ(kind_of([&] { write_tile_data(ok, TileDataSpec{.channels = 0}); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of([&] { write_tile_data(dir / "missing" / "x.tif", TileDataSpec{}); }),
            ErrorKind::kIo);
  fs::remove_all(dir);
}

TEST(TileDataWriter, WritesRequiredAndOptionalKeys) {
  const fs::path dir = temp_dir("tiledata");
  write_tile_data(dir / "Im_00001.tif", TileDataSpec{.tile_id = 3,
                                                     .frames_per_tile = 8,
                                                     .channels = 2,
                                                     .height = 16,
                                                     .width = 12,
                                                     .bidirectional_correction = -3});
  write_tile_data(dir / "Im_00002.tif", TileDataSpec{.channels = 1});
  const auto a = nlohmann::json::parse(detail::read_file(dir / "Im_00001.tileData.txt"));
  const auto& t = a.at("TileData");
  for (const char* key :
       {"tileID", "tileResolution", "tileChannelsAvailable", "channelsAcquired", "channelsSaved",
        "framesPerTile", "tileScannedThisFile", "tileZs", "tileAffine", "displayAvgFactor",
        "tileSamplePointXY", "tileSizeUm", "tileCornerPtsUm", "isFastZ", "numTilesToScan"}) {
    EXPECT_TRUE(t.contains(key)) << key;
  }
  EXPECT_EQ(t.at("tileID"), 3);
  EXPECT_EQ(t.at("framesPerTile"), 8);
  EXPECT_EQ(t.at("tileResolution"), nlohmann::json({16, 12}));
  EXPECT_EQ(t.at("channelsSaved"), nlohmann::json({1, 2}));
  EXPECT_EQ(t.at("bidirectionalCorrection"), -3);
  const auto b = nlohmann::json::parse(detail::read_file(dir / "Im_00002.tileData.txt"));
  EXPECT_FALSE(b.at("TileData").contains("bidirectionalCorrection"));
  EXPECT_EQ(b.at("TileData").at("channelsSaved"), nlohmann::json({1}));
  fs::remove_all(dir);
}

// tifffile (the reference reader of the original notebooks) must see a ScanImage file with the
// right version, squeezed series shape, dtype and every pixel.
TEST(ScanImageWriter, TifffileReadsFormulaStacks) {
  const fs::path dir = temp_dir("tifffile");
  struct Case {
    StackSpec spec;
    std::string dtype, shape;
  };
  const std::vector<Case> cases = {
      {{.frames = 4, .channels = 2, .height = 5, .width = 6, .frames_per_slice = 4},
       "int16",
       "(4, 2, 5, 6)"},
      {{.frames = 3,
        .channels = 1,
        .height = 5,
        .width = 6,
        .pixel_type = PixelType::kUint16,
        .header_version = 3},
       "uint16",
       "(3, 5, 6)"},
      {{.frames = 2, .channels = 3, .height = 4, .width = 3, .pixel_type = PixelType::kFloat32},
       "float32",
       "(2, 3, 4, 3)"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const fs::path file = dir / fmt::format("t{}.tif", i);
    write_scanimage_tiff(file, c.spec, formula);
    const std::string script = fmt::format(
        "import numpy as np, tifffile\n"
        "t = tifffile.TiffFile('{0}')\n"
        "assert t.is_scanimage\n"
        "assert t.scanimage_metadata['version'] == {1}, t.scanimage_metadata['version']\n"
        "s = t.series[0]\n"
        "a = s.asarray()\n"
        "assert str(a.dtype) == '{2}', a.dtype\n"
        "assert a.shape == {3}, a.shape\n"
        "F, C, Y, X = {4}, {5}, {6}, {7}\n"
        "p, y, x = np.meshgrid(np.arange(F * C), np.arange(Y), np.arange(X), indexing='ij')\n"
        "v = p * 1000.0 + y * 10.0 + x - 300.25\n"
        "info = np.iinfo(a.dtype) if a.dtype.kind in 'iu' else None\n"
        "w = np.clip(np.floor(v + 0.5), info.min, info.max) if info else v\n"
        "assert np.array_equal(a.reshape(-1), w.astype(a.dtype).reshape(-1))\n",
        file.string(), c.spec.header_version, c.dtype, c.shape, c.spec.frames, c.spec.channels,
        c.spec.height, c.spec.width);
    const fs::path py = dir / "check.py";
    std::ofstream(py) << script;
    EXPECT_EQ(std::system(fmt::format("{} {}", test_support::test_python(), py.string()).c_str()),
              0)
        << script;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace flamecare
