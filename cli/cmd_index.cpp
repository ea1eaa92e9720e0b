// `flamecare index RAW_ROOT --datasets DIR [--threads N]`: create or update raw_image_index.csv.
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "flamecare/index.hpp"
#include "flamecare/text.hpp"
#include "validators.hpp"

namespace flamecare::cli {
namespace {

void print_summary(const IndexSummary& s) {
  fmt::print("index: {}\n", printable(s.csv.native()));
  fmt::print("files found: {}\n", s.found);
  fmt::print("new: {}\n", s.added);
  fmt::print("screened: {}\n", s.screened);
  fmt::print("usable: {}\n", s.usable);
  fmt::print("unusable: {}\n", s.unusable);
  for (const auto& [code, count] : s.unusable_by_reason) {
    fmt::print("  {}: {}\n", code, count);
  }
  fmt::print("missing: {}\n", s.missing);
}

}  // namespace

void add_index_command(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<IndexOptions>();
  auto* cmd = app.add_subcommand(
      "index",
      "Create or update <datasets>/raw_image_index.csv from the .tif files under RAW_ROOT");
  cmd->add_option("RAW_ROOT", options->raw_root, "Directory searched recursively for .tif files")
      ->required()
      ->type_name("DIR");
  cmd->add_option("--datasets", options->datasets_dir,
                  "Directory holding raw_image_index.csv (created if missing)")
      ->required()
      ->type_name("DIR");
  cmd->add_option("--threads", options->threads, "Screening threads (0 = all cores)")
      ->check(int_at_least(0));
  cmd->add_flag("--rescreen", options->rescreen,
                "Screen every file again, even those whose TIFF and sidecar did not change");
  cmd->callback([&runner, options] {
    runner = [options](Console& console) -> int {
      console.note(fmt::format("flamecare index {} --datasets {} --threads {}{}",
                               printable(options->raw_root.native()),
                               printable(options->datasets_dir.native()), options->threads,
                               options->rescreen ? " --rescreen" : ""));
      const IndexResult result = update_index(*options, console.reporter());
      print_summary(result.summary);
      console.save_log(options->datasets_dir / "index.log");
      return 0;
    };
  });
}

}  // namespace flamecare::cli
