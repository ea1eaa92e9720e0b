#pragma once
// What `patches` needs from a dataset made by `create`: its train pairs and statistics.
#include <filesystem>
#include <string>
#include <vector>

#include "flamecare/dataset.hpp"

namespace flamecare::detail {

struct TrainPair {
  std::int64_t id = 0;
  std::filesystem::path input;         ///< image<id>_frames<N_in>.tif
  std::filesystem::path ground_truth;  ///< image<id>_frames<N_gt>.tif
  int height = 0;
  int width = 0;
};

struct PatchDataset {
  Dataset dataset;                  ///< as read from its JSON
  std::filesystem::path data_root;  ///< the `create --out` dir holding <name>/
  int channels = 0;
  int max_height = 0;            ///< largest Y over all dataset images
  int max_width = 0;             ///< largest X over all dataset images
  std::vector<TrainPair> train;  ///< by id
};

/// Opens `dataset` (a name under datasets_dir, or a path to its JSON) and checks the train TIFFs
/// exist under `data_root` (or, when empty, the data dir the JSON records).
/// Throws Error(kNotFound) for a missing dataset or TIFF or a dataset without train images,
/// Error(kCorrupt) for a JSON that lacks what `create` writes, Error(kUnsupported) for image ids
/// beyond the npz's int32 coords.
PatchDataset load_patch_dataset(const std::string& dataset,
                                const std::filesystem::path& datasets_dir,
                                const std::filesystem::path& data_root);

/// Train images held out for validation (ascending): test_count(train images, fraction) as the
/// target, whole groups as the dataset was split (each image alone when it was split by image, or
/// when its JSON records no groups), chosen with `seed` (choose_group_ids).
std::vector<std::int64_t> choose_validation_ids(const Dataset& dataset, double fraction,
                                                std::uint64_t seed);

}  // namespace flamecare::detail
