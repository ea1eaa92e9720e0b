// inspect_raw_image / format_inspect_json: the TIFF's facts, the sidecar's path and state
// (missing / valid / invalid with the reason, also when the TIFF is unusable), and folders.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flamecare/inspect.hpp"
#include "flamecare/synth.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"

namespace fc = flamecare;
namespace fs = std::filesystem;
using fc::test_support::ScratchDir;

namespace {

const fs::path kImageJ = fs::path(FLAMECARE_FIXTURES_DIR) / "real/tiffstack/TS_UnitTestImage.tif";

// A usable synthetic stack (3 frames, 2 channels, 8 x 6) with its sidecar.
fs::path good_stack(const ScratchDir& dir, const std::string& name) {
  fc::StackSpec spec;
  spec.frames = 3;
  spec.height = 8;
  spec.width = 6;
  const auto file = dir / name;
  fc::write_scanimage_tiff(file, spec, [](int p, int y, int x) { return p + y + x; });
  fc::TileDataSpec tile;
  tile.frames_per_tile = 3;
  tile.height = 8;
  tile.width = 6;
  tile.bidirectional_correction = 1;
  fc::write_tile_data(file, tile);
  return file;
}

nlohmann::json json_of(const fs::path& file) {
  return nlohmann::json::parse(fc::format_inspect_json(fc::inspect_raw_image(file)));
}

}  // namespace

TEST(Inspect, UsableStackWithValidSidecar) {
  ScratchDir dir;
  const auto file = good_stack(dir, "a.tif");
  const auto r = fc::inspect_raw_image(file);
  EXPECT_TRUE(r.screen.usable());
  EXPECT_EQ(r.file_size, fs::file_size(file));
  EXPECT_EQ(r.sidecar.path, dir / "a.tileData.txt");
  EXPECT_EQ(r.sidecar.state, fc::SidecarState::kValid);
  ASSERT_TRUE(r.sidecar.tile.has_value());
  EXPECT_EQ(r.sidecar.tile->frames_per_tile, 3);
  EXPECT_EQ(r.sidecar.problem, "");
  const auto j = json_of(file);
  const auto ordered = nlohmann::ordered_json::parse(fc::format_inspect_json(r));
  std::vector<std::string> keys;
  for (auto it = ordered.begin(); it != ordered.end(); ++it) keys.push_back(it.key());
  // The keys the README lists, in order, the sidecar's path and state after `sidecar`.
  const std::vector<std::string> expected = {"file",
                                             "format",
                                             "scanimage_version",
                                             "header_version",
                                             "frames",
                                             "channels",
                                             "slices",
                                             "height",
                                             "width",
                                             "dtype",
                                             "pages",
                                             "file_size",
                                             "sidecar",
                                             "sidecar_path",
                                             "sidecar_state",
                                             "sidecar_problem",
                                             "usable",
                                             "reason"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(j["frames"], 3);
  EXPECT_EQ(j["channels"], 2);
  EXPECT_EQ(j["sidecar"]["frames_per_tile"], 3);
  EXPECT_EQ(j["sidecar"]["bidirectional_correction"], 1);
  EXPECT_EQ(j["sidecar_path"], (dir / "a.tileData.txt").string());
  EXPECT_EQ(j["sidecar_state"], "valid");
  EXPECT_EQ(j["sidecar_problem"], "");
  EXPECT_EQ(j["usable"], true);
  EXPECT_EQ(j["reason"], "");
}

// Issue 12: `sidecar: none` for a malformed sidecar; now its state and the reason, without the
// JSON parser's internal ids and without repeating the path.
TEST(Inspect, MalformedSidecarIsInvalidWithTheReason) {
  ScratchDir dir;
  const auto file = good_stack(dir, "b.tif");
  std::ofstream(dir / "b.tileData.txt") << "{\"TileData\": {";
  const auto r = fc::inspect_raw_image(file);
  EXPECT_EQ(r.screen.reason_code(), "bad_sidecar");
  EXPECT_EQ(r.sidecar.state, fc::SidecarState::kInvalid);
  EXPECT_FALSE(r.sidecar.tile.has_value());
  EXPECT_TRUE(r.sidecar.problem.starts_with("malformed JSON at byte 15 (line 1, column 15): "))
      << r.sidecar.problem;
  const auto j = json_of(file);
  EXPECT_TRUE(j["sidecar"].is_null());
  EXPECT_EQ(j["sidecar_state"], "invalid");
  EXPECT_EQ(j["sidecar_problem"], r.sidecar.problem);
  for (const std::string& text :
       {j["sidecar_problem"].get<std::string>(), j["reason"].get<std::string>()})
    EXPECT_EQ(text.find("json.exception"), std::string::npos) << text;
}

TEST(Inspect, MissingSidecarAndASidecarThatIsAFolder) {
  ScratchDir dir;
  const auto file = good_stack(dir, "c.tif");
  fs::remove(dir / "c.tileData.txt");
  auto r = fc::inspect_raw_image(file);
  EXPECT_EQ(r.sidecar.state, fc::SidecarState::kMissing);
  EXPECT_EQ(r.sidecar.path, dir / "c.tileData.txt");
  EXPECT_EQ(r.screen.reason_code(), "no_sidecar");
  EXPECT_EQ(json_of(file)["sidecar_state"], "missing");
  fs::create_directory(dir / "c.tileData.txt");
  r = fc::inspect_raw_image(file);
  EXPECT_EQ(r.sidecar.state, fc::SidecarState::kInvalid);
  EXPECT_NE(r.sidecar.problem.find("is a directory, not a regular file"), std::string::npos)
      << r.sidecar.problem;
}

// Issue 12: "sidecar: none" also for valid sidecars, whenever screening stopped at the TIFF.
TEST(Inspect, ValidSidecarOfAnUnusableTiffIsShown) {
  ScratchDir dir;
  const auto good = good_stack(dir, "d.tif");
  fs::copy_file(kImageJ, dir / "imagej.tif");
  fs::copy_file(dir / "d.tileData.txt", dir / "imagej.tileData.txt");
  const auto r = fc::inspect_raw_image(dir / "imagej.tif");
  EXPECT_EQ(r.screen.reason_code(), "not_scanimage");
  EXPECT_EQ(r.sidecar.state, fc::SidecarState::kValid);
  const auto j = json_of(dir / "imagej.tif");
  EXPECT_TRUE(j["format"].is_null());
  EXPECT_EQ(j["sidecar"]["frames_per_tile"], 3);
  EXPECT_EQ(j["file_size"], fs::file_size(kImageJ));
  (void)good;
}

TEST(Inspect, FolderIsAnInvalidArgumentAndNothingIsNotFound) {
  ScratchDir dir;
  fs::create_directory(dir / "folder.tif");
  fc::test_support::expect_kind(fc::ErrorKind::kInvalidArgument,
                                [&] { fc::inspect_raw_image(dir / "folder.tif"); });
  fc::test_support::expect_kind(fc::ErrorKind::kInvalidArgument,
                                [&] { fc::inspect_raw_image(dir.path()); });
  fc::test_support::expect_kind(fc::ErrorKind::kNotFound,
                                [&] { fc::inspect_raw_image(dir / "none.tif"); });
  // A dangling symlink is a name without a file: reported, as `index` reports it.
  fs::create_symlink(dir / "gone.tif", dir / "link.tif");
  const auto r = fc::inspect_raw_image(dir / "link.tif");
  EXPECT_EQ(r.screen.reason_code(), "unreadable");
  EXPECT_EQ(r.file_size, 0u);
}
