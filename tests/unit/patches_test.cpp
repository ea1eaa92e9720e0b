// `patches` on small formula datasets: counts, dark samples, errors, determinism.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/patches.hpp"
#include "flamecare/sum_tiff.hpp"
#include "flamecare/synth.hpp"
#include "pipeline/patch_pairs.hpp"
#include "pipeline/patch_run.hpp"
#include "support/process.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {
namespace fs = std::filesystem;
using test_support::ScratchDir;

class PatchesTest : public ::testing::Test {
 protected:
  // Writes a 2-channel 40×48 stack; dark stacks are all zero.
  void stack(const std::string& rel, int id, bool dark) {
    const fs::path tif = dir_ / "raw" / rel;
    fs::create_directories(tif.parent_path());
    StackSpec spec;
    spec.frames = 4;
    spec.channels = 2;
    spec.height = 40;
    spec.width = 48;
    spec.frames_per_slice = 4;
    write_scanimage_tiff(tif, spec, [&](int page, int y, int x) {
      return dark ? 0.0 : 50.0 + ((x * 7 + y * 13 + page * 3 + id) % 101);
    });
    TileDataSpec tile;
    tile.tile_id = id;
    tile.frames_per_tile = 4;
    tile.height = 40;
    tile.width = 48;
    write_tile_data(tif, tile);
  }
  std::string make_dataset() {
    CreateOptions o;
    o.raw_root = dir_ / "raw";
    o.datasets_dir = dir_ / "datasets";
    o.out_dir = dir_ / "data";
    o.input_frames = 1;
    o.gt_frames = 4;
    o.test_fraction = 0;
    o.seed = 1;
    return create_dataset(o, Reporter()).name;
  }
  PatchOptions patch_options(const std::string& name) {
    PatchOptions o;
    o.dataset = name;
    o.datasets_dir = dir_ / "datasets";
    o.patch_size = 16;
    o.patch_multiple = 3;
    o.seed = 5;
    o.out_dir = dir_ / "patches";
    return o;
  }
  ScratchDir dir_;
};

TEST_F(PatchesTest, DarkSampleIsSkippedAndCountsFollowTheFormula) {
  stack("a/Im_00001.tif", 1, false);
  stack("a/Im_00002.tif", 2, false);
  stack("a/Im_00003.tif", 3, true);
  const std::string name = make_dataset();
  std::vector<std::string> warnings;
  std::mutex mutex;
  const Reporter reporter(
      [&](LogLevel level, std::string_view message) {
        std::lock_guard lock(mutex);
        if (level == LogLevel::kWarning) warnings.emplace_back(message);
      },
      nullptr);
  const PatchResult r = make_patches(patch_options(name), reporter);
  EXPECT_EQ(r.patches_per_image, std::size_t(40 / 16) * 3);  // ⌊Y_max / P⌋ × m
  EXPECT_EQ(r.n_samples, 6u);  // 3 images × 2 channels, one at a time
  EXPECT_EQ(r.n_skipped, 2u);  // both channels of the dark image
  EXPECT_EQ(r.n_patches, 4u * r.patches_per_image);
  EXPECT_EQ(warnings.size(), 2u);
  EXPECT_TRUE(fs::exists(r.npz));
  EXPECT_TRUE(fs::exists(r.config));
  EXPECT_TRUE(fs::exists(r.samples1));
  EXPECT_TRUE(fs::exists(r.samples2));
  // The npz is never overwritten.
  try {
    make_patches(patch_options(name), Reporter());
    FAIL() << "existing npz overwritten";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAlreadyExists);
  }
}

// With a skipped sample the single run places its patches a second time (its first layout
// counted every sample); what it writes is what the sharded steps, which store the patches and
// then order them, write.
TEST_F(PatchesTest, SkippedSampleGivesTheOutputsOfTheShardedSteps) {
  stack("a/Im_00001.tif", 1, false);
  stack("a/Im_00002.tif", 2, true);
  stack("a/Im_00003.tif", 3, false);
  stack("a/Im_00004.tif", 4, false);
  const std::string name = make_dataset();
  for (const double validation : {0.0, 0.4}) {
    PatchOptions o = patch_options(name);
    o.validation_fraction = validation;
    o.out_dir = dir_ / fmt::format("single-{}", validation);
    const PatchResult single = make_patches(o, Reporter());
    EXPECT_EQ(single.n_skipped, 2u);
    o.out_dir = dir_ / fmt::format("sharded-{}", validation);
    const PatchesPlan plan = plan_patches(o, Reporter());
    for (int k = 1; k <= 2; ++k) patches_shard(plan.path, k, 2, 1, Reporter());
    const PatchResult merged = patches_merge(plan.path, Reporter());
    ASSERT_EQ(merged.n_patches, single.n_patches);
    EXPECT_EQ(merged.n_val_patches, single.n_val_patches);
    EXPECT_EQ(test_support::slurp(merged.npz), test_support::slurp(single.npz));
    if (validation > 0) {
      EXPECT_GT(single.n_val_patches, 0u);
      EXPECT_EQ(test_support::slurp(merged.val_npz), test_support::slurp(single.val_npz));
    }
    EXPECT_EQ(test_support::slurp(merged.samples1), test_support::slurp(single.samples1));
    EXPECT_EQ(test_support::slurp(merged.samples2), test_support::slurp(single.samples2));
  }
}

TEST_F(PatchesTest, AllChannelsAndOverrides) {
  stack("a/Im_00001.tif", 1, false);
  const std::string name = make_dataset();
  PatchOptions o = patch_options(name);
  o.all_channels = true;
  o.patches_per_image = 7;
  const PatchResult r = make_patches(o, Reporter());
  EXPECT_EQ(r.n_samples, 1u);
  EXPECT_EQ(r.n_patches, 7u);
  EXPECT_NE(r.npz.filename().string().find("_7PpI_AllChan.npz"), std::string::npos) << r.npz;
}

