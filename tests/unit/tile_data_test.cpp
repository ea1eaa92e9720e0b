// FLAME tileData sidecars: required/optional keys, validation and error kinds.
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <tuple>

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/tile_data.hpp"

namespace fc = flamecare;
namespace fs = std::filesystem;

namespace {

nlohmann::json good_tile() {
  return nlohmann::json::parse(R"({"TileData": {
    "tileID": 7, "tileResolution": [512, 256], "tileChannelsAvailable": 4,
    "channelsAcquired": [1, 2], "channelsSaved": [1, 2], "framesPerTile": 40,
    "tileScannedThisFile": true, "tileZs": [0], "bidirectionalCorrection": -3,
    "tileAffine": [[1,0,0],[0,1,0],[0,0,1]], "displayAvgFactor": 1, "isFastZ": false,
    "someFutureKey": {"a": 1}}})");
}

fc::Error parse_error(const std::string& text) {
  try {
    fc::parse_tile_data(text, "x.tileData.txt");
  } catch (const fc::Error& e) {
    return e;
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return fc::Error(fc::ErrorKind::kInternal, "none");
}

bool contains(const fc::Error& e, const std::string& s) {
  return std::string(e.what()).find(s) != std::string::npos;
}

}  // namespace

TEST(TileData, PathReplacesLastExtension) {
  EXPECT_EQ(fc::tile_data_path("/d/Im_00001.tif"), fs::path("/d/Im_00001.tileData.txt"));
  EXPECT_EQ(fc::tile_data_path("/d/a.b.TIFF"), fs::path("/d/a.b.tileData.txt"));
  EXPECT_EQ(fc::tile_data_path("rel/x.tif"), fs::path("rel/x.tileData.txt"));
}

TEST(TileData, ParsesRequiredOptionalAndUnknownKeys) {
  const auto t = fc::parse_tile_data(good_tile().dump(), "x.tileData.txt");
  EXPECT_EQ(t.tile_id, 7);
  EXPECT_EQ(t.frames_per_tile, 40);
  EXPECT_EQ(t.bidirectional_correction, -3);
  EXPECT_EQ(t.tile_resolution, "[512,256]");
  EXPECT_EQ(t.channels_saved, "[1,2]");
  EXPECT_EQ(nlohmann::json::parse(t.raw_json), good_tile()["TileData"]);  // unknown key kept
}

TEST(TileData, OptionalKeysMayBeAbsentAndIntegralFloatsAccepted) {
  auto j = good_tile();
  j["TileData"].erase("bidirectionalCorrection");
  j["TileData"]["framesPerTile"] = 40.0;
  auto t = fc::parse_tile_data(j.dump(), "s");
  EXPECT_FALSE(t.bidirectional_correction);
  EXPECT_EQ(t.frames_per_tile, 40);
  j["TileData"]["bidirectionalCorrection"] = 2.0;
  EXPECT_EQ(fc::parse_tile_data(j.dump(), "s").bidirectional_correction, 2);
}

TEST(TileData, MissingRequiredKeyIsNamed) {
  for (const char* key : {"tileID", "tileResolution", "tileChannelsAvailable", "channelsAcquired",
                          "channelsSaved", "framesPerTile", "tileScannedThisFile", "tileZs"}) {
    auto j = good_tile();
    j["TileData"].erase(key);
    const auto e = parse_error(j.dump());
    EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
    EXPECT_TRUE(contains(e, std::string("required key \"") + key + "\"")) << e.what();
    EXPECT_TRUE(contains(e, "x.tileData.txt")) << e.what();
  }
}

TEST(TileData, BadValuesNameKeyAndValue) {
  for (const char* v : {"0", "-4", "2.5", "\"40\"", "null", "[40]"}) {
    auto j = good_tile();
    j["TileData"]["framesPerTile"] = nlohmann::json::parse(v);
    const auto e = parse_error(j.dump());
    EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
    EXPECT_TRUE(contains(e, std::string("framesPerTile must be a positive integer, got ") + v))
        << e.what();
  }
  for (const char* v : {"1.5", "\"2\"", "true"}) {
    auto j = good_tile();
    j["TileData"]["bidirectionalCorrection"] = nlohmann::json::parse(v);
    const auto e = parse_error(j.dump());
    EXPECT_TRUE(contains(e, std::string("bidirectionalCorrection must be a whole number of "
                                        "pixels, got ") +
                                v))
        << e.what();
  }
}

TEST(TileData, MalformedJsonGivesPosition) {
  const auto e = parse_error("{\"TileData\": {\"tileID\": 1,,}}");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
  EXPECT_TRUE(contains(e,
                       "malformed JSON at byte 27 (line 1, column 27): syntax error while "
                       "parsing object key"))
      << e.what();
  EXPECT_TRUE(contains(parse_error("[1, 2]"), "no \"TileData\" object"));
  EXPECT_TRUE(contains(parse_error("{\"TileData\": 3}"), "no \"TileData\" object"));
  EXPECT_EQ(parse_error("").kind(), fc::ErrorKind::kCorrupt);
}

