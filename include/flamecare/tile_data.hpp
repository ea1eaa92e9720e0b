#pragma once
/// The FLAME `<stem>.tileData.txt` sidecar (JSON with a `TileData` object).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace flamecare {

struct TileData {
  int tile_id = 0;
  int frames_per_tile = 0;                      ///< framesPerTile
  std::optional<int> bidirectional_correction;  ///< bidirectionalCorrection, whole pixels
  std::string tile_resolution;                  ///< tileResolution as compact JSON text
  std::string channels_saved;                   ///< channelsSaved as compact JSON text
  std::string raw_json;                         ///< the whole TileData object, compact JSON
};

/// `<dir>/<stem>.tileData.txt` for `<dir>/<stem>.tif`.
std::filesystem::path tile_data_path(const std::filesystem::path& tif);

/// Parses sidecar JSON. Required keys: tileID, tileResolution, tileChannelsAvailable,
/// channelsAcquired, channelsSaved, framesPerTile, tileScannedThisFile, tileZs; unknown keys are
/// kept in raw_json and ignored. Throws Error(kCorrupt) naming `source` and the bad key.
TileData parse_tile_data(std::string_view json, std::string_view source);

/// Reads and parses a sidecar file. Throws Error(kNotFound / kIo / kCorrupt).
TileData read_tile_data(const std::filesystem::path& sidecar);

}  // namespace flamecare
