// Day-to-day use: recorded create options and the config that re-makes a dataset, explicit test
// ids, datasets with their files, removing one (ids never given again), npz files recorded by
// `patches`, a patch larger than an image, the index's new-index warning and missing names.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>

#include "flamecare/dataset.hpp"
#include "flamecare/dataset_files.hpp"
#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "flamecare/patches.hpp"
#include "flamecare/synth.hpp"
#include "pipeline/create_plan.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"
#include "util/json_text.hpp"

namespace flamecare {
namespace {
namespace fs = std::filesystem;
using test_support::expect_kind;
using test_support::ScratchDir;

// Collects log lines by level.
struct Log {
  std::mutex mutex;
  std::vector<std::string> warnings;
  Reporter reporter() {
    return Reporter(
        [this](LogLevel level, std::string_view text) {
          std::lock_guard lock(mutex);
          if (level == LogLevel::kWarning) warnings.emplace_back(text);
        },
        nullptr);
  }
  bool warned(const std::string& part) {
    for (const auto& w : warnings)
      if (w.find(part) != std::string::npos) return true;
    return false;
  }
};

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return std::string(error_kind_name(e.kind())) + ": " + e.what();
  }
  return "no error";
}

class ManageTest : public ::testing::Test {
 protected:
  // `n` stacks 32 x 32 (one channel, 6 frames); the one with index `narrow` is bidirectionally
  // corrected by 3 columns (29 wide after correction).
  void corpus(int n, int narrow = -1) {
    for (int i = 0; i < n; ++i) {
      const fs::path tif = dir_ / "raw" / "s" / ("Im_0000" + std::to_string(i) + ".tif");
      fs::create_directories(tif.parent_path());
      StackSpec spec;
      spec.frames = 6;
      spec.channels = 1;
      spec.height = spec.width = 32;
      spec.frames_per_slice = 6;
      write_scanimage_tiff(tif, spec, [&](int page, int y, int x) {
        return 40.0 + ((x * 5 + y * 3 + page + i * 17) % 61);
      });
      TileDataSpec tile;
      tile.tile_id = i;
      tile.frames_per_tile = 6;
      tile.channels = 1;
      tile.height = tile.width = 32;
      if (i == narrow) tile.bidirectional_correction = 3;
      write_tile_data(tif, tile);
    }
  }
  CreateOptions options() {
    CreateOptions o;
    o.raw_root = dir_ / "raw";
    o.datasets_dir = dir_ / "ds";
    o.out_dir = dir_ / "out";
    o.input_frames = 2;
    o.gt_frames = 6;
    o.seed = 3;
    o.threads = 1;
    o.date = "20250101";
    return o;
  }
  ScratchDir dir_;
};

TEST_F(ManageTest, TestIdsAreExactlyTheTestSetAndRecorded) {
  corpus(5);
  CreateOptions o = options();
  o.test_ids = {3, 1};
  const CreateResult r = create_dataset(o, Reporter());
  EXPECT_EQ(r.dataset.test_ids(), (std::vector<std::int64_t>{1, 3}));
  const Dataset d = open_dataset(r.name, dir_ / "ds");
  EXPECT_EQ(d.test_ids(), (std::vector<std::int64_t>{1, 3}));
  EXPECT_FALSE(d.test_fraction.has_value()) << "a fraction that was not used is not recorded";
  ASSERT_TRUE(d.create_options.has_value());
  EXPECT_EQ(d.create_options->test_ids, (std::vector<std::int64_t>{3, 1}));
  EXPECT_TRUE(fs::exists(d.input_path(1)) && d.image(1).split == Split::kTest);
  EXPECT_TRUE(r.json.is_absolute() && r.preview.is_absolute() && r.data_dir.is_absolute());
}

