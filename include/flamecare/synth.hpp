#pragma once
/// Synthetic FLAME corpora: ScanImage 2016+ BigTIFFs with sidecars, for demo, tests and benches.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "flamecare/image.hpp"
#include "flamecare/log.hpp"

namespace flamecare {

/// One ScanImage stack to write. Pages are (f, c) channel-fastest for one slice.
struct StackSpec {
  int frames = 40;  ///< pages per channel written to disk
  int channels = 2;
  int height = 256;
  int width = 256;
  PixelType pixel_type = PixelType::kInt16;
  int header_version = 4;                 ///< static block version, 3 or 4
  std::optional<int> frames_per_slice{};  ///< SI.hStackManager.framesPerSlice; nullopt writes Inf
  int first_channel_id = 1;               ///< channelSave ids start here (channelSave = [1;2] ...)
};

/// Writes a ScanImage 2016+ BigTIFF (static block at byte 16, Software/Artist tags, per-page
/// frame-varying ImageDescription) whose pixel (page, y, x) is value(page, y, x) converted to the
/// pixel type (saturating). Atomic. Throws Error(kIo / kInvalidArgument).
void write_scanimage_tiff(const std::filesystem::path& path, const StackSpec& spec,
                          const std::function<double(int page, int y, int x)>& value);

/// Sidecar content to write next to a synthetic stack.
struct TileDataSpec {
  int tile_id = 1;
  int frames_per_tile = 40;
  int channels = 2;
  int height = 256;
  int width = 256;
  std::optional<int> bidirectional_correction{};
};

/// Writes `<stem>.tileData.txt` for `tif` in the FLAME sidecar JSON layout. Throws Error(kIo).
void write_tile_data(const std::filesystem::path& tif, const TileDataSpec& spec);

struct SynthOptions {
  std::filesystem::path out;
  int images = 8;
  int size = 256;
  int frames = 40;
  int channels = 2;
  PixelType pixel_type = PixelType::kInt16;
  std::uint64_t seed = 1;
  bool with_bad_files = false;  ///< also write unusable files (summed, truncated, no sidecar, ...)
};

struct SynthResult {
  std::vector<std::filesystem::path> good;  ///< usable stacks
  std::vector<std::filesystem::path> bad;   ///< deliberately unusable files
};

/// Writes a corpus `<out>/S<nnn>_PL/<sample>/<mosaic>/Im_000NN.tif` (+ sidecars) with
/// photon-count-like content: smooth tissue, bright thin structures, dark background, Poisson
/// noise per frame; some images carry a bidirectionalCorrection. Deterministic for a seed.
SynthResult write_synthetic_corpus(const SynthOptions& options, const Reporter& reporter);

}  // namespace flamecare
