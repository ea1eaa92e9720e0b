// The plan of a sharded `patches` run: written once, read by every shard and by the merge, which
// make the run again from the dataset and compare fingerprints, so a plan never drives a run on a
// dataset or options it was not made for.
#include "pipeline/patch_plan.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/version.hpp"
#include "io/regular_file.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/patch_sampling.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "flamecare patches plan";
constexpr int kPlanVersion = 1;
// A plan lists every sample (a few dozen bytes each): 1 GiB is far beyond any real one.
constexpr std::uint64_t kMaxPlanBytes = std::uint64_t(1) << 30;

// FNV-1a, 64 bits: a fingerprint to tell plans apart, not a defence against forgery.
std::string fingerprint_of(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

// Everything the run decided, from which the fingerprint is taken.
nlohmann::json plan_body(const PatchRun& run) {
  const PatchOptions& o = run.options;
  nlohmann::json samples = nlohmann::json::array();
  for (std::size_t i = 0; i < run.n_samples(); ++i) {
    const auto& pair = run.data.train[i / std::size_t(run.samples_per_pair)];
    const int channel = o.all_channels ? -1 : int(i % std::size_t(run.samples_per_pair));
    samples.push_back({i, pair.id, channel, sample_seed(run.seed, i)});
  }
  const Dataset& d = run.data.dataset;
  return {
      {"format", kFormat},
      {"version", kPlanVersion},
      // Another flamecare may cut other bytes: shards and merge of another version refuse.
      {"tool", fmt::format("flamecare {}", flamecare::kVersion)},
      {"dataset_json", printable(fs::absolute(d.json_path).lexically_normal().string())},
      {"data_root", printable(fs::absolute(run.data.data_root).lexically_normal().string())},
      {"out_dir", printable(run.out_dir.string())},
      {"npz", printable(run.npz.string())},
      {"val_npz", printable(run.val_npz.string())},
      {"options",
       {{"patch_size", o.patch_size},
        {"patch_multiple", o.patch_multiple},
        {"patches_per_image", o.patches_per_image ? nlohmann::json(*o.patches_per_image) : nullptr},
        {"background_threshold", o.background_threshold},
        {"all_channels", o.all_channels},
        {"force_zip64", o.force_zip64},
        {"validation_fraction", o.validation_fraction}}},
      {"seed", run.seed},
      {"patches_per_sample", run.per_sample},
      {"images_smaller_than_patch", run.too_small},
      {"validation_ids", run.validation_ids},
      {"normalisation",
       {{"input_p1", d.input.p1},
        {"input_p99", d.input.p99},
        {"ground_truth_p1", d.output.p1},
        {"ground_truth_p99", d.output.p99}}},
      {"samples_columns", {"sample", "image_id", "channel", "sample_seed"}},
      {"samples", samples}};
}

// The options that make the planned run again (paths as the plan resolved them).
PatchOptions options_of(const nlohmann::json& plan, int threads) {
  const nlohmann::json& o = plan.at("options");
  PatchOptions options;
  options.dataset = plan.at("dataset_json").get<std::string>();
  options.data_dir = plan.at("data_root").get<std::string>();
  options.out_dir = fs::path(plan.at("out_dir").get<std::string>()).parent_path();
  options.patch_size = o.at("patch_size").get<int>();
  options.patch_multiple = o.at("patch_multiple").get<int>();
  if (!o.at("patches_per_image").is_null())
    options.patches_per_image = o.at("patches_per_image").get<int>();
  options.background_threshold = o.at("background_threshold").get<double>();
  options.all_channels = o.at("all_channels").get<bool>();
  options.force_zip64 = o.at("force_zip64").get<bool>();
  options.validation_fraction = o.at("validation_fraction").get<double>();
  options.seed = plan.at("seed").get<std::uint64_t>();
  options.threads = threads;
  return options;
}

}  // namespace

fs::path patch_plan_path(const PatchRun& run) {
  return run.out_dir / (run.npz.stem().string() + ".plan.json");
}

std::string write_patch_plan(const fs::path& path, const PatchRun& run) {
  nlohmann::json plan = plan_body(run);
  const std::string fingerprint = fingerprint_of(plan.dump());
  plan["fingerprint"] = fingerprint;
  write_json_file(path, plan, /*no_clobber=*/false);
  return fingerprint;
}

LoadedPlan load_patch_plan(const fs::path& path, int threads, const Reporter& reporter) {
  const fs::path absolute = fs::absolute(path).lexically_normal();
  const std::string name = printable(absolute.string());
  nlohmann::json plan;
  PatchOptions options;
  std::string fingerprint;
  try {
    plan = nlohmann::json::parse(read_regular_file(absolute, kMaxPlanBytes));
    if (plan.value("format", "") != kFormat || plan.value("version", 0) != kPlanVersion) {
      throw Error(ErrorKind::kCorrupt,
                  fmt::format("{}: not a flamecare patches plan (version {})", name, kPlanVersion));
    }
    options = options_of(plan, threads);
    fingerprint = plan.at("fingerprint").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: damaged plan: {}", name, e.what()));
  }
  LoadedPlan loaded{absolute, prepare_patch_run(options, reporter), fingerprint};
  const std::string now = fingerprint_of(plan_body(loaded.run).dump());
  if (now != fingerprint) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: the dataset, the plan or flamecare changed since it was made "
                            "(fingerprint {}, now {}); make a new plan",
                            name, printable(fingerprint), now));
  }
  return loaded;
}

}  // namespace flamecare::detail
