// `flamecare patches`: options → make_patches → summary.
#include <fmt/format.h>

#include "commands.hpp"
#include "config_file.hpp"
#include "flamecare/error.hpp"
#include "flamecare/patches.hpp"
#include "interrupt.hpp"
#include "validators.hpp"

namespace flamecare::cli {
namespace {

void print_summary(const PatchResult& r) {
  fmt::print("patches: {} from {} samples ({} per sample, {} samples skipped)\n", r.n_patches,
             r.n_samples, r.patches_per_image, r.n_skipped);
  fmt::print("  npz:     {} ({:.1f} MiB)\n", r.npz.string(),
             static_cast<double>(r.npz_bytes) / (1024.0 * 1024.0));
  if (!r.val_npz.empty()) {
    fmt::print("  val npz: {} ({} patches of {} held-out train images)\n", r.val_npz.string(),
               r.n_val_patches, r.validation_ids.size());
  }
  fmt::print("  seed:    {}\n", r.seed);
  fmt::print("  config:  {}\n", r.config.string());
  fmt::print("  samples: {}\n", r.samples1.string());
  fmt::print("           {}\n", r.samples2.string());
  for (const auto& copy : r.legacy_copies) fmt::print("  copy:    {}\n", copy.string());
  fmt::print("  log:     {}\n", (r.npz.parent_path() / "patches.log").string());
}

}  // namespace

void add_patches_command(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<PatchOptions>();
  auto per_image = std::make_shared<int>(0);
  auto* cmd = app.add_subcommand("patches",
                                 "Cut normalised CARE training patches into a CSBDeep-ready .npz");
  cmd->add_option("dataset", options->dataset, "Dataset name or path to its JSON")->required();
  cmd->add_option("--datasets", options->datasets_dir, "Datasets dir holding <name>.json")
      ->capture_default_str();
  cmd->add_option("--data", options->data_dir,
                  "The `create --out` dir (default: as the dataset JSON records)");
  cmd->add_option("--out", options->out_dir, "Where <name>/ with the npz goes (default: --data)");
  cmd->add_option("--patch-size", options->patch_size, "Patch side P in pixels")
      ->capture_default_str()
      ->check(int_at_least(2));
  cmd->add_option("--patch-multiple", options->patch_multiple, "m in n = floor(Y_max / P) * m")
      ->capture_default_str()
      ->check(int_at_least(1));
  auto* per_image_opt = cmd->add_option("--patches-per-image", *per_image,
                                        "Patches per sample (overrides the formula)")
                            ->check(int_at_least(1));
  cmd->add_option("--background-threshold", options->background_threshold,
                  "CSBDeep no_background_patches threshold")
      ->capture_default_str()
      ->check(number_in(0, 1, /*hi_open=*/false));
  cmd->add_flag("--all-channels", options->all_channels,
                "Keep all channels in each patch (default: one at a time)");
  auto seed = std::make_shared<std::uint64_t>(0);
  auto* seed_opt =
      cmd->add_option("--seed", *seed, "Random seed (default: fresh, recorded in the config)")
          ->check(seed_value());
  cmd->add_option("--threads", options->threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(int_at_least(0));
  cmd->add_option(
         "--validation-fraction", options->validation_fraction,
         "Hold out this fraction of the train images (whole groups) into <npz stem>_val.npz")
      ->capture_default_str()
      ->check(number_in(0, 1, /*hi_open=*/true));
  cmd->add_flag("--force-zip64", options->force_zip64, "Write ZIP64 records even for a small npz");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config,
                  "TOML file of these options (keys as the long option names; command line wins)");
  cmd->callback([&runner, cmd, config, options, per_image, per_image_opt, seed, seed_opt] {
    runner = [cmd, config, options, per_image, per_image_opt, seed,
              seed_opt](Console& console) -> int {
      if (!config->empty()) apply_config_file(*cmd, *config);
      if (per_image_opt->count() > 0) options->patches_per_image = *per_image;
      if (seed_opt->count() > 0) options->seed = *seed;
      catch_interrupts();
      PatchResult result;
      try {
        result = make_patches(*options, console.reporter());
      } catch (const Error& e) {
        console.note(fmt::format("failed: {}", e.what()));
        console.save_log_after_failure(
            (options->datasets_dir.empty() ? std::filesystem::path(".") : options->datasets_dir) /
            "patches.log");
        throw;
      }
      try {
        console.save_log(result.npz.parent_path() / "patches.log");
      } catch (const Error& e) {
        throw Error(e.kind(), fmt::format("{} (the npz itself is complete)", e.what()));
      }
      print_summary(result);
      return 0;
    };
  });
}

}  // namespace flamecare::cli
