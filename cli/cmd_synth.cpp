// `flamecare synth`: options → write_synthetic_corpus → list of written stacks.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.hpp"
#include "flamecare/error.hpp"
#include "flamecare/synth.hpp"

namespace flamecare::cli {

void add_synth_command(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<SynthOptions>();
  auto dtype = std::make_shared<std::string>("int16");
  auto* cmd = app.add_subcommand(
      "synth", "Write a synthetic FLAME acquisition folder (ScanImage stacks + sidecars)");
  cmd->add_option("out", options->out, "Root folder to write (created if missing)")->required();
  cmd->add_option("--images", options->images, "Number of good stacks")->capture_default_str();
  cmd->add_option("--size", options->size, "Width and height in pixels")->capture_default_str();
  cmd->add_option("--frames", options->frames, "Frames per stack")->capture_default_str();
  cmd->add_option("--channels", options->channels, "Channels per frame (1-4)")
      ->capture_default_str();
  cmd->add_option("--dtype", *dtype, "Pixel type: int8 uint8 int16 uint16 int32 uint32 float32")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "Random seed (same seed, same bytes)")
      ->capture_default_str();
  cmd->add_flag("--with-bad-files", options->with_bad_files,
                "Also write unusable files (summed, truncated, not ScanImage, no/bad sidecar)");
  cmd->callback([&runner, options, dtype] {
    runner = [options, dtype](Console& console) -> int {
      const auto type = parse_pixel_type(*dtype);
      if (!type) {
        throw Error(ErrorKind::kInvalidArgument, fmt::format("--dtype {}: unknown type", *dtype));
      }
      options->pixel_type = *type;
      const SynthResult result = write_synthetic_corpus(*options, console.reporter());
      for (const auto& p : result.good) fmt::print("good {}\n", p.string());
      for (const auto& p : result.bad) fmt::print("bad  {}\n", p.string());
      fmt::print("wrote {} good and {} unusable stacks under {}\n", result.good.size(),
                 result.bad.size(), options->out.string());
      return 0;
    };
  });
}

}  // namespace flamecare::cli
