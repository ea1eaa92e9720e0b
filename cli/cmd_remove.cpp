// `flamecare remove DATASET`: a dataset's JSON, preview, data folder and the npz files cut from
// it, after a confirmation (never raw data).
#include <unistd.h>

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "flamecare/dataset_files.hpp"
#include "flamecare/error.hpp"
#include "flamecare/text.hpp"

namespace flamecare::cli {
namespace {

struct RemoveArgs {
  std::string dataset;
  std::filesystem::path datasets_dir;
  bool yes = false;
};

// Asks on the terminal; true for "y" or "yes".
bool confirmed(const DatasetRemoval& plan) {
  fmt::print(stderr, "remove dataset {} and these {} paths? [y/N] ",
             printable(plan.info.dataset.name), plan.paths.size());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES" || answer == "Yes";
}

int run_remove(const RemoveArgs& args, Console& console) {
  const DatasetRemoval plan = plan_dataset_removal(args.dataset, args.datasets_dir);
  fmt::print("dataset {} (id {}):\n", printable(plan.info.dataset.name),
             format_dataset_id(plan.info.dataset.id));
  for (const auto& path : plan.paths) {
    std::error_code ec;
    const bool dir = std::filesystem::is_directory(std::filesystem::symlink_status(path, ec));
    const char* what = path == plan.info.data_dir ? "/  (the data folder, with everything in it)"
                       : dir                      ? "/  (folder, empty by then)"
                                                  : "";
    fmt::print("  {}{}\n", printable(path.string()), what);
  }
  if (!args.yes) {
    if (::isatty(STDIN_FILENO) != 1) {
      throw Error(ErrorKind::kInvalidArgument,
                  "not removing without a confirmation: stdin is not a terminal; add --yes");
    }
    if (!confirmed(plan)) {
      fmt::print("nothing removed\n");
      return 1;
    }
  }
  remove_dataset(plan, console.reporter());
  fmt::print("removed dataset {}; its id {} is never given again\n",
             printable(plan.info.dataset.name), format_dataset_id(plan.info.dataset.id));
  return 0;
}

}  // namespace

void add_remove_command(CLI::App& app, Runner& runner) {
  auto args = std::make_shared<RemoveArgs>();
  auto* cmd = app.add_subcommand(
      "remove", "Remove a dataset: its JSON, preview, data folder and npz files (not raw data)");
  cmd->add_option("dataset", args->dataset, "Dataset name or path to its JSON")->required();
  cmd->add_option("--datasets", args->datasets_dir, "Datasets dir holding <name>.json")
      ->capture_default_str();
  cmd->add_flag("-y,--yes", args->yes, "Do not ask for a confirmation");
  cmd->callback([&runner, args] {
    runner = [args](Console& console) -> int { return run_remove(*args, console); };
  });
}

}  // namespace flamecare::cli
