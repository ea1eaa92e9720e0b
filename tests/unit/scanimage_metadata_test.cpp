// ScanImage header text: tifffile-compatible key rules, MATLAB values, C/F/Z derivation.
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "flamecare/error.hpp"
#include "flamecare/scanimage.hpp"
#include "flamecare/screen.hpp"
#include "io/scanimage_detail.hpp"

namespace fc = flamecare;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kHeaders = std::string(FLAMECARE_FIXTURES_DIR) + "/real/scanimage_2022_headers/";

fc::ScanImageInfo info_from(const std::string& text, std::size_t pages) {
  fc::ScanImageInfo info;
  info.path = "header.tif";
  info.metadata = fc::parse_si_text(text);
  info.pages = pages;
  fc::detail::derive_si_shape(info);
  return info;
}

}  // namespace

TEST(ParseSiText, KeepsRawValuesOfAssignments) {
  const auto m = fc::parse_si_text(
      "SI.a = 1\nSI.b = [1 2;3 4]\r\nSI.c = 'grab'\nSI.d = {'Channel 1' 'Channel 2'}\n"
      "SI.e =\nSI.f = 'x=y'\nSI.g = @scanimage.util.fn\n   SI.h   =   Inf   \n");
  EXPECT_EQ(m.size(), 8u);
  EXPECT_EQ(m.at("SI.a"), "1");
  EXPECT_EQ(m.at("SI.b"), "[1 2;3 4]");
  EXPECT_EQ(m.at("SI.c"), "'grab'");
  EXPECT_EQ(m.at("SI.d"), "{'Channel 1' 'Channel 2'}");
  EXPECT_EQ(m.at("SI.e"), "");
  EXPECT_EQ(m.at("SI.f"), "'x=y'");  // split at the first '='
  EXPECT_EQ(m.at("SI.g"), "@scanimage.util.fn");
  EXPECT_EQ(m.at("SI.h"), "Inf");
}

TEST(ParseSiText, SplitsLegacyCarriageReturnLines) {
  const auto m = fc::parse_si_text("state.acq.numberOfFrames=30\rstate.software.version=3.8\r");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m.at("state.acq.numberOfFrames"), "30");
  EXPECT_EQ(m.at("state.software.version"), "3.8");
}

