// `flamecare inspect FILE [--json]`: what a raw image is and whether it is usable.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "flamecare/error.hpp"
#include "flamecare/screen.hpp"
#include "flamecare/text.hpp"

namespace flamecare::cli {
namespace {

struct InspectOptions {
  std::string file;
  bool json = false;
};

std::uint64_t size_of(const std::filesystem::path& file, const ScreenResult& r) {
  if (r.info) return r.info->file_size;
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  return ec ? 0 : size;
}

nlohmann::ordered_json sidecar_json(const TileData& t) {
  nlohmann::ordered_json s;
  s["tile_id"] = t.tile_id;
  s["frames_per_tile"] = t.frames_per_tile;
  s["channels_saved"] = nlohmann::ordered_json::parse(t.channels_saved);
  s["bidirectional_correction"] =
      t.bidirectional_correction ? nlohmann::ordered_json(*t.bidirectional_correction) : nullptr;
  return s;
}

// Paths and header text are bytes; JSON (and a terminal) get them with invalid UTF-8 escaped.
std::string text_of(std::string_view bytes) { return printable(bytes); }

nlohmann::ordered_json to_json(const std::filesystem::path& file, const ScreenResult& r) {
  nlohmann::ordered_json j;
  j["file"] = text_of(file.native());
  const auto* i = r.info ? &*r.info : nullptr;
  j["format"] = i ? nlohmann::ordered_json(i->big_tiff ? "BigTIFF" : "classic TIFF") : nullptr;
  j["scanimage_version"] = i ? nlohmann::ordered_json(text_of(i->scanimage_version)) : nullptr;
  j["header_version"] =
      i && i->header_version ? nlohmann::ordered_json(i->header_version) : nullptr;
  j["frames"] = i ? nlohmann::ordered_json(i->frames) : nullptr;
  j["channels"] = i ? nlohmann::ordered_json(i->channels) : nullptr;
  j["slices"] = i ? nlohmann::ordered_json(i->slices) : nullptr;
  j["height"] = i ? nlohmann::ordered_json(i->height) : nullptr;
  j["width"] = i ? nlohmann::ordered_json(i->width) : nullptr;
  j["dtype"] = i ? nlohmann::ordered_json(std::string(pixel_type_name(i->pixel_type))) : nullptr;
  j["pages"] = i ? nlohmann::ordered_json(i->pages) : nullptr;
  j["file_size"] = size_of(file, r);
  j["sidecar"] = r.tile ? sidecar_json(*r.tile) : nullptr;
  j["usable"] = r.usable();
  j["reason"] = r.reason_text();
  return j;
}

void print_text(const std::filesystem::path& file, const ScreenResult& r) {
  fmt::print("file:      {}\n", text_of(file.native()));
  if (const auto* i = r.info ? &*r.info : nullptr) {
    fmt::print("format:    {}, ScanImage {}, static header {}\n",
               i->big_tiff ? "BigTIFF" : "classic TIFF",
               i->scanimage_version.empty() ? "?" : text_of(i->scanimage_version),
               i->header_version ? fmt::format("v{}", i->header_version) : "none");
    fmt::print("metadata:  {}\n", text_of(i->flavor));
    fmt::print("shape:     F={} C={} Z={} Y={} X={}\n", i->frames, i->channels, i->slices,
               i->height, i->width);
    fmt::print("dtype:     {}\n", pixel_type_name(i->pixel_type));
    fmt::print("pages:     {}\n", i->pages);
  } else {
    fmt::print("format:    - (not readable as ScanImage, see usable)\n");
  }
  fmt::print("file size: {} bytes\n", size_of(file, r));
  if (r.tile) {
    fmt::print("sidecar:   framesPerTile {}, channelsSaved {}, bidirectionalCorrection {}\n",
               r.tile->frames_per_tile, r.tile->channels_saved,
               r.tile->bidirectional_correction ? std::to_string(*r.tile->bidirectional_correction)
                                                : std::string("none"));
  } else {
    fmt::print("sidecar:   none\n");
  }
  if (r.usable())
    fmt::print("usable:    yes ({} frames)\n", r.frames);
  else
    fmt::print("usable:    no ({})\n", r.reason_text());
}

}  // namespace

void add_inspect_command(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "Describe one raw ScanImage image and screen it");
  cmd->add_option("file", options->file, "Raw .tif file")->required();
  cmd->add_flag("--json", options->json, "Print one JSON object instead of text");
  cmd->callback([&runner, options] {
    runner = [options](Console&) -> int {
      const std::filesystem::path file(options->file);
      std::error_code ec;
      // A broken symlink exists (as a name) and is reported as unreadable, like `index` does.
      if (!std::filesystem::exists(std::filesystem::symlink_status(file, ec)))
        throw Error(ErrorKind::kNotFound, fmt::format("{}: no such file", text_of(file.native())));
      const auto result = screen_raw_image(file);
      if (options->json)
        fmt::print("{}\n", to_json(file, result).dump(2));
      else
        print_text(file, result);
      return 0;
    };
  });
}

}  // namespace flamecare::cli
