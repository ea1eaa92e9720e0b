#pragma once
// Planning a dataset before any pixel is read: which images, which split, which name and id.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flamecare/index.hpp"

namespace flamecare::detail {

/// One indexed raw image chosen for a dataset.
struct PlannedImage {
  std::int64_t id = 0;
  std::string image;  ///< path relative to the raw root
  int frames = 0;
  int channels = 0;
  int height = 0;
  int width = 0;
  std::optional<int> bidirectional_correction;
};

struct Selection {
  std::vector<PlannedImage> images;            ///< sorted by id
  std::map<std::string, std::size_t> skipped;  ///< reason → count
};

/// Usable, present images with at least gt_frames verified frames (and `channels` channels when
/// given). Everything else is counted in `skipped` under a short reason.
Selection select_images(const ImageIndex& index, int gt_frames, std::optional<int> channels);

/// Throws Error(kInvalidArgument) listing every channel count with its number of images and the
/// images of the minority counts, when the selection mixes channel counts.
void check_channel_counts(const std::vector<PlannedImage>& images);

/// ⌊fraction·n⌋, at least 1 when n ≥ 2 and fraction > 0, and never all n images when n ≥ 2.
std::size_t test_count(std::size_t n, double fraction);

/// test_count(ids.size(), fraction) distinct ids chosen with the seed, sorted ascending.
std::vector<std::int64_t> choose_test_ids(const std::vector<std::int64_t>& ids, double fraction,
                                          std::uint64_t seed);

/// `<YYYYMMDD>_<n>I_<type>_<in>to<gt>F`.
std::string dataset_name(const std::string& date, std::size_t n_images, const std::string& type,
                         int input_frames, int gt_frames);

/// One more than the highest `FLAME_Dataset.id` of the JSON files in `datasets_dir` (1 if none).
/// Unreadable or foreign JSON files are ignored.
int next_dataset_id(const std::filesystem::path& datasets_dir);

/// "0x%04x".
std::string format_dataset_id(int id);

/// A name not yet used by `<datasets>/<name>.json` nor `<out>/<name>`: `base`, else `base_2`, ...
std::string unused_name(const std::string& base, const std::filesystem::path& datasets_dir,
                        const std::filesystem::path& out_dir);

/// The current local time in strftime `format` ("%Y%m%d" for dataset names).
std::string local_time_now(const char* format);

}  // namespace flamecare::detail
