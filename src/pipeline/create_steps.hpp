#pragma once
// The steps of `create` shared by one run (create.cpp) and by a sharded run (plan, shards and
// merge, create_shards.cpp): selecting, summing a list of images into a staging dir, and
// finishing (statistics, split, JSON, preview, publishing).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/log.hpp"
#include "flamecare/pixel_stats.hpp"
#include "pipeline/create_plan.hpp"
#include "pipeline/create_preview.hpp"
#include "pipeline/create_publish.hpp"
#include "util/text.hpp"

namespace flamecare::detail {

/// An image that could not be summed, and why (the Error's message).
struct FailedImage {
  std::int64_t id = 0;
  std::string image;
  std::string reason;
};

/// What summing images gave: the images summed, their shapes, statistics (first pass) and the
/// preview's thumbnails made on the way.
struct Accumulated {
  std::vector<PlannedImage> images;           ///< summed successfully, by id
  std::map<std::int64_t, ImageShape> shapes;  ///< id → corrected shape
  PixelStats input;
  PixelStats truth;
  std::map<std::int64_t, PreviewThumbnails> thumbnails;  ///< by id
  std::vector<FailedImage> failed;                       ///< not summed, by id
};

/// Throws Error(kInvalidArgument / kNotFound) for options create refuses (see create_dataset).
void validate_create_options(const CreateOptions& options);

/// Updates the index and picks the images; throws when none is usable or channel counts differ.
Selection select_for_dataset(const CreateOptions& options, const Reporter& reporter);

/// Throws Error(kIo) unless the sums of `images` fit into the output dir (estimated).
void check_space_for_sums(const CreateOptions& options, const std::vector<PlannedImage>& images);

/// Sums `images` into `<staging>/train/` (TIFFs handed to writeback, not yet durable) on
/// options.threads threads. An image that cannot be read is reported, recorded in `failed` and
/// left out; a sum that cannot be written fails the run. With `preview` (the seed and the number
/// of images of the whole dataset), the thumbnails of the images the preview would show are kept.
/// Throws Error(kIo), Error(kCancelled).
Accumulated sum_images(const CreateOptions& options, const std::vector<PlannedImage>& images,
                       const std::filesystem::path& staging, int channels,
                       std::optional<std::uint64_t> preview_seed, const Reporter& reporter);

/// The options as a run used them: the seed and date chosen, paths absolute.
CreateOptions options_used(const CreateOptions& options, std::uint64_t seed,
                           const std::string& date);

/// The end of every create: the second statistics pass for float data (reading the sums back),
/// the split, moving test TIFFs to test/, making the sums durable, publishing (JSON, preview,
/// data dir; the preview drawn on `threads` threads) and the result. `used` are options_used(...);
/// `skipped` counts the images not used by reason (read failures are added); `planned` is how many
/// images were to be summed. Throws Error(kCorrupt) when no image was summed, else as
/// publish_dataset.
CreateResult finish_dataset(const CreateOptions& used, const std::vector<int>& ladder,
                            Accumulated acc, std::map<std::string, std::size_t> skipped,
                            std::size_t planned, const std::filesystem::path& staging,
                            const Naming& naming, int threads, const Reporter& reporter);

/// fn(), with std::filesystem errors turned into Error(kIo) naming the path and the reason.
template <class Fn>
auto io_errors(Fn&& fn) {
  try {
    return fn();
  } catch (const std::filesystem::filesystem_error& e) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: {}", printable(e.path1().string()), e.code().message()));
  }
}

/// dataset_name for a create run of `images` images with options `used`.
std::string base_name(const CreateOptions& used, std::size_t images);

}  // namespace flamecare::detail
