#pragma once
// The dataset preview PNG: up to five random images, input sum | ground-truth sum.
#include <cstdint>
#include <filesystem>
#include <map>
#include <vector>

#include "flamecare/dataset.hpp"
#include "flamecare/image.hpp"
#include "flamecare/log.hpp"
#include "flamecare/preview.hpp"

namespace flamecare::detail {

/// The preview's legend: which colour shows which channel ("channel 1 = red", … for 2 or 3
/// channels; "channel 1 = grey" for one).
std::vector<LegendItem> channel_legend(int channels);

/// What a preview panel is drawn from: the block means (flamecare/preview.hpp block_means) of
/// the first ≤ 3 channels of one image's input and ground-truth sums.
struct PreviewThumbnails {
  Image<double> input;
  Image<double> ground_truth;
};

/// How the preview is made: images picked with `seed`, drawn on up to `threads` threads, from
/// the thumbnails made while summing where there are some, else from the summed TIFFs.
struct PreviewSource {
  std::uint64_t seed = 0;
  int threads = 0;
  std::map<std::int64_t, PreviewThumbnails> thumbnails;  ///< by image id
};

/// The positions (into a list of n images) of the images the preview shows: up to five, picked
/// with `seed`.
std::vector<std::size_t> preview_choice(std::size_t n, std::uint64_t seed);

/// The reduction of an image of height × width for its panel: block averages no smaller than
/// the panel.
int preview_factor(int height, int width);

/// The thumbnails of one image's sums (preview_factor of its size).
PreviewThumbnails make_preview_thumbnails(const AnyImage& input, const AnyImage& ground_truth);

/// Writes `png`: one row per image picked with preview_choice(dataset.images.size(), seed), in id
/// order, channels 1–3 as RGB (named in a legend line under the
/// title), each clipped to the dataset's 1st–99th percentiles; images without
/// thumbnails are read from their TIFFs (dataset.input_path / ground_truth_path). Throws
/// Error(kIo) when the PNG cannot be written or a TIFF read.
void write_dataset_preview(const std::filesystem::path& png, const Dataset& dataset,
                           const PreviewSource& source, const Reporter& reporter);

}  // namespace flamecare::detail
