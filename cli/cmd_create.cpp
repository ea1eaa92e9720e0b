// `flamecare create`: options → create_dataset → summary.
#include <fmt/format.h>

#include "commands.hpp"
#include "config_file.hpp"
#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"

namespace flamecare::cli {
namespace {

void print_summary(const CreateResult& r) {
  fmt::print("dataset {} (id {}), seed {}\n", r.name, r.id, r.seed);
  fmt::print("  images:  {} (train {}, test {})\n", r.n_train + r.n_test, r.n_train, r.n_test);
  std::string skipped;
  for (const auto& [reason, count] : r.skipped_by_reason)
    skipped += fmt::format(" {} {},", reason, count);
  if (!skipped.empty()) skipped.pop_back();
  fmt::print("  skipped:{}\n", skipped.empty() ? " none" : skipped);
  fmt::print("  train:   {}\n", (r.data_dir / "train").string());
  fmt::print("  test:    {}\n", (r.data_dir / "test").string());
  fmt::print("  json:    {}\n", r.json.string());
  fmt::print("  preview: {}\n", r.preview.string());
  fmt::print("  log:     {}\n", (r.data_dir / "create.log").string());
}

}  // namespace

void add_create_command(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<CreateOptions>();
  auto seed = std::make_shared<std::uint64_t>(0);
  auto channels = std::make_shared<int>(0);
  auto* cmd = app.add_subcommand("create",
                                 "Build a dataset of few-frame / many-frame sums with statistics");
  cmd->add_option("raw_root", options->raw_root, "Folder of raw ScanImage stacks")->required();
  cmd->add_option("--datasets", options->datasets_dir,
                  "Datasets dir (index, dataset JSON and preview)")
      ->required();
  cmd->add_option("--out", options->out_dir, "Where <name>/{train,test} TIFFs go")->required();
  cmd->add_option("--input-frames", options->input_frames, "Frames summed for the noisy input")
      ->capture_default_str();
  cmd->add_option("--gt-frames", options->gt_frames, "Frames summed for the ground truth")
      ->capture_default_str();
  cmd->add_option("--type", options->type, "Dataset type")->capture_default_str();
  cmd->add_option("--test-fraction", options->test_fraction,
                  "Fraction of images held out for testing")
      ->capture_default_str();
  auto* seed_opt =
      cmd->add_option("--seed", *seed, "Random seed for the split (default: fresh, recorded)");
  auto* channels_opt =
      cmd->add_option("--channels", *channels, "Keep only images with this many channels");
  cmd->add_option("--threads", options->threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("--date", options->date, "YYYYMMDD used in the dataset name (default: today)");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config,
                  "TOML file of these options (keys as the long option names; command line wins)");
  cmd->callback([&runner, cmd, config, options, seed, channels, seed_opt, channels_opt] {
    runner = [cmd, config, options, seed, channels, seed_opt,
              channels_opt](Console& console) -> int {
      if (!config->empty()) apply_config_file(*cmd, *config);
      if (seed_opt->count() > 0) options->seed = *seed;
      if (channels_opt->count() > 0) options->channels = *channels;
      CreateResult result;
      try {
        result = create_dataset(*options, console.reporter());
      } catch (const Error& e) {
        console.note(fmt::format("failed: {}", e.what()));
        console.save_log(options->datasets_dir / "create.log");
        throw;
      }
      console.save_log(result.data_dir / "create.log");
      print_summary(result);
      return 0;
    };
  });
}

}  // namespace flamecare::cli
