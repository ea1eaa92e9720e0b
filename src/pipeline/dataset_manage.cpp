// Datasets with their files: listing, describing, removing; and recording the npz files cut
// from a dataset in its JSON.
#include "pipeline/dataset_manage.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/dataset_files.hpp"
#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/create_plan.hpp"
#include "pipeline/dataset_json.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
namespace {

// Files `patches` writes into its folder besides those named after one npz (the original
// notebooks' names, its log and its lock).
constexpr const char* kPatchFolderFiles[] = {"1Chan_patch_config.json",
                                             "AllChan_patch_config.json",
                                             "patch_samples1.png",
                                             "patch_samples2.png",
                                             "patches.log",
                                             ".patches.lock"};

fs::path absolute_of(const fs::path& path) { return fs::absolute(path).lexically_normal(); }

bool exists_here(const fs::path& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

std::string shown(const fs::path& path) { return detail::printable(path.string()); }

// An npz of this dataset by its name, `<name>_patch….npz` (the only names remove deletes, whatever
// a JSON lists).
bool is_npz_of(const fs::path& path, const std::string& name) {
  const std::string file = path.filename().string();
  return file.starts_with(name + "_patch") && path.extension() == ".npz";
}

// True when `inner` is `outer` or lies inside it (symlinks resolved as far as they exist).
bool within(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  const fs::path a = fs::weakly_canonical(inner, ec), b = fs::weakly_canonical(outer, ec);
  return std::mismatch(b.begin(), b.end(), a.begin(), a.end()).first == b.end();
}

DatasetInfo info_of(Dataset dataset) {
  DatasetInfo info;
  info.json = absolute_of(dataset.json_path);
  info.preview = info.json.parent_path() / (dataset.name + ".png");
  info.preview_exists = exists_here(info.preview);
  std::error_code ec;
  if (!dataset.data_dir.empty()) {
    info.data_dir = absolute_of(dataset.data_dir);
    info.data_dir_exists = fs::is_directory(info.data_dir, ec);
  }
  std::set<fs::path> npz;
  for (const fs::path& recorded : dataset.npz_files) {
    if (!is_npz_of(recorded, dataset.name)) continue;
    if (exists_here(recorded)) {
      npz.insert(absolute_of(recorded));
    } else {
      info.missing_npz_files.push_back(recorded);
    }
  }
  if (info.data_dir_exists) {
    for (fs::directory_iterator it(info.data_dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (is_npz_of(it->path(), dataset.name)) npz.insert(it->path());
    }
  }
  info.npz_files.assign(npz.begin(), npz.end());
  info.dataset = std::move(dataset);
  return info;
}

// The data folder goes as a whole: it must be this dataset's and must not hold raw data.
void check_data_dir_removable(const DatasetInfo& info) {
  const fs::path& dir = info.data_dir;
  const std::string& name = info.dataset.name;
  if (dir.filename() != name) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: its data folder {} is not named after the dataset; nothing "
                            "removed (remove it by hand if it is the dataset's)",
                            shown(info.json), shown(dir)));
  }
  const fs::path& raw = info.dataset.raw_root;
  if (!raw.empty() && (within(dir, raw) || within(raw, dir))) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: its data folder {} {} the raw root {}; nothing removed (raw data "
                            "is never removed)",
                            shown(info.json), shown(dir),
                            within(dir, raw) ? "lies inside" : "holds", shown(raw)));
  }
}

// The npz files outside the data folder with what `patches` wrote beside them; their folder too
// when it is named after the dataset and nothing else is in it.
void plan_patch_files(const DatasetInfo& info, std::vector<fs::path>& paths) {
  std::set<fs::path> planned, folders;
  const auto add = [&](const fs::path& path) {
    if (exists_here(path) && planned.insert(path).second) paths.push_back(path);
  };
  for (const fs::path& npz : info.npz_files) {
    if (info.data_dir_exists && within(npz, info.data_dir)) continue;  // goes with the data folder
    const fs::path dir = npz.parent_path();
    const std::string stem = npz.stem().string();
    for (const auto& file :
         {npz.filename().string(), stem + ".json", stem + "_samples1.png", stem + "_samples2.png"})
      add(dir / file);
    if (dir.filename() == info.dataset.name) folders.insert(dir);
  }
  for (const fs::path& dir : folders) {
    for (const char* file : kPatchFolderFiles) add(dir / file);
    bool only_planned = true;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      only_planned = only_planned && planned.count(it->path()) > 0;
    if (!ec && only_planned) add(dir);
  }
}

