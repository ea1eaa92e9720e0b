#pragma once
/// Screening: is one raw image usable for a dataset, and if not, why.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flamecare/error.hpp"
#include "flamecare/scanimage.hpp"
#include "flamecare/tile_data.hpp"

namespace flamecare {

/// Why a raw image is unusable, in the order a file is checked (README "Reason codes").
/// Codes, not message text, decide: the reader throws RawFileError carrying one.
enum class ScreenReason {
  kNone,            ///< usable (no reason)
  kUnreadable,      ///< cannot be opened or read: missing, not a regular file, permissions, I/O
  kEmpty,           ///< 0 bytes
  kNotTiff,         ///< no TIFF/BigTIFF signature
  kTruncated,       ///< the header, an IFD, the static header or pixel strips pass the end of file
  kCorrupt,         ///< other structural damage or impossible header numbers
  kNotScanImage,    ///< a valid TIFF without ScanImage metadata
  kUnsupported,     ///< ScanImage, but a feature flamecare does not read
  kMultiSlice,      ///< more than one z slice
  kNoSidecar,       ///< `<stem>.tileData.txt` does not exist
  kBadSidecar,      ///< the sidecar is unreadable, not UTF-8 JSON, or misses/garbles a required key
  kFramesMismatch,  ///< frames on disk differ from the sidecar's framesPerTile
};

/// The reason's code as written in the index CSV ("truncated", ...); "" for kNone.
std::string_view to_string(ScreenReason reason);
/// The reason whose code is `code`; nullopt for "" and unknown codes.
std::optional<ScreenReason> parse_screen_reason(std::string_view code);

/// Every reason code screening can give (all but kNone), in documentation order.
extern const std::vector<std::string_view> kScreenReasons;

/// An Error while reading a raw image that also says which screening reason it stands for.
/// what() is "<file>: <detail>" (file with invalid UTF-8 bytes escaped); detail() is the cause
/// alone, one line of valid UTF-8, as the index CSV records it.
class RawFileError : public Error {
 public:
  RawFileError(ErrorKind kind, ScreenReason reason, const std::filesystem::path& file,
               const std::string& detail);
  ScreenReason reason() const { return reason_; }
  const std::string& detail() const { return detail_; }

 private:
  ScreenReason reason_;
  std::string detail_;
};

/// Result of screening one raw image.
struct ScreenResult {
  int frames = -1;                            ///< verified frames (== framesPerTile) when usable
  ScreenReason reason = ScreenReason::kNone;  ///< kNone exactly when usable
  std::string detail;  ///< why, one line of valid UTF-8 without the code ("" when usable)
  std::optional<ScanImageInfo> info;  ///< present whenever the TIFF could be read
  std::optional<TileData> tile;       ///< present whenever the sidecar could be read
  bool usable() const { return frames >= 0; }
  /// The reason code alone ("frames_mismatch", ...), "" when usable.
  std::string_view reason_code() const { return to_string(reason); }
  /// "<code>: <detail>", "" when usable.
  std::string reason_text() const;
};

/// Screens `tif`: readable ScanImage stack, valid sidecar, Z == 1, frames on disk ==
/// framesPerTile. Never throws for a bad file: every problem becomes a reason.
ScreenResult screen_raw_image(const std::filesystem::path& tif);

}  // namespace flamecare