TEST_F(PatchesTest, CancelledRunLeavesNoTemporaryAndWritesNothing) {
  stack("a/Im_00001.tif", 1, false);
  stack("a/Im_00002.tif", 2, false);
  const std::string name = make_dataset();
  std::atomic<bool> cut_one{false};
  const Reporter reporter(
      nullptr,
      [&](const ProgressEvent& e) {
        if (e.stage == "patches" && e.done >= 1) cut_one = true;
      },
      [&] { return cut_one.load(); });
  try {
    make_patches(patch_options(name), reporter);
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCancelled) << e.what();
  }
  for (const auto& entry : fs::directory_iterator(dir_ / "patches" / name)) {
    EXPECT_EQ(entry.path().filename(), ".patches.lock") << entry.path();
  }
  // A fresh seed is used and reported when none is given.
  PatchOptions o = patch_options(name);
  o.seed.reset();
  const PatchResult r = make_patches(o, Reporter());
  EXPECT_NE(r.seed, 0u);
  EXPECT_TRUE(fs::exists(r.config));
}

TEST_F(PatchesTest, ErrorsNameTheProblem) {
  stack("a/Im_00001.tif", 1, false);
  const std::string name = make_dataset();
  const auto kind_of = [&](PatchOptions o) {
    try {
      make_patches(o, Reporter());
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::kInternal;
  };
  PatchOptions o = patch_options("no_such_dataset");
  EXPECT_EQ(kind_of(o), ErrorKind::kNotFound);
  o = patch_options(name);
  o.patch_size = 64;  // larger than the 40-pixel images
  EXPECT_EQ(kind_of(o), ErrorKind::kInvalidArgument);
  o = patch_options(name);
  o.background_threshold = 2;
  EXPECT_EQ(kind_of(o), ErrorKind::kInvalidArgument);
  o = patch_options(name);
  std::ofstream(dir_ / "datasets" / "broken.json") << "{\"FLAME_Dataset\": {\"name\": 3}}";
  o.dataset = (dir_ / "datasets" / "broken.json").string();
  EXPECT_EQ(kind_of(o), ErrorKind::kCorrupt);
  fs::remove_all(dir_ / "data" / name / "train");
  EXPECT_EQ(kind_of(patch_options(name)), ErrorKind::kNotFound);
}

// A train input with fewer channels than its ground truth (a TIFF replaced by hand): refused as
// corrupt, never read past its last channel (input patches are cut from the input's own planes).
// A dataset JSON whose bounds lack a channel (an edited file): refused when the dataset is
// opened, naming the JSON, before any sum is read (normalising relies on a bound per channel).
TEST_F(PatchesTest, BoundsLackingAChannelAreCorrupt) {
  stack("a/Im_00001.tif", 1, false);
  const std::string name = make_dataset();
  const fs::path json = dir_ / "datasets" / (name + ".json");
  nlohmann::json j = nlohmann::json::parse(std::ifstream(json));
  ASSERT_EQ(j["FLAME_Dataset"]["output"]["pixel_99pct"].size(), 2u);
  j["FLAME_Dataset"]["output"]["pixel_99pct"].erase(1);
  std::ofstream(json) << j.dump(1);
  try {
    make_patches(patch_options(name), Reporter());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt) << e.what();
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(json.string() + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("percentile"), std::string::npos) << message;
  }
}

// A sum with fewer channels than the dataset, input or ground truth: whichever sample a worker
// reads first (its channel may be one the file lacks), the pair's shape differs (kCorrupt), on
// one thread or two.
TEST_F(PatchesTest, ASumWithFewerChannelsThanTheDatasetIsCorrupt) {
  stack("a/Im_00001.tif", 1, false);
  const std::string name = make_dataset();
  const Dataset d = open_dataset(name, dir_ / "datasets");
  ASSERT_EQ(d.channels(), 2);
  for (const bool truth : {false, true}) {
    for (const int threads : {1, 2}) {
      SCOPED_TRACE(testing::Message()
                   << (truth ? "ground truth" : "input") << ", " << threads << " threads");
      const fs::path sum =
          truth ? d.ground_truth_path(d.images.at(0).id) : d.input_path(d.images.at(0).id);
      const fs::path kept = sum.string() + ".kept";
      fs::rename(sum, kept);
      write_sum_tiff(sum, AnyImage(Image<std::int32_t>(1, 40, 48, 7)));
      PatchOptions options = patch_options(name);
      options.threads = threads;
      try {
        make_patches(options, Reporter());
        ADD_FAILURE() << "no error";
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kCorrupt) << e.what();
        EXPECT_NE(std::string(e.what()).find("shape differs"), std::string::npos) << e.what();
        // The file at fault first, with the numbers.
        EXPECT_EQ(
            std::string(e.what()).rfind(sum.string() + ": 1 channels where the dataset has 2", 0),
            0u)
            << e.what();
      }
      // Channel 1, which the file lacks, read first (above, a worker may read channel 0 first).
      const detail::PatchRun run = detail::prepare_patch_run(options, Reporter());
      detail::PairWork work;
      const auto read_channel_1 = [&] {
        detail::read_pair_truth(run, 0, work, 1);
        detail::read_pair_input(run, 0, work);
      };
      try {
        read_channel_1();
        ADD_FAILURE() << "no error";
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kCorrupt) << e.what();
        EXPECT_NE(std::string(e.what()).find("shape differs"), std::string::npos) << e.what();
      }
      fs::remove(sum);
      fs::rename(kept, sum);
    }
  }
}

}  // namespace
}  // namespace flamecare
