// FLAME sidecar writer: `<stem>.tileData.txt` with a TileData object like the scope writes.
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/synth.hpp"
#include "io/atomic_file.hpp"

namespace flamecare {
namespace {

constexpr double kUmPerPixel = 0.5;

nlohmann::ordered_json tile_data_json(const TileDataSpec& spec) {
  using json = nlohmann::ordered_json;
  json channels = json::array();
  for (int c = 1; c <= spec.channels; ++c) channels.push_back(c);
  const double w_um = spec.width * kUmPerPixel;
  const double h_um = spec.height * kUmPerPixel;
  // Tiles sit on a grid by id so neighbouring sidecars differ like a real mosaic's.
  const double x0 = (spec.tile_id - 1) % 4 * w_um;
  const double y0 = (spec.tile_id - 1) / 4 * h_um;
  json tile = {
      {"tileID", spec.tile_id},      {"tileResolution", {spec.height, spec.width}},
      {"tileChannelsAvailable", 4},  {"channelsAcquired", channels},
      {"channelsSaved", channels},   {"framesPerTile", spec.frames_per_tile},
      {"tileScannedThisFile", true}, {"tileZs", {0.0}},
  };
  if (spec.bidirectional_correction) {
    tile["bidirectionalCorrection"] = *spec.bidirectional_correction;
  }
  tile["tileAffine"] = {{kUmPerPixel, 0.0, x0}, {0.0, kUmPerPixel, y0}, {0.0, 0.0, 1.0}};
  tile["displayAvgFactor"] = 1;
  tile["tileSamplePointXY"] = {x0 + w_um / 2, y0 + h_um / 2};
  tile["tileSizeUm"] = {w_um, h_um};
  tile["tileCornerPtsUm"] = {{x0, y0}, {x0 + w_um, y0}, {x0 + w_um, y0 + h_um}, {x0, y0 + h_um}};
  tile["isFastZ"] = false;
  tile["numTilesToScan"] = 16;
  return json{{"TileData", tile}};
}

// Same rule as tile_data_path() of the reader module, kept here so synth links on its own.
std::filesystem::path sidecar_path(const std::filesystem::path& tif) {
  return tif.parent_path() / (tif.stem().string() + ".tileData.txt");
}

}  // namespace

void write_tile_data(const std::filesystem::path& tif, const TileDataSpec& spec) {
  if (spec.channels < 1 || spec.height < 1 || spec.width < 1 || spec.frames_per_tile < 0) {
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("{}: sidecar shape channels {} height {} width {} frames {} invalid",
                    tif.string(), spec.channels, spec.height, spec.width, spec.frames_per_tile));
  }
  detail::write_file_atomic(sidecar_path(tif), tile_data_json(spec).dump(2) + "\n");
}

}  // namespace flamecare
