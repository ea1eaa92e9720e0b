// `flamecare export`: options → export_dataset → summary.
#include <fmt/format.h>

#include "commands.hpp"
#include "config_file.hpp"
#include "flamecare/error.hpp"
#include "flamecare/export.hpp"
#include "interrupt.hpp"
#include "validators.hpp"

namespace flamecare::cli {
namespace {

void print_summary(const ExportResult& r) {
  fmt::print("export: {} (CAREamics {}, axes {})\n", r.dir.string(), kCareamicsVersion, r.axes);
  fmt::print("  images:  train {}, val {}, test {}\n", r.train_ids.size(), r.val_ids.size(),
             r.test_ids.size());
  fmt::print("  files:   {} hard links, {} copies\n", r.n_linked, r.n_copied);
  fmt::print("  train:   {}  {}\n", (r.dir / "train" / "input").string(),
             (r.dir / "train" / "target").string());
  if (!r.val_ids.empty()) {
    fmt::print("  val:     {}  {}\n", (r.dir / "val" / "input").string(),
               (r.dir / "val" / "target").string());
  }
  if (!r.test_ids.empty()) {
    fmt::print("  test:    {}  {}\n", (r.dir / "test" / "input").string(),
               (r.dir / "test" / "target").string());
  }
  fmt::print("  config:  {}\n", r.config.string());
  fmt::print("  seed:    {}\n", r.seed);
}

}  // namespace

void add_export_command(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand(
      "export", "Write a dataset as a trainer's folders (CAREamics: train/val/test input, target)");
  cmd->add_option("dataset", options->dataset, "Dataset name or path to its JSON")->required();
  cmd->add_option("--datasets", options->datasets_dir, "Datasets dir holding <name>.json")
      ->capture_default_str();
  cmd->add_option("--data", options->data_dir,
                  "The `create --out` dir (default: as the dataset JSON records)");
  cmd->add_option("--out", options->out_dir, "DIR: the export goes to DIR/<name>")->required();
  cmd->add_option("--format", options->format, "Trainer layout")
      ->capture_default_str()
      ->check(CLI::IsMember({"careamics"}));
  cmd->add_option("--validation-fraction", options->validation_fraction,
                  "Move this fraction of the train images (whole groups) to val/")
      ->capture_default_str()
      ->check(number_in(0, 1, /*hi_open=*/true));
  auto seed = std::make_shared<std::uint64_t>(0);
  auto* seed_opt =
      cmd->add_option("--seed", *seed, "Seed for the validation images (default: fresh, recorded)")
          ->check(seed_value());
  cmd->add_option("--threads", options->threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(int_at_least(0));
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config,
                  "TOML file of these options (keys as the long option names; command line wins)");
  cmd->callback([&runner, cmd, config, options, seed, seed_opt] {
    runner = [cmd, config, options, seed, seed_opt](Console& console) -> int {
      if (!config->empty()) apply_config_file(*cmd, *config);
      if (seed_opt->count() > 0) options->seed = *seed;
      catch_interrupts();
      const ExportResult result = export_dataset(*options, console.reporter());
      print_summary(result);
      return 0;
    };
  });
}

}  // namespace flamecare::cli
