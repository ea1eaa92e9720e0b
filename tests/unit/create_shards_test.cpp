// The sharded create's files (plan, shard state) and its library calls against create_dataset.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "flamecare/create_shards.hpp"
#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "flamecare/synth.hpp"
#include "pipeline/create_plan_file.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {
namespace fs = std::filesystem;
using test_support::expect_kind;
using test_support::ScratchDir;

CreatePlan sample_plan() {
  CreatePlan plan;
  plan.name = "20260101_2I_denoising_2to6F";
  plan.id = 7;
  plan.seed = 42;
  plan.options.raw_root = "/raw";
  plan.options.datasets_dir = "/ds";
  plan.options.out_dir = "/out";
  plan.options.input_frames = 2;
  plan.options.gt_frames = 6;
  plan.options.seed = 42;
  plan.options.date = "20260101";
  plan.images = {{3, "a/Im_1.tif", 12, 2, 48, 48, "int16", 4},
                 {5, "b/Im_2.tif", 12, 2, 40, 40, "int16", std::nullopt}};
  plan.skipped = {{"truncated", 1}};
  plan.staging = "/out/.20260101_2I_denoising_2to6F.plan.d";
  plan.fingerprint = detail::plan_fingerprint(plan);
  return plan;
}

TEST(CreatePlanFile, RoundTripsAndRefusesEdits) {
  const CreatePlan plan = sample_plan();
  const std::string text = detail::format_plan(plan);
  const CreatePlan back = detail::parse_plan(text, "p.plan.json");
  EXPECT_EQ(back.name, plan.name);
  EXPECT_EQ(back.id, plan.id);
  EXPECT_EQ(back.seed, plan.seed);
  ASSERT_EQ(back.images.size(), 2u);
  EXPECT_EQ(back.images[0].bidirectional_correction, 4);
  EXPECT_FALSE(back.images[1].bidirectional_correction.has_value());
  EXPECT_EQ(back.skipped, plan.skipped);
  EXPECT_EQ(back.fingerprint, plan.fingerprint);
  EXPECT_EQ(detail::format_plan(back), text);
  std::string edited = text;
  edited.replace(edited.find("\"seed\": 42"), 10, "\"seed\": 43");
  expect_kind(ErrorKind::kCorrupt, [&] { detail::parse_plan(edited, "p.plan.json"); });
  expect_kind(ErrorKind::kCorrupt, [&] { detail::parse_plan("{}", "p.plan.json"); });
  expect_kind(ErrorKind::kCorrupt, [&] { detail::parse_plan("[1", "p.plan.json"); });
}

TEST(CreatePlanFile, ShardStateRoundTrips) {
  detail::ShardState s;
  s.fingerprint = "00ff";
  s.shard = 2;
  s.shards = 5;
  s.summed = {{3, ImageShape{2, 48, 47}}};
  s.failed = {{5, "b/Im_2.tif", "b/Im_2.tif: 1 frames on disk, 6 needed"}};
  PixelStats ints(2), floats(1);
  ints.add(Image<std::int32_t>(2, 3, 3, -7));
  floats.add(Image<float>(1, 2, 2, 0.1f));
  s.input = ints.state();
  s.truth = floats.state();
  const detail::ShardState back =
      detail::parse_shard_state(detail::format_shard_state(s), "shard-2-of-5.json");
  EXPECT_EQ(back.fingerprint, s.fingerprint);
  EXPECT_EQ(back.shard, 2);
  EXPECT_EQ(back.shards, 5);
  ASSERT_EQ(back.summed.size(), 1u);
  EXPECT_EQ(back.summed[0].second.width, 47);
  ASSERT_EQ(back.failed.size(), 1u);
  EXPECT_EQ(back.failed[0].reason, s.failed[0].reason);
  EXPECT_EQ(back.input.channel[1].values, s.input.channel[1].values);
  EXPECT_EQ(back.truth.channel[0].sum, s.truth.channel[0].sum);
  EXPECT_EQ(back.truth.channel[0].min, 0.1f);
  EXPECT_EQ(back.truth.channel[0].high, s.truth.channel[0].high);
  expect_kind(ErrorKind::kCorrupt, [&] { detail::parse_shard_state("{\"x\": 1}", "s.json"); });
  EXPECT_EQ(detail::parse_shard_state_name("shard-2-of-5.json"), std::make_pair(2, 5));
  for (const char* other : {"shard-2-of-5.json.tmp-1-2-3", "shard-02-of-5.json", "x.json"})
    EXPECT_FALSE(detail::parse_shard_state_name(other).has_value()) << other;
}

std::string bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CreateShards, PlanShardsMergeEqualOneCreate) {
  ScratchDir tmp;
  SynthOptions synth;
  synth.out = tmp / "raw";
  synth.images = 5;
  synth.size = 32;
  synth.frames = 8;
  synth.channels = 1;
  synth.with_bad_files = true;
  write_synthetic_corpus(synth, Reporter());
  CreateOptions o;
  o.raw_root = tmp / "raw";
  o.input_frames = 2;
  o.gt_frames = 6;
  o.seed = 9;
  o.date = "20260101";
  o.test_fraction = 0.4;
  o.threads = 2;
  o.datasets_dir = tmp / "ds1";
  o.out_dir = tmp / "out1";
  const CreateResult one = create_dataset(o, Reporter());
  o.datasets_dir = tmp / "ds3";
  o.out_dir = tmp / "out3";
  const CreatePlan plan = plan_create(o, Reporter());
  EXPECT_EQ(plan.name, one.name);
  EXPECT_EQ(plan.id, one.dataset.id);
  expect_kind(ErrorKind::kInvalidArgument, [&] { create_shard(plan.path, 4, 3, 1, Reporter()); });
  expect_kind(ErrorKind::kInvalidArgument, [&] { create_shard(plan.path, 0, 3, 1, Reporter()); });
  create_shard(plan.path, 3, 3, 1, Reporter());
  create_shard(plan.path, 1, 3, 1, Reporter());
  try {
    create_merge(plan.path, 1, Reporter());
    ADD_FAILURE() << "merged with shard 2 missing";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("shard 2/3 of 3 not finished"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(o.datasets_dir / (plan.name + ".json")));
  create_shard(plan.path, 2, 3, 1, Reporter());
  const CreateResult merged = create_merge(plan.path, 1, Reporter());
  EXPECT_EQ(merged.name, one.name);
  EXPECT_EQ(merged.id, one.id);
  EXPECT_EQ(merged.dataset.test_ids(), one.dataset.test_ids());
  EXPECT_EQ(merged.skipped_by_reason, one.skipped_by_reason);
  EXPECT_EQ(merged.dataset.input.p99, one.dataset.input.p99);
  EXPECT_EQ(merged.dataset.output.mean, one.dataset.output.mean);
  EXPECT_EQ(merged.dataset.output.std, one.dataset.output.std);
  for (const std::int64_t id : one.dataset.image_ids()) {
    EXPECT_EQ(bytes(merged.dataset.input_path(id)), bytes(one.dataset.input_path(id)));
    EXPECT_EQ(bytes(merged.dataset.ground_truth_path(id)),
              bytes(one.dataset.ground_truth_path(id)));
  }
  EXPECT_FALSE(fs::exists(plan.path));
  EXPECT_FALSE(fs::exists(plan.staging));
  expect_kind(ErrorKind::kNotFound, [&] { create_merge(plan.path, 1, Reporter()); });
}

}  // namespace
}  // namespace flamecare
