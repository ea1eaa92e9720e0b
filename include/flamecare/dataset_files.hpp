#pragma once
/// Day-to-day management of the datasets in a datasets dir: each dataset with the files that
/// belong to it (listing, showing), removing one, and the config that makes one again.
#include <filesystem>
#include <string>
#include <vector>

#include "flamecare/dataset.hpp"
#include "flamecare/log.hpp"

namespace flamecare {

/// A dataset and the files that belong to it. Paths are absolute.
struct DatasetInfo {
  Dataset dataset;                ///< as its JSON says
  std::filesystem::path json;     ///< `<datasets>/<name>.json` (or the JSON it was opened by)
  std::filesystem::path preview;  ///< `<name>.png` beside the JSON
  bool preview_exists = false;
  std::filesystem::path data_dir;  ///< `<out>/<name>` as the JSON records it ("" if it does not)
  bool data_dir_exists = false;
  /// npz files cut from it that exist: those `patches` recorded in the JSON, and for runs before
  /// flamecare recorded them, `<name>_patch*.npz` in the data dir (patches' default place). Sorted.
  std::vector<std::filesystem::path> npz_files;
  std::vector<std::filesystem::path> missing_npz_files;  ///< recorded, but gone
};

/// One dataset (a name in `datasets_dir`, or the path of its JSON) with its files. Throws as
/// open_dataset.
DatasetInfo dataset_info(const std::string& name_or_path,
                         const std::filesystem::path& datasets_dir = {});

/// Every dataset of `datasets_dir` with its files, sorted by name. Files that are not dataset
/// JSONs are skipped with a warning (as list_datasets). Throws Error(kNotFound) when the dir does
/// not exist, Error(kIo) when it cannot be listed.
std::vector<DatasetInfo> dataset_infos(const std::filesystem::path& datasets_dir,
                                       const Reporter& reporter = {});

/// The datasets as one JSON array (what `flamecare datasets --json` prints): per dataset name, id,
/// created, tool, type, n_images, n_train, n_test, input_frames, gt_frames, pairing (null when not
/// recorded), seed (null when not recorded), json, preview (null when missing), data_dir and
/// npz_files.
std::string format_dataset_infos_json(const std::vector<DatasetInfo>& infos);

/// What removing a dataset deletes, in order.
struct DatasetRemoval {
  DatasetInfo info;
  /// The npz files with the config JSONs, sample sheets, notebook-named copies and patches.log
  /// beside them (and their folder, when it is named after the dataset and left empty), the data
  /// folder (train/, test/, create.log and everything in it), the preview, and last the JSON.
  /// Only paths that exist.
  std::vector<std::filesystem::path> paths;
};

/// Plans the removal of a dataset (see DatasetRemoval); removes nothing. Never plans raw data:
/// Throws Error(kUnsupported) when the recorded data folder is not named after the dataset, lies
/// inside the raw root or holds it. Otherwise throws as open_dataset.
DatasetRemoval plan_dataset_removal(const std::string& name_or_path,
                                    const std::filesystem::path& datasets_dir = {});

/// Removes what `plan` lists, in its order, after recording the dataset's id in the datasets dir's
/// `.last_dataset_id` (so the id is never given again). The JSON goes last: an interrupted removal
/// is finished by removing again. Throws Error(kIo) naming the path and the system's reason.
void remove_dataset(const DatasetRemoval& plan, const Reporter& reporter = {});

/// A TOML config with which `flamecare create --config FILE` makes the dataset again: every create
/// option as the dataset recorded it (raw root, datasets and out dirs, frames, split, seed, date,
/// …), commented. For JSONs written before the options were recorded, what the JSON holds (raw
/// root, data dir, frames, fraction, seed). The same images, split and statistics follow as long
/// as the raw root and its index hold the same images. Throws Error(kUnsupported) for a dataset
/// that records no raw root or seed (the original notebooks' JSONs).
std::string format_create_config(const Dataset& dataset);

}  // namespace flamecare
