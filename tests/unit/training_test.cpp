// Training-ready datasets: disjoint frame pairing (exact sums, names, JSON), whole-group splits.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/group_split.hpp"
#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/sum_tiff.hpp"
#include "flamecare/synth.hpp"
#include "pipeline/create_plan.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {
namespace fs = std::filesystem;
using test_support::expect_kind;
using test_support::ScratchDir;

double formula(int id, int page, int y, int x) {
  return (page * 5 - y * 3 + x * 2 + id * 13) % 89 - 25;
}

// A stack of `frames` frames whose pixel values are formula(), with an optional correction.
void write_stack(const fs::path& root, const std::string& rel, int id, int frames, int channels,
                 std::optional<int> bidir = std::nullopt) {
  const fs::path tif = root / rel;
  fs::create_directories(tif.parent_path());
  StackSpec stack;
  stack.frames = frames;
  stack.channels = channels;
  stack.height = 10;
  stack.width = 12;
  stack.frames_per_slice = frames;
  write_scanimage_tiff(tif, stack, [&](int page, int y, int x) { return formula(id, page, y, x); });
  TileDataSpec tile;
  tile.tile_id = id;
  tile.frames_per_tile = frames;
  tile.channels = channels;
  tile.height = 10;
  tile.width = 12;
  tile.bidirectional_correction = bidir;
  write_tile_data(tif, tile);
}

// The corrected sum of frames [begin, end) written out independently of the library.
double expected_sum(int id, int channels, FrameRange frames, int b, int c, int y, int x) {
  int source_x = x;
  if (b > 0 && y % 2 == 0) source_x = x + b;
  if (b < 0 && y % 2 == 1) source_x = x - b;
  double total = 0;
  for (int f = frames.begin; f < frames.end; ++f)
    total += formula(id, f * channels + c, y, source_x);
  return total;
}

double pixel(const AnyImage& image, int c, int y, int x) {
  return std::visit([&](const auto& img) { return static_cast<double>(img.at(c, y, x)); }, image);
}

class TrainingTest : public ::testing::Test {
 protected:
  CreateOptions options(int in, int gt, Pairing pairing) {
    CreateOptions o;
    o.raw_root = dir_ / "raw";
    o.datasets_dir = dir_ / "datasets";
    o.out_dir = dir_ / "out";
    o.input_frames = in;
    o.gt_frames = gt;
    o.pairing = pairing;
    o.test_fraction = 0.34;
    o.seed = 42;
    o.threads = 2;
    o.date = "20260102";
    return o;
  }
  ScratchDir dir_;
};

TEST_F(TrainingTest, DisjointSumsAreFramesNToNPlusMWithRangeNames) {
  write_stack(dir_ / "raw", "run/s1/m1/Im_00001.tif", 1, 8, 2, 2);
  write_stack(dir_ / "raw", "run/s1/m1/Im_00002.tif", 2, 6, 2, -1);
  write_stack(dir_ / "raw", "run/s1/m1/Im_00003.tif", 3, 5, 2);  // 5 < 3 + 3: too few frames
  const CreateResult r = create_dataset(options(3, 3, Pairing::kDisjoint), Reporter());
  EXPECT_EQ(r.name, "20260102_2I_denoising_3to3F_disjoint");
  EXPECT_EQ(r.skipped_by_reason.at("too_few_frames"), 1u);
  const Dataset d = open_dataset(r.json.string());
  EXPECT_EQ(d.pairing, Pairing::kDisjoint);
  EXPECT_EQ(d.input_frames(), (FrameRange{0, 3}));
  EXPECT_EQ(d.target_frames(), (FrameRange{3, 6}));
  for (const DatasetImage& image : d.images) {
    const std::string split(split_name(image.split));
    const fs::path input = r.data_dir / split / fmt::format("image{}_frames0-3.tif", image.id);
    const fs::path target = r.data_dir / split / fmt::format("image{}_frames3-6.tif", image.id);
    EXPECT_EQ(d.input_path(image.id), input);
    EXPECT_EQ(d.ground_truth_path(image.id), target);
    const int spec_id = image.image.ends_with("1.tif") ? 1 : 2;
    const int b = spec_id == 1 ? 2 : -1;
    const AnyImage x = read_sum_tiff(input), y = read_sum_tiff(target);
    for (int c = 0; c < 2; ++c) {
      for (int row = 0; row < 10; ++row) {
        for (int col = 0; col < 12 - std::abs(b); ++col) {
          ASSERT_EQ(pixel(x, c, row, col), expected_sum(spec_id, 2, {0, 3}, b, c, row, col));
          ASSERT_EQ(pixel(y, c, row, col), expected_sum(spec_id, 2, {3, 6}, b, c, row, col));
        }
      }
    }
  }
  // The JSON says what was summed.
  const auto json = nlohmann::json::parse(format_dataset_json(d))["FLAME_Dataset"];
  EXPECT_EQ(json["pairing"], "disjoint");
  EXPECT_EQ(json["frames"]["target"], nlohmann::json({3, 6}));
}