TEST_F(ManageTest, BadTestIdsAreUsageErrorsNamingThemBeforeAnyWork) {
  corpus(3);
  const auto with = [&](std::vector<std::int64_t> ids) {
    CreateOptions o = options();
    o.test_ids = std::move(ids);
    return message_of([&] { create_dataset(o, Reporter()); });
  };
  EXPECT_EQ(with({1, 7, 9}),
            "invalid argument: test ids 7, 9 are not among the 3 selected images (ids 0, 1, 2)");
  EXPECT_EQ(with({2, 2}), "invalid argument: test ids listed more than once: 2");
  EXPECT_EQ(with({-1}), "invalid argument: test ids are image ids (0 or more); got -1");
  EXPECT_EQ(with({0, 1, 2}),
            "invalid argument: test ids name all 3 selected images; at least one must stay for "
            "training");
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));
  CreateOptions other_type = options();
  other_type.type = "segmentation";
  EXPECT_EQ(message_of([&] { create_dataset(other_type, Reporter()); }),
            "invalid argument: dataset type must be one of: denoising; got \"segmentation\"");
}

TEST_F(ManageTest, RecordedOptionsMakeTheSameDatasetAgain) {
  corpus(4);
  CreateOptions o = options();
  o.test_fraction = 0.5;
  o.seed = std::uint64_t(1) << 63;  // beyond TOML's signed integers
  const CreateResult first = create_dataset(o, Reporter());
  const Dataset d = open_dataset(first.name, dir_ / "ds");
  ASSERT_TRUE(d.create_options);
  EXPECT_EQ(d.create_options->raw_root, fs::absolute(dir_ / "raw"));
  EXPECT_EQ(d.create_options->datasets_dir, fs::absolute(dir_ / "ds"));
  EXPECT_EQ(d.create_options->out_dir, fs::absolute(dir_ / "out"));
  EXPECT_EQ(d.create_options->seed, o.seed);
  EXPECT_EQ(d.create_options->date, "20250101");
  // The JSON text round trip keeps every option.
  EXPECT_EQ(format_dataset_json(parse_dataset_json(format_dataset_json(d), "x")),
            format_dataset_json(d));
  const std::string toml = format_create_config(d);
  for (const std::string& line :
       {"raw-root = \"" + fs::absolute(dir_ / "raw").string() + "\"",
        std::string("seed = \"") + std::to_string(*o.seed) + "\"",
        std::string("test-fraction = 0.5"), std::string("input-frames = 2"),
        std::string("gt-frames = 6"), std::string("date = \"20250101\""),
        std::string("type = \"denoising\""), std::string("threads = 1")}) {
    EXPECT_NE(toml.find("\n" + line + "\n"), std::string::npos) << line << "\n" << toml;
  }
  // What the config holds, as create options, gives the same split and statistics.
  const Dataset again = create_dataset(*d.create_options, Reporter()).dataset;
  EXPECT_EQ(again.test_ids(), d.test_ids());
  EXPECT_EQ(again.input.p99, d.input.p99);
  EXPECT_EQ(again.output.mean, d.output.mean);
  EXPECT_NE(again.name, d.name);
}

TEST_F(ManageTest, LadderRungsRecordTheLadderAndTheirSelection) {
  corpus(3);
  const auto results = create_ladder(options(), {2, 4, 6}, Reporter());
  ASSERT_EQ(results.size(), 2u);
  const Dataset d = open_dataset(results[0].name, dir_ / "ds");
  EXPECT_EQ(d.ladder, (std::vector<int>{2, 4, 6}));
  EXPECT_EQ(d.create_options->min_frames, 6);
  const std::string toml = format_create_config(d);
  EXPECT_NE(toml.find("\nmin-frames = 6\n"), std::string::npos) << toml;
  EXPECT_NE(toml.find("`ladder = [2, 4, 6]`"), std::string::npos) << toml;
}

TEST(CreateConfig, OlderJsonsAreRebuiltAndNotebookJsonsRefused) {
  Dataset d;
  d.name = "20240505_2I_denoising_5to40F";
  d.raw_root = "/data/raw";
  d.data_dir = "/data/out/20240505_2I_denoising_5to40F";
  d.json_path = "/data/ds/20240505_2I_denoising_5to40F.json";
  d.seed = 11;
  d.test_fraction = 0.25;
  d.input.n_frames = 5;
  d.output.n_frames = 40;
  const std::string toml = format_create_config(d);
  for (const char* line : {"raw-root = \"/data/raw\"", "datasets = \"/data/ds\"",
                           "out = \"/data/out\"", "input-frames = 5", "gt-frames = 40",
                           "test-fraction = 0.25", "seed = 11", "date = \"20240505\""}) {
    EXPECT_NE(toml.find(std::string("\n") + line + "\n"), std::string::npos) << line << toml;
  }
  d.seed.reset();
  expect_kind(ErrorKind::kUnsupported, [&] { format_create_config(d); });
}

