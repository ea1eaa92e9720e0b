// `flamecare index RAW_ROOT --datasets DIR [--threads N]`: create or update raw_image_index.csv.
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "flamecare/text.hpp"
#include "interrupt.hpp"
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
  for (const auto& image : s.missing_images) fmt::print("  {}\n", printable(image));
  if (s.missing > s.missing_images.size())
    fmt::print("  ... and {} more (status \"missing\" in the index)\n",
               s.missing - s.missing_images.size());
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
      catch_interrupts();
      const auto log = options->datasets_dir / "index.log";
      IndexResult result;
      try {
        result = update_index(*options, console.reporter());
      } catch (const Error& e) {
        console.save_log_failed(log, e.what());
        throw;
      }
      print_summary(result.summary);
      console.save_log_done(log);
      return 0;
    };
  });
}

}  // namespace flamecare::cli