TEST_F(TrainingTest, DisjointWithoutEnoughFramesIsAUsageError) {
  write_stack(dir_ / "raw", "a/Im_00001.tif", 1, 8, 1);
  write_stack(dir_ / "raw", "a/Im_00002.tif", 2, 8, 1);
  try {
    create_dataset(options(5, 5, Pairing::kDisjoint), Reporter());
    FAIL() << "10 frames asked of 8-frame stacks";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    const std::string message = e.what();
    EXPECT_NE(message.find("needs 10 frames"), std::string::npos) << message;
    EXPECT_NE(message.find("at most 8"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(dir_ / "out" / "20260102_2I_denoising_5to5F_disjoint"));
  // The same counts nested need only 5 frames, and a nested pair needs more target frames.
  expect_kind(ErrorKind::kInvalidArgument,
              [&] { create_dataset(options(5, 5, Pairing::kNested), Reporter()); });
  expect_kind(ErrorKind::kInvalidArgument,
              [&] { create_dataset(options(5, 0, Pairing::kDisjoint), Reporter()); });
}

TEST_F(TrainingTest, LadderWithDisjointPairingIsRefused) {
  write_stack(dir_ / "raw", "a/Im_00001.tif", 1, 8, 1);
  expect_kind(ErrorKind::kInvalidArgument, [&] {
    create_ladder(options(1, 2, Pairing::kDisjoint), {2, 4, 8}, Reporter());
  });
  EXPECT_FALSE(fs::exists(dir_ / "datasets"));
}

TEST_F(TrainingTest, NestedAndDisjointOfTheSameCountsNeverShareANameOrFiles) {
  write_stack(dir_ / "raw", "a/Im_00001.tif", 1, 12, 1);
  write_stack(dir_ / "raw", "a/Im_00002.tif", 2, 12, 1);
  const CreateResult nested = create_dataset(options(2, 6, Pairing::kNested), Reporter());
  const CreateResult disjoint = create_dataset(options(2, 6, Pairing::kDisjoint), Reporter());
  EXPECT_EQ(nested.name, "20260102_2I_denoising_2to6F");
  EXPECT_EQ(disjoint.name, "20260102_2I_denoising_2to6F_disjoint");
  EXPECT_NE(nested.dataset.ground_truth_path(1).filename(),
            disjoint.dataset.ground_truth_path(1).filename());
}

TEST(DatasetJsonPairing, RecordedRangesMustMatchThePairing) {
  Dataset d;
  d.name = "x";
  d.id = 3;
  d.pairing = Pairing::kDisjoint;
  d.group_by = GroupBy::kMosaic;
  d.input.n_frames = 4;
  d.output.n_frames = 4;
  for (DatasetStats* s : {&d.input, &d.output})
    s->p0_1 = s->p1 = s->p5 = s->p95 = s->p99 = s->p99_9 = {1.0};
  d.images.push_back({7, "r/s/m/Im_1.tif", 1, 4, 4, Split::kTrain, 0, "r/s/m"});
  const Dataset back = parse_dataset_json(format_dataset_json(d), "round trip");
  EXPECT_EQ(back.pairing, Pairing::kDisjoint);
  EXPECT_EQ(back.group_by, GroupBy::kMosaic);
  EXPECT_EQ(back.images[0].group, "r/s/m");
  EXPECT_EQ(back.target_frames(), (FrameRange{4, 8}));

  auto json = nlohmann::json::parse(format_dataset_json(d));
  json["FLAME_Dataset"]["frames"]["target"] = {0, 4};
  expect_kind(ErrorKind::kCorrupt, [&] { parse_dataset_json(json.dump(), "edited"); });
  json = nlohmann::json::parse(format_dataset_json(d));
  json["FLAME_Dataset"]["pairing"] = "interleaved";
  expect_kind(ErrorKind::kCorrupt, [&] { parse_dataset_json(json.dump(), "edited"); });
  json = nlohmann::json::parse(format_dataset_json(d));
  json["FLAME_Dataset"]["group_by"] = "tissue";
  expect_kind(ErrorKind::kCorrupt, [&] { parse_dataset_json(json.dump(), "edited"); });
}

TEST(ImageGroup, MosaicIsTheFolderAndSampleTheOneAbove) {
  EXPECT_EQ(image_group("run/s1/m2/Im_1.tif", GroupBy::kImage), "run/s1/m2/Im_1.tif");
  EXPECT_EQ(image_group("run/s1/m2/Im_1.tif", GroupBy::kMosaic), "run/s1/m2");
  EXPECT_EQ(image_group("run/s1/m2/Im_1.tif", GroupBy::kSample), "run/s1");
  EXPECT_EQ(image_group("m2/Im_1.tif", GroupBy::kSample), ".");
  EXPECT_EQ(image_group("Im_1.tif", GroupBy::kMosaic), ".");
}

// The best total whole groups can make, found by trying every subset.
std::size_t brute_force_best(const std::vector<std::size_t>& sizes, std::size_t target) {
  const std::size_t n = [&] {
    std::size_t total = 0;
    for (auto s : sizes) total += s;
    return total;
  }();
  std::size_t best = 0;
  for (std::uint32_t mask = 1; mask + 1 < (1u << sizes.size()); ++mask) {
    std::size_t t = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) t += (mask >> i & 1) ? sizes[i] : 0;
    if (t == n) continue;
    const auto distance = [&](std::size_t v) { return v > target ? v - target : target - v; };
    if (best == 0 || distance(t) < distance(best) || (distance(t) == distance(best) && t < best))
      best = t;
  }
  return best;
}

TEST(GroupSplit, WholeGroupsClosestToTheTargetAndReproducible) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    // Groups of 1..6 images, 2..7 groups.
    std::mt19937_64 rng(seed);
    const std::size_t groups = 2 + rng() % 6;
    std::vector<detail::GroupedId> images;
    std::vector<std::size_t> sizes;
    std::int64_t id = 0;
    for (std::size_t g = 0; g < groups; ++g) {
      sizes.push_back(1 + rng() % 6);
      for (std::size_t k = 0; k < sizes.back(); ++k)
        images.push_back({id++, fmt::format("g{}", g)});
    }
    for (const double fraction : {0.05, 0.1, 0.25, 0.5, 0.9}) {
      const std::size_t target = detail::test_count(images.size(), fraction);
      const auto chosen = detail::choose_group_ids(images, target, seed);
      EXPECT_EQ(chosen, detail::choose_group_ids(images, target, seed));
      std::map<std::string, std::size_t> held;
      for (const auto& image : images) {
        if (std::binary_search(chosen.begin(), chosen.end(), image.id)) ++held[image.group];
      }
      // Never a group on both sides; at least one held out and one kept.
      std::size_t total = 0;
      for (const auto& [group, count] : held) {
        const std::size_t size = std::count_if(images.begin(), images.end(),
                                               [&](const auto& i) { return i.group == group; });
        EXPECT_EQ(count, size) << group;
        total += count;
      }
      EXPECT_GE(held.size(), 1u);
      EXPECT_LT(held.size(), groups);
      EXPECT_EQ(total, brute_force_best(sizes, target)) << "seed " << seed << " f " << fraction;
    }
  }
}

TEST(GroupSplit, SingletonGroupsAndOneGroup) {
  std::vector<detail::GroupedId> images;
  for (std::int64_t id = 0; id < 10; ++id) images.push_back({id, fmt::format("i{}", id)});
  EXPECT_EQ(detail::choose_group_ids(images, 3, 7).size(), 3u);
  EXPECT_EQ(detail::choose_group_ids(images, 10, 7).size(), 9u);  // one stays
  for (auto& image : images) image.group = "one";
  EXPECT_TRUE(detail::choose_group_ids(images, 3, 7).empty());
}

TEST(GroupSplit, ImageGroupingIsTheSplitOfEarlierVersions) {
  std::vector<detail::GroupedId> images;
  std::vector<std::int64_t> ids;
  for (std::int64_t id = 3; id < 40; id += 2) {
    images.push_back({id, fmt::format("r/s/m/Im_{}.tif", id)});
    ids.push_back(id);
  }
  CreateOptions o;
  o.test_fraction = 0.3;
  for (std::uint64_t seed : {1ull, 42ull, 123456789ull}) {
    EXPECT_EQ(detail::choose_split(images, o, seed), detail::choose_test_ids(ids, 0.3, seed));
  }
}

}  // namespace
}  // namespace flamecare