TEST_F(ManageTest, RemovingTakesEverythingOfTheDatasetAndNeverGivesItsIdAgain) {
  corpus(4);
  const CreateResult a = create_dataset(options(), Reporter());
  const CreateResult b = create_dataset(options(), Reporter());
  PatchOptions p;
  p.dataset = a.name;
  p.datasets_dir = dir_ / "ds";
  p.patch_size = 8;
  p.seed = 1;
  const PatchResult in_data = make_patches(p, Reporter());
  p.out_dir = dir_ / "elsewhere";
  const PatchResult elsewhere = make_patches(p, Reporter());
  EXPECT_EQ(patches_output_dir(p), fs::absolute(dir_ / "elsewhere" / a.name));
  EXPECT_EQ(open_dataset(a.name, dir_ / "ds").npz_files,
            (std::vector<fs::path>{in_data.npz, elsewhere.npz}));

  const DatasetInfo info = dataset_info(a.name, dir_ / "ds");
  EXPECT_EQ(info.npz_files, (std::vector<fs::path>{elsewhere.npz, in_data.npz}));  // sorted
  const DatasetRemoval plan = plan_dataset_removal(a.name, dir_ / "ds");
  ASSERT_GE(plan.paths.size(), 5u);
  EXPECT_EQ(plan.paths.front(), elsewhere.npz);
  EXPECT_EQ(plan.paths.back(), a.json) << "the JSON goes last";
  EXPECT_EQ(plan.paths[plan.paths.size() - 2], a.preview);
  EXPECT_EQ(plan.paths[plan.paths.size() - 3], a.data_dir);
  EXPECT_EQ(plan.paths[plan.paths.size() - 4], elsewhere.npz.parent_path());
  remove_dataset(plan);
  for (const auto& path : plan.paths) EXPECT_FALSE(fs::exists(path)) << path;
  EXPECT_TRUE(fs::exists(dir_ / "elsewhere"));
  EXPECT_TRUE(fs::exists(b.json) && fs::exists(b.data_dir) && fs::exists(b.preview));
  // Removing the newest too, its record of ids deleted first: the next id is still new.
  fs::remove(dir_ / "ds" / ".last_dataset_id");
  remove_dataset(plan_dataset_removal(b.name, dir_ / "ds"));
  EXPECT_EQ(detail::next_dataset_id(dir_ / "ds", Reporter()), 3u);
  expect_kind(ErrorKind::kNotFound, [&] { plan_dataset_removal(b.name, dir_ / "ds"); });
  EXPECT_TRUE(fs::exists(dir_ / "ds" / kIndexFileName));
  EXPECT_TRUE(fs::exists(dir_ / "raw" / "s" / "Im_00000.tif"));
}

TEST_F(ManageTest, RemovalNeverPlansRawData) {
  corpus(2);
  const CreateResult a = create_dataset(options(), Reporter());
  Dataset d = open_dataset(a.name, dir_ / "ds");
  const auto rewrite = [&](const fs::path& data_dir) {
    d.data_dir = data_dir;
    std::ofstream(a.json) << format_dataset_json(d);
  };
  fs::create_directories(dir_ / "raw" / a.name);
  rewrite(dir_ / "raw" / a.name);
  EXPECT_NE(message_of([&] {
              plan_dataset_removal(a.name, dir_ / "ds");
            }).find("lies inside the raw root"),
            std::string::npos);
  fs::create_directories(dir_ / "other");
  rewrite(dir_ / "other");
  EXPECT_NE(message_of([&] {
              plan_dataset_removal(a.name, dir_ / "ds");
            }).find("is not named after the dataset"),
            std::string::npos);
  rewrite(dir_.path());  // holds the raw root (and is not named after the dataset either)
  expect_kind(ErrorKind::kUnsupported, [&] { plan_dataset_removal(a.name, dir_ / "ds"); });
  EXPECT_TRUE(fs::exists(a.json));
}

