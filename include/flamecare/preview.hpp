#pragma once
/// PNG contact sheets drawn with cairo: rows of labelled image panels.
#include <filesystem>
#include <string>
#include <vector>

#include "flamecare/image.hpp"

namespace flamecare {

/// An RGB image with components in [0, 1], 3 floats per pixel, row-major.
struct RgbImage {
  int height = 0;
  int width = 0;
  std::vector<float> rgb;
};

/// Maps channels 1–3 of `image` to R, G, B (one channel → grey), each clipped to [lo[c], hi[c]]
/// and scaled to [0, 1]. lo/hi hold one value per channel used (at most 3).
RgbImage to_rgb(const AnyImage& image, const std::vector<double>& lo,
                const std::vector<double>& hi);
/// The same for a float64 image (block means), without copying it into an AnyImage.
RgbImage to_rgb(const Image<double>& image, const std::vector<double>& lo,
                const std::vector<double>& hi);

/// The first `channels` channels of `image` reduced by `factor`: each pixel the float64 mean of a
/// factor × factor block (blocks at the bottom and right edges average the pixels they have), so
/// ceil(height / factor) × ceil(width / factor). factor 1 gives the pixels themselves. Throws
/// Error(kInvalidArgument) for factor < 1 or channels outside 1 … image channels.
Image<double> block_means(const AnyImage& image, int channels, int factor);

/// to_rgb(block_means(image, min(C, 3), factor), lo, hi): a preview panel shows a few hundred
/// pixels, so this is all it needs of a full-size image; factor 1 equals to_rgb. Throws
/// Error(kInvalidArgument) like both.
RgbImage to_rgb_reduced(const AnyImage& image, const std::vector<double>& lo,
                        const std::vector<double>& hi, int factor);

struct PreviewRow {
  std::string label;             ///< drawn under the row, e.g. the image path
  std::vector<RgbImage> panels;  ///< one per column
};

/// One entry of a sheet's legend: a square of `rgb` (components in [0, 1]) and its label.
struct LegendItem {
  std::string label;  ///< e.g. "channel 1 = red"
  float rgb[3] = {1, 1, 1};
};

struct PreviewSheet {
  std::string title;                       ///< drawn at the top
  std::vector<LegendItem> legend;          ///< one line under the title (e.g. which colour is
                                           ///< which channel); none when empty
  std::vector<std::string> column_titles;  ///< e.g. "input: 5 frames", "ground truth: 40 frames"
  std::vector<PreviewRow> rows;
  int panel_size = 256;  ///< longest side of each panel in pixels
};

/// Renders the sheet (panels scaled to fit, nearest-neighbour) and writes a PNG atomically,
/// compressing it on up to `threads` threads (0: all cores). Throws Error(kIo).
void write_preview_png(const std::filesystem::path& path, const PreviewSheet& sheet,
                       int threads = 1);

}  // namespace flamecare
