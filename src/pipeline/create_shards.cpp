// A sharded `create`: plan, shards and merge (flamecare/create_shards.hpp), made of the steps one
// create run takes (create_steps.hpp), so both give the same dataset.
#include "flamecare/create_shards.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "pipeline/create_plan_file.hpp"
#include "pipeline/create_publish.hpp"
#include "pipeline/create_steps.hpp"
#include "util/random.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
using namespace detail;  // NOLINT: this file strings the create steps together

namespace {

std::string shown(const fs::path& path) { return printable(path.string()); }

// The first name free of base, base_2, … (datasets, data dirs and other plans count as taken).
std::string reserve_name(const std::string& base, const CreateOptions& o) {
  for (int suffix = 1;; ++suffix) {
    const std::string name = suffix == 1 ? base : fmt::format("{}_{}", base, suffix);
    if (name_free(name, o.out_dir, o.datasets_dir, {})) return name;
  }
}

CreatePlan plan_checked(const CreateOptions& o, const Reporter& reporter) {
  validate_create_options(o);
  fs::create_directories(o.datasets_dir);
  fs::create_directories(o.out_dir);
  // Names and ids are decided under the same lock as create's.
  const FileLock lock(o.datasets_dir / ".create.lock", reporter);
  clean_interrupted_creates(o.out_dir, o.datasets_dir, reporter);
  const Selection selection = select_for_dataset(o, reporter);
  check_space_for_sums(o, selection.images);
  CreatePlan plan;
  plan.seed = o.seed.value_or(fresh_seed());
  plan.options = options_used(o, plan.seed, o.date.empty() ? local_time_now("%Y%m%d") : o.date);
  plan.images = selection.images;
  plan.skipped = selection.skipped;
  plan.name = reserve_name(base_name(plan.options, plan.images.size()), plan.options);
  plan.id = next_dataset_id(plan.options.datasets_dir, reporter);
  record_dataset_id(plan.options.datasets_dir, plan.id);
  plan.staging = plan.options.out_dir / ("." + plan.name + ".plan.d");
  plan.path = plan_path(plan.options.out_dir, plan.name);
  // A plan file removed by hand may have left its staging dir: it belongs to no plan now.
  fs::remove_all(plan.staging);
  fs::create_directories(plan_data_dir(plan) / split_name(Split::kTrain));
  fs::create_directories(plan.staging / "shards");
  plan.fingerprint = plan_fingerprint(plan);
  write_file_atomic(plan.path, format_plan(plan), /*no_clobber=*/true);
  reporter.info(fmt::format("planned {} ({}) : {} images ({} → {} frames, {} pairing) with seed {}",
                            plan.name, format_dataset_id(plan.id), plan.images.size(),
                            o.input_frames, o.gt_frames, pairing_name(o.pairing), plan.seed));
  return plan;
}

std::vector<fs::path> sum_paths(const CreateOptions& o, const fs::path& data, std::int64_t id) {
  return {
      dataset_image_path(data, Split::kTrain, id, input_frame_range(o.input_frames), o.pairing),
      dataset_image_path(data, Split::kTrain, id,
                         target_frame_range(o.pairing, o.input_frames, o.gt_frames), o.pairing)};
}

}  // namespace

CreatePlan plan_create(const CreateOptions& options, const Reporter& reporter) {
  return io_errors([&] { return plan_checked(options, reporter); });
}

CreatePlan read_create_plan(const fs::path& path) {
  CreatePlan plan = parse_plan(read_regular_file(path, kMaxPlanBytes), path.string());
  plan.path = fs::absolute(path).lexically_normal();
  return plan;
}

namespace {

CreateShardResult shard_checked(const fs::path& plan_file, int k, int n, int threads,
                                const Reporter& reporter) {
  if (n < 1 || k < 1 || k > n) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("shard {}/{}: need 1 <= K <= N (K/N, e.g. 2/5)", k, n));
  }
  const CreatePlan plan = read_create_plan(plan_file);
  if (const auto name = merged_into(plan)) {
    throw Error(ErrorKind::kAlreadyExists,
                fmt::format("{}: this plan was merged into dataset {} already", shown(plan_file),
                            printable(*name)));
  }
  const fs::path data = plan_data_dir(plan);
  std::error_code ec;
  if (!fs::is_directory(data / split_name(Split::kTrain), ec)) {
    // Removed by hand, or taken back with a merge killed while publishing: the shards redo it.
    reporter.warn(fmt::format("{}: the plan's sums are gone; every shard must run again",
                              shown(plan.staging)));
    fs::create_directories(data / split_name(Split::kTrain));
    fs::create_directories(plan.staging / "shards");
  }
  // Its own files only: first the state (so the merge cannot take a half-redone shard), then the
  // sums of its share from an earlier attempt.
  const fs::path state_file = shard_state_path(plan.staging, k, n);
  fs::remove(state_file);
  std::vector<PlannedImage> share;
  const std::vector<PlannedImage>& images = plan.images;
  for (std::size_t i = std::size_t(k - 1); i < images.size(); i += std::size_t(n))
    share.push_back(images[i]);
  for (const PlannedImage& image : share)
    for (const fs::path& p : sum_paths(plan.options, data, image.id)) fs::remove(p);
  CreateOptions o = plan.options;
  o.threads = threads;
  reporter.info(fmt::format("shard {}/{} of {}: summing {} of {} images", k, n, plan.name,
                            share.size(), images.size()));
  Accumulated acc = sum_images(o, share, data, images.front().channels, std::nullopt, reporter);
  test_point("create-shard:summed");
  std::vector<fs::path> written;
  ShardState state{plan.fingerprint, k, n, {}, acc.failed, acc.input.state(), acc.truth.state()};
  for (const PlannedImage& image : acc.images) {
    state.summed.emplace_back(image.id, acc.shapes.at(image.id));
    for (const fs::path& p : sum_paths(o, data, image.id)) written.push_back(p);
  }
  // The sums are durable before the state says the shard is complete.
  sync_paths(written, {data / split_name(Split::kTrain)});
  write_file_atomic(state_file, format_shard_state(state));
  return {k, n, acc.images.size(), acc.failed.size(), state_file};
}

}  // namespace

CreateShardResult create_shard(const fs::path& plan, int shard, int shards, int threads,
                               const Reporter& reporter) {
  return io_errors([&] { return shard_checked(plan, shard, shards, threads, reporter); });
}

}  // namespace flamecare