TEST_F(ManageTest, RecordedIdsOnlyGrow) {
  fs::create_directories(dir_ / "ds");
  detail::record_dataset_id(dir_ / "ds", 7);
  detail::record_dataset_id(dir_ / "ds", 3);
  EXPECT_EQ(detail::next_dataset_id(dir_ / "ds", Reporter()), 8u);
}

TEST_F(ManageTest, DatasetInfosListFilesAndRefuseAMissingDir) {
  corpus(2);
  const CreateResult a = create_dataset(options(), Reporter());
  // An npz of a run from before npz files were recorded: found in the data folder.
  std::ofstream(a.data_dir / (a.name + "_patch8_4PpI_1Chan.npz")) << "x";
  std::ofstream(a.data_dir / "unrelated.npz") << "x";
  const auto infos = dataset_infos(dir_ / "ds");
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].npz_files,
            (std::vector<fs::path>{a.data_dir / (a.name + "_patch8_4PpI_1Chan.npz")}));
  EXPECT_TRUE(infos[0].preview_exists && infos[0].data_dir_exists);
  const std::string json = format_dataset_infos_json(infos);
  EXPECT_NE(json.find("\"name\": \"" + a.name + "\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"pairing\": \"nested\""), std::string::npos) << json;
  expect_kind(ErrorKind::kNotFound, [&] { dataset_infos(dir_ / "nope"); });
}

TEST_F(ManageTest, ImagesSmallerThanThePatchAreNamedAndSkipped) {
  corpus(3, /*narrow=*/1);
  const CreateResult a = create_dataset(options(), Reporter());
  PatchOptions p;
  p.dataset = a.name;
  p.datasets_dir = dir_ / "ds";
  p.patch_size = 32;
  p.patches_per_image = 2;
  p.seed = 1;
  Log log;
  const PatchResult r = make_patches(p, log.reporter());
  const bool narrow_trains = a.dataset.image(1).split == Split::kTrain;
  EXPECT_EQ(r.n_skipped, narrow_trains ? 1u : 0u);
  EXPECT_EQ(log.warned("image 1 (s/Im_00001.tif) is 29 x 32 pixels (width x height, after a "
                       "bidirectional correction of 3 columns), smaller than the patch size 32; "
                       "skipped"),
            narrow_trains);
  EXPECT_FALSE(log.warned("background threshold"));
  p.patch_size = 33;
  const std::string message = message_of([&] { make_patches(p, Reporter()); });
  EXPECT_NE(message.find("invalid argument: dataset " + a.name +
                         ": every train image is smaller than the patch size 33: image "),
            std::string::npos)
      << message;
}

TEST_F(ManageTest, IndexSaysWhenItStartsANewOneAndNamesMissingFiles) {
  corpus(7);
  Log log;
  update_index(IndexOptions{dir_ / "raw", dir_ / "ds", 1, {}, false}, log.reporter());
  EXPECT_TRUE(
      log.warned("no index in " + fs::absolute(dir_ / "ds").string() + ": starting a new one"));
  for (int i = 0; i < 6; ++i)
    fs::remove(dir_ / "raw" / "s" / ("Im_0000" + std::to_string(i) + ".tif"));
  Log again;
  const IndexResult r =
      update_index(IndexOptions{dir_ / "raw", dir_ / "ds", 1, {}, false}, again.reporter());
  EXPECT_FALSE(again.warned("no index"));
  EXPECT_EQ(r.summary.missing, 6u);
  EXPECT_EQ(r.summary.missing_images,
            (std::vector<std::string>{"s/Im_00000.tif", "s/Im_00001.tif", "s/Im_00002.tif",
                                      "s/Im_00003.tif", "s/Im_00004.tif"}));
  EXPECT_TRUE(r.summary.csv.is_absolute());
}

TEST(JsonErrorText, DropsTheParsersInternalCode) {
  EXPECT_EQ(detail::json_error_text("[json.exception.parse_error.101] parse error at line 1, "
                                    "column 2: syntax error"),
            "parse error at line 1, column 2: syntax error");
  EXPECT_EQ(detail::json_error_text("plain text"), "plain text");
  expect_kind(ErrorKind::kCorrupt, [] { parse_dataset_json("{", "x.json"); });
  EXPECT_EQ(message_of([] { parse_dataset_json("{", "x.json"); }).find("json.exception"),
            std::string::npos);
}

}  // namespace
}  // namespace flamecare
