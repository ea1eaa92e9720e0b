#pragma once
// Planning a dataset before any pixel is read: which images, which split, which name and id.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/group_split.hpp"
#include "flamecare/create_shards.hpp"
#include "flamecare/dataset.hpp"
#include "flamecare/index.hpp"
#include "flamecare/log.hpp"

namespace flamecare::detail {

/// One indexed raw image chosen for a dataset (what a plan records of it).
using PlannedImage = CreatePlanImage;

struct Selection {
  std::vector<PlannedImage> images;            ///< sorted by id
  std::map<std::string, std::size_t> skipped;  ///< reason → count
};

/// Usable, present images with at least gt_frames verified frames (and `channels` channels when
/// given). Everything else is counted in `skipped` under a short reason.
Selection select_images(const ImageIndex& index, int gt_frames, std::optional<int> channels);

/// Throws Error(kUnsupported) listing every channel count with its number of images and the
/// images of the minority counts, when the selection mixes channel counts (a dataset has one
/// channel count; which to keep is the caller's choice, so nothing is picked silently).
void check_channel_counts(const std::vector<PlannedImage>& images);

/// Throws Error(kInvalidArgument) naming the ids listed twice or negative in `test_ids`.
void check_test_ids_listed(const std::vector<std::int64_t>& test_ids);

/// Throws Error(kInvalidArgument) naming the `test_ids` that are not among the selected images,
/// or when they name every selected image (nothing would be left to train on).
void check_test_ids_selected(const std::vector<std::int64_t>& test_ids,
                             const std::vector<PlannedImage>& images);

/// create_dataset, recording `ladder` (the whole ladder when this is one of its rung pairs).
CreateResult create_rung(const CreateOptions& options, const std::vector<int>& ladder,
                         const Reporter& reporter);

/// ⌊fraction·n⌋, at least 1 when n ≥ 2 and fraction > 0, and never all n images when n ≥ 2.
std::size_t test_count(std::size_t n, double fraction);

/// test_count(ids.size(), fraction) distinct ids chosen with the seed, sorted ascending.
std::vector<std::int64_t> choose_test_ids(const std::vector<std::int64_t>& ids, double fraction,
                                          std::uint64_t seed);

/// The test ids of a dataset (sorted): options.test_ids that are among `images` when given; else,
/// with options.group_by kImage, choose_test_ids (the split of every earlier version for the same
/// seed), otherwise whole groups (choose_group_ids) with
/// test_count(n, fraction) images as the target.
std::vector<std::int64_t> choose_split(const std::vector<GroupedId>& images,
                                       const CreateOptions& options, std::uint64_t seed);

/// The most verified frames of any usable indexed image (0 when none is usable).
int most_frames(const ImageIndex& index);

/// `<YYYYMMDD>_<n>I_<type>_<in>to<gt>F`, with `_disjoint` appended for disjoint pairing (so it
/// never equals a nested dataset's name, whatever the counts).
std::string dataset_name(const std::string& date, std::size_t n_images, const std::string& type,
                         int input_frames, int gt_frames, Pairing pairing = Pairing::kNested);

/// One more than the highest dataset id ever given in `datasets_dir`: the largest of the ids of
/// its dataset JSONs and the id recorded by record_dataset_id (1 if none). JSON files that are not
/// datasets are skipped with a warning naming them. Call under the create lock. Throws
/// Error(kUnsupported) when the highest id is already 2^64 − 1.
std::uint64_t next_dataset_id(const std::filesystem::path& datasets_dir, const Reporter& reporter);

/// Short-held lock of a datasets dir guarding `.last_dataset_id` and rewrites of dataset JSONs.
inline constexpr const char* kDatasetsLock = ".datasets.lock";

/// Records `id` as given (atomically, in `<datasets_dir>/.last_dataset_id`, under kDatasetsLock),
/// unless a higher id is recorded there already, so deleting the newest dataset never hands its id
/// out again. Throws Error(kIo).
void record_dataset_id(const std::filesystem::path& datasets_dir, std::uint64_t id);

/// The current local time in strftime `format` ("%Y%m%d" for dataset names).
std::string local_time_now(const char* format);

}  // namespace flamecare::detail
