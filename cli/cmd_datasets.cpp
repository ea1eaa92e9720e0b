// `flamecare datasets`: every dataset of a datasets dir, one line each (or JSON for scripts).
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "flamecare/dataset_files.hpp"
#include "flamecare/text.hpp"

namespace flamecare::cli {
namespace {

struct DatasetsArgs {
  std::filesystem::path datasets_dir = ".";
  bool json = false;
};

// "2026-11-25T21:28:59+0100" → "2026-11-25 21:28": enough to tell runs apart in a table.
std::string short_time(const std::string& iso) {
  if (iso.size() < 16 || iso[10] != 'T') return iso.empty() ? "-" : iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

void print_table(const std::vector<DatasetInfo>& infos, const std::filesystem::path& dir) {
  if (infos.empty()) {
    fmt::print("no datasets in {}\n", printable(std::filesystem::absolute(dir).string()));
    return;
  }
  std::size_t width = 4;
  for (const auto& info : infos) {
    width = std::max(width, printable(info.dataset.name).size());
  }
  fmt::print("{:<{}}  {:<6}  {:<16}  {:>6}  {:>5}  {:>4}  {:<9}  {}{:<20}  {}\n", "name", width,
             "id", "created", "images", "train", "test", "frames", "pairing   ", "seed", "npz");
  for (const auto& info : infos) {
    const Dataset& d = info.dataset;
    fmt::print("{:<{}}  {:<6}  {:<16}  {:>6}  {:>5}  {:>4}  {:<9}  {}{:<20}  {}\n",
               printable(d.name), width, format_dataset_id(d.id), short_time(d.created),
               d.images.size(), d.train_ids().size(), d.test_ids().size(),
               fmt::format("{}to{}", d.input.n_frames, d.output.n_frames),
               fmt::format("{:<10}", pairing_name(d.pairing)),
               d.seed ? std::to_string(*d.seed) : "-", info.npz_files.size());
    for (const auto& npz : info.npz_files) fmt::print("    npz: {}\n", printable(npz.string()));
  }
}

}  // namespace

void add_datasets_command(CLI::App& app, Runner& runner) {
  auto args = std::make_shared<DatasetsArgs>();
  auto* cmd = app.add_subcommand("datasets", "List the datasets of a datasets dir");
  cmd->add_option("--datasets", args->datasets_dir, "Datasets dir")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON array (for scripts)");
  cmd->callback([&runner, args] {
    runner = [args](Console& console) -> int {
      const auto infos = dataset_infos(args->datasets_dir, console.reporter());
      if (args->json) {
        fmt::print("{}", format_dataset_infos_json(infos));
      } else {
        print_table(infos, args->datasets_dir);
      }
      return 0;
    };
  });
}

}  // namespace flamecare::cli