void remove_path(const fs::path& path, bool recursive, const Reporter& reporter) {
  std::error_code ec;
  if (recursive) {
    fs::remove_all(path, ec);
  } else {
    fs::remove(path, ec);
  }
  if (ec) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot remove: {}; run remove again to finish",
                                            shown(path), ec.message()));
  }
  reporter.info(fmt::format("removed {}", shown(path)));
}

}  // namespace

DatasetInfo dataset_info(const std::string& name_or_path, const fs::path& datasets_dir) {
  return info_of(open_dataset(name_or_path, datasets_dir));
}

std::vector<DatasetInfo> dataset_infos(const fs::path& datasets_dir, const Reporter& reporter) {
  std::error_code ec;
  if (!fs::is_directory(datasets_dir, ec)) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: no such datasets dir", shown(absolute_of(datasets_dir))));
  }
  std::vector<DatasetInfo> infos;
  for (Dataset& dataset : list_datasets(datasets_dir, reporter))
    infos.push_back(info_of(std::move(dataset)));
  return infos;
}

std::string format_dataset_infos_json(const std::vector<DatasetInfo>& infos) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const DatasetInfo& info : infos) {
    const Dataset& d = info.dataset;
    nlohmann::ordered_json npz = nlohmann::ordered_json::array();
    for (const auto& path : info.npz_files) npz.push_back(shown(path));
    const auto optional_text = [](bool present, const std::string& text) {
      return present ? nlohmann::ordered_json(text) : nlohmann::ordered_json(nullptr);
    };
    list.push_back({{"name", detail::printable(d.name)},
                    {"id", format_dataset_id(d.id)},
                    {"created", detail::printable(d.created)},
                    {"tool", detail::printable(d.tool)},
                    {"type", detail::printable(d.type)},
                    {"n_images", d.images.size()},
                    {"n_train", d.train_ids().size()},
                    {"n_test", d.test_ids().size()},
                    {"input_frames", d.input.n_frames},
                    {"gt_frames", d.output.n_frames},
                    {"pairing", pairing_name(d.pairing)},
                    {"group_by", group_by_name(d.group_by)},
                    {"seed", d.seed ? nlohmann::ordered_json(*d.seed) : nullptr},
                    {"json", shown(info.json)},
                    {"preview", optional_text(info.preview_exists, shown(info.preview))},
                    {"data_dir", optional_text(!info.data_dir.empty(), shown(info.data_dir))},
                    {"npz_files", npz}});
  }
  return list.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

DatasetRemoval plan_dataset_removal(const std::string& name_or_path, const fs::path& datasets_dir) {
  DatasetRemoval plan{dataset_info(name_or_path, datasets_dir), {}};
  const DatasetInfo& info = plan.info;
  if (info.data_dir_exists) check_data_dir_removable(info);
  plan_patch_files(info, plan.paths);
  if (info.data_dir_exists) plan.paths.push_back(info.data_dir);
  if (info.preview_exists) plan.paths.push_back(info.preview);
  plan.paths.push_back(info.json);
  return plan;
}

void remove_dataset(const DatasetRemoval& plan, const Reporter& reporter) {
  const fs::path datasets_dir = plan.info.json.parent_path();
  // The id first: once the JSON is gone nothing else remembers it was given.
  detail::record_dataset_id(datasets_dir, plan.info.dataset.id);
  for (const fs::path& path : plan.paths) {
    if (path == plan.info.json) continue;
    remove_path(path, path == plan.info.data_dir, reporter);
  }
  // Under the lock `patches` takes to record an npz, so a JSON being removed is not written back.
  const detail::FileLock lock(datasets_dir / detail::kDatasetsLock, reporter);
  remove_path(plan.info.json, false, reporter);
}

namespace detail {

void record_npz(const Dataset& dataset, const fs::path& npz, const Reporter& reporter) {
  if (dataset.json_path.empty()) return;
  try {
    const FileLock lock(dataset.json_path.parent_path() / kDatasetsLock, reporter);
    if (!exists_here(dataset.json_path)) {
      reporter.warn(fmt::format("{}: the dataset JSON is gone; {} is not recorded in it",
                                shown(dataset.json_path), shown(npz)));
      return;
    }
    Dataset current = read_dataset_json(dataset.json_path);
    const fs::path entry = absolute_of(npz);
    if (std::find(current.npz_files.begin(), current.npz_files.end(), entry) !=
        current.npz_files.end())
      return;
    current.npz_files.push_back(entry);
    write_dataset_json(current.json_path, current, /*no_clobber=*/false);
  } catch (const Error& e) {
    reporter.warn(
        fmt::format("the npz is complete but not recorded in its dataset JSON: {}", e.what()));
  }
}

}  // namespace detail
}  // namespace flamecare