TEST(ParseSiText, SkipsBlankCommentAndPlainLines) {
  const auto m = fc::parse_si_text("\n\n   \n% SI.comment = 1\nno assignment here\nSI.x = 2\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.at("SI.x"), "2");
}

TEST(ParseSiText, DropsKeysWithBadCharacters) {
  const auto m = fc::parse_si_text(
      "SI.bad key = 1\nSI.x'y = 1\na;b = 1\na[1] = 2\n{a} = 3\n<a> = 4\nSI.ok__2.f = 5\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.at("SI.ok__2.f"), "5");
}

TEST(ParseSiText, LaterDuplicateWins) {
  EXPECT_EQ(fc::parse_si_text("SI.a = 1\nSI.a = 2\n").at("SI.a"), "2");
}

TEST(ParseSiText, MatchesTifffileKeyCountOnRealHeaders) {
  // tifffile 2023.2.3 matlabstr2py gives 425 keys for each of these SI 2022.1 headers.
  for (const char* name : {"software_2ch.txt", "software_vol_2ch.txt", "software_single.txt"}) {
    EXPECT_EQ(fc::parse_si_text(read_text(kHeaders + name)).size(), 425u) << name;
  }
}

TEST(ParseSiText, IsLinearInTextSize) {
  auto make = [](int lines) {
    std::string text;
    for (int i = 0; i < lines; ++i) text += "SI.k" + std::to_string(i) + " = [1 2 3 4 5 6]\n";
    text += "SI.wave = [" + std::string(std::size_t(lines) * 40, '1') + "]\n";
    return text;
  };
  auto time = [](const std::string& text) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto m = fc::parse_si_text(text);
    EXPECT_FALSE(m.empty());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const auto small = make(50000), big = make(400000);  // ~2.5 MB vs ~20 MB
  const double t_small = time(small), t_big = time(big);
  std::cout << "[ parse ] " << small.size() << " B in " << t_small * 1e3 << " ms, " << big.size()
            << " B in " << t_big * 1e3 << " ms\n";
  // 8x the text: a linear parser takes ~8-10x (map insertions add a log factor), a quadratic
  // one ~64x.
  EXPECT_LT(t_big, 25 * t_small + 0.05) << t_small << " s vs " << t_big << " s";
}

TEST(ParseMatlabScalar, NumbersLogicalsAndSpecials) {
  EXPECT_EQ(fc::parse_matlab_scalar("1"), 1.0);
  EXPECT_EQ(fc::parse_matlab_scalar("-5"), -5.0);
  EXPECT_EQ(fc::parse_matlab_scalar("0.0332812"), 0.0332812);
  EXPECT_EQ(fc::parse_matlab_scalar("1.5e-06"), 1.5e-06);
  EXPECT_EQ(fc::parse_matlab_scalar("1e+06"), 1e6);
  EXPECT_EQ(fc::parse_matlab_scalar(" 7 "), 7.0);
  EXPECT_EQ(fc::parse_matlab_scalar("true"), 1.0);
  EXPECT_EQ(fc::parse_matlab_scalar("True"), 1.0);
  EXPECT_EQ(fc::parse_matlab_scalar("false"), 0.0);
  EXPECT_EQ(fc::parse_matlab_scalar("Inf"), INFINITY);
  EXPECT_EQ(fc::parse_matlab_scalar("-Inf"), -INFINITY);
  const auto nan = fc::parse_matlab_scalar("NaN");
  ASSERT_TRUE(nan);
  EXPECT_TRUE(std::isnan(*nan));
}

TEST(ParseMatlabScalar, RejectsNonScalars) {
  for (const char* raw : {"", "'grab'", "[1 2]", "abc", "1 2", "@fn", "<nonscalar struct/object>",
                          "{}", "++1", "1x"}) {
    EXPECT_FALSE(fc::parse_matlab_scalar(raw)) << raw;
  }
}

TEST(ParseMatlabNumbers, VectorsAndMatrices) {
  using V = std::vector<double>;
  EXPECT_EQ(fc::parse_matlab_numbers("[1 2 3]"), V({1, 2, 3}));
  EXPECT_EQ(fc::parse_matlab_numbers("[2016  9 30 16 38 52.040]"), V({2016, 9, 30, 16, 38, 52.04}));
  EXPECT_EQ(fc::parse_matlab_numbers("[1;2]"), V({1, 2}));
  EXPECT_EQ(fc::parse_matlab_numbers("[1 2;3 4]"), V({1, 2, 3, 4}));
  EXPECT_EQ(fc::parse_matlab_numbers("[1,2]"), V({1, 2}));
  EXPECT_EQ(fc::parse_matlab_numbers("[]"), V());
  EXPECT_EQ(fc::parse_matlab_numbers("2"), V({2}));
  EXPECT_EQ(fc::parse_matlab_numbers("[1 Inf]"), V({1, INFINITY}));
  EXPECT_EQ(fc::parse_matlab_numbers("[true false]"), V({1, 0}));
}

TEST(ParseMatlabNumbers, RejectsTextAndCells) {
  for (const char* raw : {"{'a' 'b'}", "['a']", "'x'", "[1 x]", "{[0 551] [-9 200]}", "[1 2"}) {
    EXPECT_FALSE(fc::parse_matlab_numbers(raw)) << raw;
  }
}

TEST(DeriveSiShape, RealHeadersFollowScanImageMd) {
  struct Case {
    const char* file;
    int c, f, z;
  };
  // C = numel(channelSave); F = framesPerSlice / logAverageFactor; Z = actualNumSlices
  // (numSlices = 11 is stale in all of them).
  for (const Case& k :
       {Case{"software_2ch.txt", 2, 10, 1}, Case{"software_single.txt", 1, 5000, 1},
        Case{"software_frames_per_slice.txt", 1, 20, 7},
        Case{"software_frames_per_slice_1vol.txt", 1, 20, 7},
        Case{"software_log_average.txt", 1, 5, 7}, Case{"software_split.txt", 1, 1, 3},
        Case{"software_vol_2ch.txt", 2, 1, 7}}) {
    const auto info = info_from(read_text(kHeaders + k.file), 100);
    EXPECT_EQ(info.channels, k.c) << k.file;
    EXPECT_EQ(info.frames, k.f) << k.file;
    EXPECT_EQ(info.slices, k.z) << k.file;
    EXPECT_EQ(info.scanimage_version, "2022.1") << k.file;
  }
  EXPECT_EQ(info_from(read_text(kHeaders + "software_2ch.txt"), 1).saved_channels,
            std::vector<int>({1, 2}));
}

TEST(DeriveSiShape, ChannelSaveForms) {
  const std::string rest = "SI.hStackManager.framesPerSlice = 4\nSI.VERSION_MAJOR = '2016'\n";
  auto ids = [&](const std::string& save) {
    return info_from("SI.hChannels.channelSave = " + save + "\n" + rest, 8).saved_channels;
  };
  EXPECT_EQ(ids("2"), std::vector<int>({2}));
  EXPECT_EQ(ids("[1;2]"), std::vector<int>({1, 2}));
  EXPECT_EQ(ids("[1 2]"), std::vector<int>({1, 2}));
  EXPECT_EQ(ids("[1;2;4]"), std::vector<int>({1, 2, 4}));
  EXPECT_EQ(info_from("SI.hChannels.channelSave = 2\n" + rest, 4).scanimage_version, "2016");
}

TEST(DeriveSiShape, InfiniteFramesComeFromPages) {
  const auto info =
      info_from("SI.hChannels.channelSave = [1;2]\nSI.hStackManager.framesPerSlice = Inf\n", 12);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.frames, 6);
  EXPECT_EQ(info.slices, 1);
}

TEST(DeriveSiShape, Si5PrefixedKeys) {
  const auto info = info_from(
      "scanimage.SI.hChannels.channelSave = [1;2]\nscanimage.SI.hStackManager.framesPerSlice = "
      "3\nscanimage.SI.hStackManager.numSlices = 2\n",
      12);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.frames, 3);
  EXPECT_EQ(info.slices, 2);
}