TEST(TileData, ReadFileKinds) {
  const auto dir = fs::temp_directory_path() / ("flamecare_tile_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  try {
    fc::read_tile_data(dir / "none.tileData.txt");
    FAIL();
  } catch (const fc::Error& e) {
    EXPECT_EQ(e.kind(), fc::ErrorKind::kNotFound);
  }
  std::ofstream(dir / "a.tileData.txt") << good_tile().dump(2);
  EXPECT_EQ(fc::read_tile_data(dir / "a.tileData.txt").frames_per_tile, 40);
  std::ofstream(dir / "b.tileData.txt") << "{\"TileData\": ";
  try {
    fc::read_tile_data(dir / "b.tileData.txt");
    FAIL();
  } catch (const fc::Error& e) {
    EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
    EXPECT_TRUE(contains(e, (dir / "b.tileData.txt").string())) << e.what();
  }
  fs::remove_all(dir);
}

// Issue 7: text that is not UTF-8 JSON, or nested deeply enough to overflow nlohmann's recursive
// value handling, is refused before parsing with a message that says what it is.
TEST(TileData, DeepUtf16AndNonUtf8TextIsRefusedBeforeParsing) {
  const std::string deep = "{\"TileData\": {\"tileResolution\": " + std::string(100000, '[') +
                           std::string(100000, ']') + "}}";
  EXPECT_TRUE(contains(parse_error(deep), "JSON nested deeper than 64 levels (at byte 94)"));
  std::string nested = "{\"TileData\": " + good_tile()["TileData"].dump() + "}";
  nested.insert(nested.find("[512"), std::string(61, '['));
  nested.insert(nested.find("256]") + 4, std::string(61, ']'));
  EXPECT_EQ(fc::parse_tile_data(nested, "s").frames_per_tile, 40);  // 64 levels are fine
  // Brackets inside strings do not count.
  auto j = good_tile();
  j["TileData"]["note"] = std::string(1000, '[') + "\"\\";
  EXPECT_EQ(fc::parse_tile_data(j.dump(), "s").frames_per_tile, 40);
  std::string utf16("\xFF\xFE", 2);
  for (const char c : good_tile().dump()) utf16 += std::string{c, '\0'};
  EXPECT_TRUE(contains(parse_error(utf16), "looks like UTF-16 text (byte-order mark FF FE)"));
  EXPECT_TRUE(contains(parse_error(utf16.substr(2)), "has a NUL byte at byte 1"));
  const auto latin1 = parse_error("{\"TileData\": {\"caf\xE9\": 1}}");
  EXPECT_TRUE(contains(latin1, "is not UTF-8 text (byte E9 at byte 18)")) << latin1.what();
  EXPECT_EQ(fc::parse_tile_data("\xEF\xBB\xBF" + good_tile().dump(), "s").tile_id, 7);  // BOM
}

// Found by fuzz_tile_data: nlohmann throws out_of_range (not parse_error) for a number beyond
// double's range; it escaped parse_tile_data instead of being Error(kCorrupt).
TEST(TileData, NumbersBeyondDoubleAreCorrupt) {
  const auto e = parse_error("{\"TileData\": {\"framesPerTile\": 1E1111111111111111111111}}");
  EXPECT_EQ(e.kind(), fc::ErrorKind::kCorrupt);
  EXPECT_TRUE(contains(e, "x.tileData.txt: unreadable JSON: number overflow parsing")) << e.what();
}

// Issue 12: messages never show the JSON parser's internal ids
// ("[json.exception.parse_error.101]").
TEST(TileData, MessagesCarryNoParserIds) {
  for (const std::string text :
       {"{\"TileData\": {", "", "{\"TileData\": {\"tileID\": 1,,}}", "[1, 2",
        "{\"TileData\": {\"framesPerTile\": 1E1111111111111111111111}}", "nul"}) {
    const auto e = parse_error(text);
    EXPECT_FALSE(contains(e, "json.exception")) << e.what();
    EXPECT_FALSE(contains(e, "parse_error.")) << e.what();
    EXPECT_TRUE(contains(e, "x.tileData.txt: ")) << e.what();
  }
}

TEST(TileData, OnlyRegularFilesOfBoundedSizeAreRead) {
  const auto dir = fs::temp_directory_path() / ("flamecare_tile2_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "d.tileData.txt");
  const auto kind_of = [](const fs::path& p) {
    try {
      fc::read_tile_data(p);
    } catch (const fc::Error& e) {
      return std::make_pair(e.kind(), std::string(e.what()));
    }
    return std::make_pair(fc::ErrorKind::kInternal, std::string("no error"));
  };
  auto [kind, what] = kind_of(dir / "d.tileData.txt");
  EXPECT_EQ(kind, fc::ErrorKind::kIo);
  EXPECT_NE(what.find("is a directory, not a regular file"), std::string::npos) << what;
  ASSERT_EQ(::mkfifo((dir / "f.tileData.txt").c_str(), 0644), 0);
  std::tie(kind, what) = kind_of(dir / "f.tileData.txt");  // returns at once, never blocks
  EXPECT_NE(what.find("is a FIFO, not a regular file"), std::string::npos) << what;
  std::ofstream(dir / "big.tileData.txt") << std::string(fc::kMaxSidecarBytes + 1, ' ');
  std::tie(kind, what) = kind_of(dir / "big.tileData.txt");
  EXPECT_EQ(kind, fc::ErrorKind::kUnsupported);
  EXPECT_NE(what.find("more than the 4194304 bytes allowed"), std::string::npos) << what;
  fs::remove_all(dir);
}
