#pragma once
// What `patches` needs from a dataset made by `create`: its JSON, train pairs and statistics.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flamecare::detail {

struct TrainPair {
  int id = 0;
  std::filesystem::path input;         ///< image<id>_frames<N_in>.tif
  std::filesystem::path ground_truth;  ///< image<id>_frames<N_gt>.tif
  int height = 0;
  int width = 0;
};

struct PatchDataset {
  std::string name;
  nlohmann::json json;  ///< the whole dataset JSON
  std::filesystem::path json_path;
  std::filesystem::path data_root;  ///< the `create --out` dir holding <name>/
  int channels = 0;
  int input_frames = 0;
  int gt_frames = 0;
  int max_height = 0;  ///< largest Y over all dataset images
  int max_width = 0;   ///< largest X over all dataset images
  std::vector<double> input_p1, input_p99, truth_p1, truth_p99;  ///< per channel
  std::vector<TrainPair> train;                                  ///< by id
};

/// Finds `dataset` (a name under datasets_dir, or a path to its JSON), reads it and checks the
/// train TIFFs exist under `data_root` (or, when empty, the data dir the JSON records).
/// Throws Error(kNotFound) for a missing dataset or TIFF, Error(kCorrupt) for a JSON that lacks
/// what `create` writes.
PatchDataset load_patch_dataset(const std::string& dataset,
                                const std::filesystem::path& datasets_dir,
                                const std::filesystem::path& data_root);

}  // namespace flamecare::detail
