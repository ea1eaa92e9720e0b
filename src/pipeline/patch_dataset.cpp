#include "pipeline/patch_dataset.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/group_split.hpp"
#include "flamecare/error.hpp"
#include "pipeline/create_plan.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;

PatchDataset load_patch_dataset(const std::string& dataset, const fs::path& datasets_dir,
                                const fs::path& data_root) {
  PatchDataset out;
  out.dataset = open_dataset(dataset, datasets_dir);
  const Dataset& d = out.dataset;
  const std::string source = printable(d.json_path.string());
  if (d.images.empty()) throw Error(ErrorKind::kCorrupt, fmt::format("{}: no images", source));
  out.data_root = data_root;
  if (out.data_root.empty()) {
    if (d.data_dir.empty())
      throw Error(ErrorKind::kCorrupt, fmt::format("{}: missing \"data_dir\"", source));
    out.data_root = d.data_dir.parent_path();
  }
  out.channels = d.channels();
  for (const DatasetImage& image : d.images) {
    out.max_height = std::max(out.max_height, image.height);
    out.max_width = std::max(out.max_width, image.width);
  }
  const fs::path data_dir = out.data_root / d.name;
  for (const DatasetImage& image : d.images) {
    if (image.split != Split::kTrain) continue;
    if (image.id < std::numeric_limits<std::int32_t>::min() ||
        image.id > std::numeric_limits<std::int32_t>::max()) {
      throw Error(
          ErrorKind::kUnsupported,
          fmt::format("{}: image id {} does not fit the npz's int32 coords", source, image.id));
    }
    TrainPair pair{
        image.id,
        dataset_image_path(data_dir, Split::kTrain, image.id, d.input_frames(), d.pairing),
        dataset_image_path(data_dir, Split::kTrain, image.id, d.target_frames(), d.pairing),
        image.height, image.width};
    for (const auto& path : {pair.input, pair.ground_truth}) {
      std::error_code ec;
      if (!fs::is_regular_file(path, ec)) {
        throw Error(ErrorKind::kNotFound, fmt::format("{}: train image of dataset {} not found",
                                                      printable(path.string()), printable(d.name)));
      }
    }
    out.train.push_back(pair);
  }
  if (out.train.empty())
    throw Error(ErrorKind::kNotFound, fmt::format("{}: dataset has no train images", source));
  return out;
}

std::vector<std::int64_t> choose_validation_ids(const Dataset& dataset, double fraction,
                                                std::uint64_t seed) {
  std::vector<GroupedId> train;
  for (const DatasetImage& image : dataset.images) {
    if (image.split != Split::kTrain) continue;
    const bool grouped = dataset.group_by != GroupBy::kImage && !image.group.empty();
    train.push_back({image.id, grouped ? image.group : std::to_string(image.id)});
  }
  return choose_group_ids(train, test_count(train.size(), fraction), seed);
}

}  // namespace flamecare::detail