TEST(DeriveSiShape, LegacyStateKeys) {
  const auto info = info_from(
      "state.software.version=3.8\rstate.acq.numberOfFrames=30\rstate.acq.numberOfZSlices=1\r"
      "state.acq.numberOfChannelsSave=2\rstate.acq.savingChannel1=1\rstate.acq.savingChannel2=0\r"
      "state.acq.savingChannel3=1\r",
      60);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.frames, 30);
  EXPECT_EQ(info.slices, 1);
  EXPECT_EQ(info.saved_channels, std::vector<int>({1, 3}));
  EXPECT_EQ(info.scanimage_version, "3.8");
}

TEST(DeriveSiShape, MissingChannelSaveIsUnsupported) {
  try {
    info_from("SI.hStackManager.framesPerSlice = 3\n", 3);
    FAIL() << "no exception";
  } catch (const fc::Error& e) {
    EXPECT_EQ(e.kind(), fc::ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("header.tif"), std::string::npos);
  }
  EXPECT_THROW(info_from("SI.hChannels.channelSave = {'a'}\n", 3), fc::Error);
}

// Issue 7: header counts whose int product overflowed to 0 ended in SIGFPE (pages / (C·Z)).
// Every count and channel id is range-checked; out of range is `corrupt`, naming key and value.
TEST(DeriveSiShape, OutOfRangeHeaderNumbersAreCorruptNotACrash) {
  const auto expect_corrupt = [](const std::string& text, const std::string& fragment) {
    try {
      info_from(text, 4);
      ADD_FAILURE() << "no exception for " << text;
    } catch (const fc::RawFileError& e) {
      EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt) << e.what();
      EXPECT_EQ(e.reason(), fc::ScreenReason::kCorrupt) << e.what();
      EXPECT_NE(e.detail().find(fragment), std::string::npos) << e.detail();
      EXPECT_NE(std::string(e.what()).find("header.tif: "), std::string::npos) << e.what();
    }
  };
  expect_corrupt(
      "state.software.version=3.8\rstate.acq.numberOfChannelsSave=65536\r"
      "state.acq.numberOfZSlices=65536\r",
      "state.acq.numberOfChannelsSave = 65536 is out of range (1..64)");
  expect_corrupt(
      "state.software.version=3.8\rstate.acq.numberOfChannelsSave=2\r"
      "state.acq.numberOfZSlices=2147483648\r",
      "state.acq.numberOfZSlices = 2147483648 is out of range (1..1000000)");
  expect_corrupt("state.acq.numberOfFrames=1e12\r",
                 "state.acq.numberOfFrames = 1e12 is out of range (1..1000000000)");
  expect_corrupt(
      "scanimage.SI.hChannels.channelSave = [1;2;3;4;5;6;7;8]\n"
      "scanimage.SI.hStackManager.numSlices = 536870912\n"
      "scanimage.SI.hStackManager.framesPerSlice = Inf\n",
      "SI.hStackManager.numSlices = 536870912 is out of range (1..1000000)");
  expect_corrupt("SI.hChannels.channelSave = [1 1e300]\n",
                 "a channel id of SI.hChannels.channelSave = 1e+300 is out of range (1..64)");
  expect_corrupt("SI.hChannels.channelSave = 0\n", "= 0 is out of range (1..64)");
  std::string many = "SI.hChannels.channelSave = [";
  for (int i = 1; i <= 65; ++i) many += std::to_string(i % 64 + 1) + " ";
  expect_corrupt(many + "]\n", "ids = 65 is out of range (1..64)");
  expect_corrupt("SI.hChannels.channelSave = 1\nSI.hStackManager.framesPerSlice = 4294967296\n",
                 "SI.hStackManager.framesPerSlice = 4294967296 is out of range");
}

TEST(DeriveSiShape, LargestInRangeCountsGiveZeroFramesNotACrash) {
  // 64 channels x 1,000,000 slices with 4 pages: no frame fits; screening says frames_mismatch.
  const auto info = info_from(
      "state.software.version=3.8\rstate.acq.numberOfChannelsSave=64\r"
      "state.acq.numberOfZSlices=1000000\r",
      4);
  EXPECT_EQ(info.channels, 64);
  EXPECT_EQ(info.slices, 1000000);
  EXPECT_EQ(info.frames, 0);
}
