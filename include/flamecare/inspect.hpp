#pragma once
/// `inspect`: what one raw image is, the state of its sidecar, and whether it is usable.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "flamecare/screen.hpp"
#include "flamecare/tile_data.hpp"

namespace flamecare {

/// Where a raw image's sidecar `<stem>.tileData.txt` stands.
enum class SidecarState {
  kMissing,  ///< no file of that name (a dangling symlink counts as none)
  kValid,    ///< read and parsed: every required TileData key with a usable value
  kInvalid,  ///< present but unusable: not a regular file, too large, not UTF-8 JSON, bad keys
};

/// "missing", "valid" or "invalid" (the JSON's `sidecar_state`).
std::string_view to_string(SidecarState state);

/// The sidecar of an inspected image, read on its own (also when the TIFF itself is unusable).
struct SidecarReport {
  std::filesystem::path path;  ///< `<stem>.tileData.txt` beside the image
  SidecarState state = SidecarState::kMissing;
  std::string problem;           ///< why it is invalid, one line of UTF-8 without the path; else ""
  std::optional<TileData> tile;  ///< present exactly when valid
};

/// Everything `flamecare inspect` and `flamecare.inspect` report about one file.
struct InspectReport {
  std::filesystem::path file;
  std::uint64_t file_size = 0;  ///< bytes on disk; 0 when the size cannot be read
  ScreenResult screen;          ///< as `index` screens it: the TIFF's facts, usable or the reason
  SidecarReport sidecar;
};

/// Screens `file` as `index` does and reads its sidecar separately, so the sidecar's path and
/// state are known whatever the TIFF is. A bad file (unreadable, FIFO, broken symlink, not a
/// TIFF, ...) is a report, not an error. Throws Error(kNotFound) when nothing exists at `file`,
/// Error(kInvalidArgument) when it is a directory (a folder is not one raw image).
InspectReport inspect_raw_image(const std::filesystem::path& file);

/// The report as one JSON object, two-space indented, without a trailing newline: the keys
/// `file, format, scanimage_version, header_version, frames, channels, slices, height, width,
/// dtype, pages, file_size, sidecar, sidecar_path, sidecar_state, sidecar_problem, usable,
/// reason` (README "flamecare inspect"). Paths and header text are valid UTF-8 (bad bytes `\xNN`).
std::string format_inspect_json(const InspectReport& report);

}  // namespace flamecare
