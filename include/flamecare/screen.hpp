#pragma once
/// Screening: is one raw image usable for a dataset, and if not, why.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flamecare/scanimage.hpp"
#include "flamecare/tile_data.hpp"

namespace flamecare {

/// Result of screening one raw image.
struct ScreenResult {
  int frames = -1;     ///< verified frames (== framesPerTile) when usable, else -1
  std::string reason;  ///< "" when usable, else "<code>: <detail>" with a code from kScreenReasons
  std::optional<ScanImageInfo> info;  ///< present whenever the TIFF could be read
  std::optional<TileData> tile;       ///< present whenever the sidecar could be read
  bool usable() const { return frames >= 0; }
  /// The reason code alone ("frames_mismatch", ...), "" when usable.
  std::string_view reason_code() const;
};

/// Every reason code screening can give, in documentation order.
extern const std::vector<std::string_view> kScreenReasons;

/// Screens `tif`: readable ScanImage stack, valid sidecar, Z == 1, frames on disk ==
/// framesPerTile. Never throws for a bad file: every problem becomes a reason.
ScreenResult screen_raw_image(const std::filesystem::path& tif);

}  // namespace flamecare
