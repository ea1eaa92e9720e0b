#include "pipeline/patch_dataset.hpp"

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/dataset_json.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;
namespace {

fs::path locate_json(const std::string& dataset, const fs::path& datasets_dir) {
  std::error_code ec;
  const fs::path as_path(dataset);
  if (as_path.extension() == ".json" || fs::is_regular_file(as_path, ec)) {
    if (!fs::is_regular_file(as_path, ec)) {
      throw Error(ErrorKind::kNotFound,
                  fmt::format("{}: dataset JSON not found", as_path.string()));
    }
    return as_path;
  }
  const fs::path candidate = datasets_dir / (dataset + ".json");
  if (!fs::is_regular_file(candidate, ec)) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: no dataset named \"{}\" in {}", candidate.string(), dataset,
                            datasets_dir.string()));
  }
  return candidate;
}

template <class T>
T field(const nlohmann::json& object, const char* key, const std::string& source) {
  const auto it = object.find(key);
  if (it == object.end())
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: missing \"{}\"", source, key));
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: \"{}\" has the wrong type", source, key));
  }
}

// Y_max, X_max and the channel count from image_shapes ([1, C, Y, X] each).
void read_shapes(const nlohmann::json& d, const std::string& source, PatchDataset& out) {
  const auto shapes = field<std::vector<std::vector<int>>>(d, "image_shapes", source);
  const auto ids = field<std::vector<int>>(d, "image_ids", source);
  if (shapes.empty() || shapes.size() != ids.size()) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: {} image_shapes for {} image_ids", source,
                                                 shapes.size(), ids.size()));
  }
  for (const auto& shape : shapes) {
    if (shape.size() != 4)
      throw Error(ErrorKind::kCorrupt,
                  fmt::format("{}: an image shape is not [1, C, Y, X]", source));
    if (out.channels != 0 && shape[1] != out.channels) {
      throw Error(ErrorKind::kCorrupt, fmt::format("{}: images with {} and {} channels", source,
                                                   out.channels, shape[1]));
    }
    out.channels = shape[1];
    out.max_height = std::max(out.max_height, shape[2]);
    out.max_width = std::max(out.max_width, shape[3]);
  }
}

void read_train_pairs(const nlohmann::json& d, const std::string& source, PatchDataset& out) {
  const auto ids = field<std::vector<int>>(d, "image_ids", source);
  const auto shapes = field<std::vector<std::vector<int>>>(d, "image_shapes", source);
  const auto test = field<std::vector<int>>(d, "test_ids", source);
  const std::set<int> test_set(test.begin(), test.end());
  const fs::path train_dir = out.data_root / out.name / "train";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (test_set.count(ids[i]) > 0) continue;
    TrainPair pair{ids[i],
                   train_dir / fmt::format("image{}_frames{}.tif", ids[i], out.input_frames),
                   train_dir / fmt::format("image{}_frames{}.tif", ids[i], out.gt_frames),
                   shapes[i][2], shapes[i][3]};
    for (const auto& path : {pair.input, pair.ground_truth}) {
      std::error_code ec;
      if (!fs::is_regular_file(path, ec)) {
        throw Error(ErrorKind::kNotFound, fmt::format("{}: train image of dataset {} not found",
                                                      path.string(), out.name));
      }
    }
    out.train.push_back(pair);
  }
  if (out.train.empty())
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: dataset has no train images", source));
}

}  // namespace

PatchDataset load_patch_dataset(const std::string& dataset, const fs::path& datasets_dir,
                                const fs::path& data_root) {
  PatchDataset out;
  out.json_path = locate_json(dataset, datasets_dir);
  const std::string source = out.json_path.string();
  out.json = nlohmann::json::parse(read_file(out.json_path), nullptr, /*allow_exceptions=*/false);
  if (!out.json.is_object() || !out.json.contains("FLAME_Dataset")) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: not a flamecare dataset JSON (no FLAME_Dataset object)", source));
  }
  const auto& d = out.json["FLAME_Dataset"];
  out.name = field<std::string>(d, "name", source);
  const auto input = field<nlohmann::json>(d, "input", source);
  const auto output = field<nlohmann::json>(d, "output", source);
  out.input_frames = field<int>(input, "n_frames", source);
  out.gt_frames = field<int>(output, "n_frames", source);
  out.input_p1 = channel_values(input, "pixel_1pct", source);
  out.input_p99 = channel_values(input, "pixel_99pct", source);
  out.truth_p1 = channel_values(output, "pixel_1pct", source);
  out.truth_p99 = channel_values(output, "pixel_99pct", source);
  out.data_root = data_root;
  if (out.data_root.empty())
    out.data_root = fs::path(field<std::string>(d, "data_dir", source)).parent_path();
  read_shapes(d, source, out);
  for (const auto* list : {&out.input_p1, &out.input_p99, &out.truth_p1, &out.truth_p99}) {
    if (list->size() != std::size_t(out.channels)) {
      throw Error(ErrorKind::kCorrupt, fmt::format("{}: {} percentile values for {} channels",
                                                   source, list->size(), out.channels));
    }
  }
  read_train_pairs(d, source, out);
  return out;
}

}  // namespace flamecare::detail
