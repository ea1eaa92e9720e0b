// `flamecare patches` (options → make_patches → summary) and its sharded steps: `patches
// --plan-only` (plan_patches), `patches-shard` (patches_shard), `patches-merge` (patches_merge).
#include <cstdio>
#include <utility>

#include <fmt/format.h>

#include "commands.hpp"
#include "config_file.hpp"
#include "flamecare/error.hpp"
#include "flamecare/patches.hpp"
#include "flamecare/text.hpp"
#include "interrupt.hpp"
#include "validators.hpp"

namespace flamecare::cli {
namespace {

void print_summary(const PatchResult& r) {
  fmt::print("patches: {} from {} samples ({} per sample, {} samples skipped)\n", r.n_patches,
             r.n_samples, r.patches_per_image, r.n_skipped);
  fmt::print("  npz:     {} ({:.1f} MiB)\n", printable(r.npz.string()),
             static_cast<double>(r.npz_bytes) / (1024.0 * 1024.0));
  if (!r.val_npz.empty()) {
    fmt::print("  val npz: {} ({} patches of {} held-out train images)\n",
               printable(r.val_npz.string()), r.n_val_patches, r.validation_ids.size());
  }
  fmt::print("  seed:    {}\n", r.seed);
  fmt::print("  config:  {}\n", printable(r.config.string()));
  fmt::print("  samples: {}\n", printable(r.samples1.string()));
  fmt::print("           {}\n", printable(r.samples2.string()));
  for (const auto& copy : r.legacy_copies) fmt::print("  copy:    {}\n", printable(copy.string()));
  fmt::print("  log:     {}\n", printable((r.npz.parent_path() / "patches.log").string()));
}

// A complete npz: its log beside it, then the summary.
int finish_run(const PatchResult& result, Console& console) {
  try {
    console.save_log_done(result.npz.parent_path() / "patches.log");
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{} (the npz itself is complete)", e.what()));
  }
  print_summary(result);
  return 0;
}

// The log of a failed run goes into its output folder when that exists; a run that failed before
// (no such dataset, …) writes nothing at all.
void save_failure_log(Console& console, const PatchOptions& options, const Error& error) {
  try {
    console.save_log_failed(patches_output_dir(options) / "patches.log", error.what());
  } catch (const Error&) {
    // The dataset cannot be opened: the error itself says why, on stderr.
  }
}

// Everything the parsed command line holds; shared by the parser and the runner.
struct PatchArgs {
  PatchOptions options;
  int per_image = 0;
  std::uint64_t seed = 0;
  std::string config;
  CLI::App* command = nullptr;
  CLI::Option* dataset_option = nullptr;
  CLI::Option* per_image_option = nullptr;
  CLI::Option* seed_option = nullptr;
  bool plan_only = false;
};

// The plan's path goes last on stdout: scripts and workflows take it from there.
int run_plan(const PatchOptions& options, Console& console) {
  const PatchesPlan plan = plan_patches(options, console.reporter());
  fmt::print("plan: {} samples, seed {}, for {}\n", plan.n_samples, plan.seed,
             printable(plan.npz.string()));
  fmt::print("{}\n", printable(plan.path.string()));
  return 0;
}

int run_patches(PatchArgs& args, Console& console) {
  if (!args.config.empty()) {
    for (const auto& line : apply_config_file(*args.command, args.config))
      console.note(fmt::format("config {}: {}", printable(args.config), line));
  }
  require_option(args.dataset_option, "DATASET", "dataset");
  check_exclusions(*args.command);
  PatchOptions& options = args.options;
  if (args.per_image_option->count() > 0) options.patches_per_image = args.per_image;
  if (args.seed_option->count() > 0) options.seed = args.seed;
  catch_interrupts();
  if (args.plan_only) return run_plan(options, console);
  PatchResult result;
  try {
    result = make_patches(options, console.reporter());
  } catch (const Error& e) {
    save_failure_log(console, options, e);
    throw;
  }
  return finish_run(result, console);
}

// "K/N" with 1 <= K <= N.
std::pair<int, int> parse_shard(const std::string& text) {
  int k = 0, n = 0;
  char end = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &k, &n, &end) != 2 || k < 1 || n < 1 || k > n) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("--shard: expected K/N with 1 <= K <= N (e.g. 2/5), got '{}'",
                            printable(text)));
  }
  return {k, n};
}

