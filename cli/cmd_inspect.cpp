// `flamecare inspect FILE [--json]`: what a raw image is, its sidecar's state, whether it is
// usable.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.hpp"
#include "flamecare/error.hpp"
#include "flamecare/inspect.hpp"
#include "flamecare/text.hpp"

namespace flamecare::cli {
namespace {

struct InspectOptions {
  std::string file;
  bool json = false;
};

std::string sidecar_line(const SidecarReport& s) {
  switch (s.state) {
    case SidecarState::kMissing:
      return "missing";
    case SidecarState::kInvalid:
      return fmt::format("invalid: {}", s.problem);
    case SidecarState::kValid:
      break;
  }
  const TileData& t = *s.tile;
  return fmt::format(
      "valid: framesPerTile {}, channelsSaved {}, bidirectionalCorrection {}", t.frames_per_tile,
      t.channels_saved,
      t.bidirectional_correction ? std::to_string(*t.bidirectional_correction) : "none");
}

void print_text(const InspectReport& r) {
  fmt::print("file:      {}\n", printable(r.file.native()));
  if (const auto* i = r.screen.info ? &*r.screen.info : nullptr) {
    fmt::print("format:    {}, ScanImage {}, static header {}\n",
               i->big_tiff ? "BigTIFF" : "classic TIFF",
               i->scanimage_version.empty() ? "?" : printable(i->scanimage_version),
               i->header_version ? fmt::format("v{}", i->header_version) : "none");
    fmt::print("metadata:  {}\n", printable(i->flavor));
    fmt::print("shape:     F={} C={} Z={} Y={} X={}\n", i->frames, i->channels, i->slices,
               i->height, i->width);
    fmt::print("dtype:     {}\n", pixel_type_name(i->pixel_type));
    fmt::print("pages:     {}\n", i->pages);
  } else {
    fmt::print("format:    - (not readable as ScanImage, see usable)\n");
  }
  fmt::print("file size: {} bytes\n", r.file_size);
  fmt::print("sidecar:   {}\n", printable(r.sidecar.path.native()));
  fmt::print("           {}\n", sidecar_line(r.sidecar));
  if (r.screen.usable())
    fmt::print("usable:    yes ({} frames)\n", r.screen.frames);
  else
    fmt::print("usable:    no ({})\n", r.screen.reason_text());
}

InspectReport inspect(const std::string& file) {
  try {
    return inspect_raw_image(file);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kInvalidArgument) throw;
    throw Error(e.kind(),
                fmt::format("{} (`flamecare index FOLDER --datasets DIR` screens every file in "
                            "a folder)",
                            e.what()));
  }
}

}  // namespace

void add_inspect_command(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "Describe one raw ScanImage image and screen it");
  cmd->add_option("file", options->file, "Raw .tif file")->required();
  cmd->add_flag("--json", options->json, "Print one JSON object instead of text");
  cmd->callback([&runner, options] {
    runner = [options](Console&) -> int {
      const InspectReport report = inspect(options->file);
      if (options->json)
        fmt::print("{}\n", format_inspect_json(report));
      else
        print_text(report);
      return 0;
    };
  });
}

}  // namespace flamecare::cli
