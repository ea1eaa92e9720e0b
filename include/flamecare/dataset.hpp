#pragma once
/// `create`: a dataset of few-frame / many-frame sums with exact statistics (DESIGN.md §2).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flamecare/log.hpp"

namespace flamecare {

struct CreateOptions {
  std::filesystem::path raw_root;
  std::filesystem::path datasets_dir;
  std::filesystem::path out_dir;
  std::string type = "denoising";
  int input_frames = 5;
  int gt_frames = 40;
  double test_fraction = 0.1;
  std::optional<std::uint64_t> seed;  ///< nullopt: a fresh seed, recorded in the JSON
  int threads = 0;
  std::optional<int> channels;  ///< keep only images with this many channels
  std::string date;             ///< YYYYMMDD for the name; "" = today (local time)
  int min_frames = 0;  ///< select only images with at least max(gt_frames, min_frames) frames
};

struct CreateResult {
  std::string name;
  std::string id;  ///< "0x%04x"
  std::uint64_t seed = 0;
  std::filesystem::path json;
  std::filesystem::path preview;
  std::filesystem::path data_dir;  ///< <out>/<name>
  std::size_t n_train = 0;
  std::size_t n_test = 0;
  std::map<std::string, std::size_t> skipped_by_reason;  ///< images not used and why
};

/// Updates the index, selects usable images with ≥ gt_frames frames, splits, sums, writes the
/// TIFFs, statistics JSON and preview. Nothing is overwritten and a failed run leaves no dataset
/// JSON. Throws Error(kInvalidArgument) for bad options, mixed channel counts or no images.
CreateResult create_dataset(const CreateOptions& options, const Reporter& reporter);

/// Step-wise denoising: one dataset per consecutive pair of `rungs` (e.g. 5,10,20,40 gives
/// 5→10, 10→20 and 20→40), all from the same images (those with at least the top rung's frames)
/// and the same seed, so every pair has the same train/test split. `options.input_frames` and
/// `gt_frames` are ignored. Throws Error(kInvalidArgument) unless there are at least two strictly
/// increasing rungs ≥ 1; otherwise as create_dataset.
std::vector<CreateResult> create_ladder(const CreateOptions& options, const std::vector<int>& rungs,
                                        const Reporter& reporter);

}  // namespace flamecare