void add_shard_command(CLI::App& app, Runner& runner) {
  struct Args {
    std::string plan, shard;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "patches-shard",
      "Cut one shard (round robin over the samples) of a `patches --plan-only` plan");
  cmd->add_option("plan", args->plan, "The plan JSON")->required();
  cmd->add_option("--shard", args->shard, "K/N: this shard K of N (1 <= K <= N)")->required();
  cmd->add_option("--threads", args->threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(int_at_least(0));
  cmd->callback([&runner, args] {
    runner = [args](Console& console) {
      const auto [k, n] = parse_shard(args->shard);
      catch_interrupts();
      const PatchShardResult r = patches_shard(args->plan, k, n, args->threads, console.reporter());
      fmt::print("patches-shard {}/{}: {} patches from {} samples ({} skipped)\n", r.shard,
                 r.shards, r.n_patches, r.n_samples, r.n_skipped);
      fmt::print("  state: {}\n", printable(r.state.string()));
      return 0;
    };
  });
}

void add_merge_command(CLI::App& app, Runner& runner) {
  auto plan = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "patches-merge", "Merge every shard of a plan into the npz one `patches` run writes");
  cmd->add_option("plan", *plan, "The plan JSON")->required();
  cmd->callback([&runner, plan] {
    runner = [plan](Console& console) {
      catch_interrupts();
      return finish_run(patches_merge(*plan, console.reporter()), console);
    };
  });
}

}  // namespace

void add_patches_command(CLI::App& app, Runner& runner) {
  add_shard_command(app, runner);
  add_merge_command(app, runner);
  auto args = std::make_shared<PatchArgs>();
  PatchOptions& o = args->options;
  auto* cmd = app.add_subcommand("patches",
                                 "Cut normalised CARE training patches into a CSBDeep-ready .npz");
  args->command = cmd;
  args->dataset_option = cmd->add_option(
      "dataset", o.dataset, "Dataset name or path to its JSON (required; or dataset in --config)");
  cmd->add_option("--datasets", o.datasets_dir, "Datasets dir holding <name>.json")
      ->capture_default_str();
  cmd->add_option("--data", o.data_dir,
                  "The `create --out` dir (default: as the dataset JSON records)");
  cmd->add_option("--out", o.out_dir, "Where <name>/ with the npz goes (default: --data)");
  cmd->add_option("--patch-size", o.patch_size, "Patch side P in pixels")
      ->capture_default_str()
      ->check(int_at_least(2));
  cmd->add_option("--patch-multiple", o.patch_multiple, "m in n = floor(Y_max / P) * m")
      ->capture_default_str()
      ->check(int_at_least(1));
  args->per_image_option = cmd->add_option("--patches-per-image", args->per_image,
                                           "Patches per sample (overrides the formula)")
                               ->check(int_at_least(1));
  cmd->add_option("--background-threshold", o.background_threshold,
                  "CSBDeep no_background_patches threshold")
      ->capture_default_str()
      ->check(number_in(0, 1, /*hi_open=*/false));
  cmd->add_flag("--all-channels", o.all_channels,
                "Keep all channels in each patch (default: one at a time)");
  args->seed_option =
      cmd->add_option("--seed", args->seed, "Random seed (default: fresh, recorded in the config)")
          ->check(seed_value());
  cmd->add_option("--threads", o.threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(int_at_least(0));
  cmd->add_option(
         "--validation-fraction", o.validation_fraction,
         "Hold out this fraction of the train images (whole groups) into <npz stem>_val.npz")
      ->capture_default_str()
      ->check(number_in(0, 1, /*hi_open=*/true));
  cmd->add_flag("--force-zip64", o.force_zip64, "Write ZIP64 records even for a small npz");
  cmd->add_flag("--plan-only", args->plan_only,
                "Only plan a sharded run: write <npz stem>.plan.json (its path is the last line) "
                "for patches-shard and patches-merge");
  cmd->add_option("--config", args->config,
                  "TOML file of these options (keys as the long option names, dataset for "
                  "DATASET; command line wins)");
  cmd->callback([&runner, args] {
    runner = [args](Console& console) { return run_patches(*args, console); };
  });
}

}  // namespace flamecare::cli
