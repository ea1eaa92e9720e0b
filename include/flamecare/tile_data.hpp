#pragma once
/// The FLAME `<stem>.tileData.txt` sidecar (JSON with a `TileData` object).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace flamecare {

/// Sidecars are a few kilobytes; larger files are refused (bad_sidecar) instead of read whole.
inline constexpr std::uint64_t kMaxSidecarBytes = 4u << 20;
/// Sidecars nest three levels; deeper JSON is refused before parsing.
inline constexpr int kMaxSidecarDepth = 64;

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

/// Parses sidecar JSON (UTF-8, nested at most kMaxSidecarDepth levels). Required keys: tileID,
/// tileResolution, tileChannelsAvailable, channelsAcquired, channelsSaved, framesPerTile,
/// tileScannedThisFile, tileZs; unknown keys are kept in raw_json and ignored. Throws
/// Error(kCorrupt) naming `source` and the bad key, or saying the text is UTF-16 / not UTF-8 /
/// nested too deeply.
TileData parse_tile_data(std::string_view json, std::string_view source);

/// Reads and parses a sidecar file: only a regular file of at most kMaxSidecarBytes is read (a
/// FIFO, device or directory is refused without blocking). Throws Error(kNotFound) when it does
/// not exist, Error(kIo) when it is not a regular file or cannot be read ("<path>: is a
/// directory, not a regular file"), Error(kUnsupported) when it is too large, Error(kCorrupt) as
/// parse_tile_data.
TileData read_tile_data(const std::filesystem::path& sidecar);

}  // namespace flamecare
