// The typed dataset: per-image paths, opening by name or path, listing a datasets dir.
#include <algorithm>

#include <fmt/format.h>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "pipeline/dataset_json.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
namespace {

std::vector<std::int64_t> ids_where(const Dataset& d, std::optional<Split> split) {
  std::vector<std::int64_t> ids;
  for (const DatasetImage& image : d.images) {
    if (!split || image.split == *split) ids.push_back(image.id);
  }
  return ids;
}

// The JSON files of a datasets dir (whatever their type: reading them decides), sorted.
std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return files;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".json") files.push_back(it->path());
  }
  if (ec) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot list the datasets dir: {}",
                                            detail::printable(dir.string()), ec.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// "; datasets there: a, b, c" for a not-found message.
std::string existing_datasets(const fs::path& dir) {
  std::vector<std::string> names;
  try {
    for (const Dataset& d : list_datasets(dir)) names.push_back(detail::printable(d.name));
  } catch (const Error&) {
    return "";
  }
  fs::path absolute = fs::absolute(dir).lexically_normal();
  if (absolute.filename().empty()) absolute = absolute.parent_path();  // "/a/b/" → "/a/b"
  const std::string shown = detail::printable(absolute.string());
  if (names.empty()) return fmt::format("; {} holds no dataset", shown);
  constexpr std::size_t kShown = 20;
  std::string list;
  for (std::size_t i = 0; i < std::min(kShown, names.size()); ++i)
    list += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > kShown) list += fmt::format(" and {} more", names.size() - kShown);
  return fmt::format("; datasets in {}: {}", shown, list);
}

}  // namespace

std::string_view split_name(Split split) { return split == Split::kTest ? "test" : "train"; }

std::string_view pairing_name(Pairing pairing) {
  return pairing == Pairing::kDisjoint ? "disjoint" : "nested";
}

std::optional<Pairing> parse_pairing(std::string_view name) {
  if (name == "nested") return Pairing::kNested;
  if (name == "disjoint") return Pairing::kDisjoint;
  return std::nullopt;
}

std::string_view group_by_name(GroupBy group_by) {
  switch (group_by) {
    case GroupBy::kMosaic:
      return "mosaic";
    case GroupBy::kSample:
      return "sample";
    case GroupBy::kImage:
      break;
  }
  return "image";
}

std::optional<GroupBy> parse_group_by(std::string_view name) {
  for (const GroupBy g : {GroupBy::kImage, GroupBy::kMosaic, GroupBy::kSample}) {
    if (name == group_by_name(g)) return g;
  }
  return std::nullopt;
}

std::string image_group(std::string_view image, GroupBy group_by) {
  if (group_by == GroupBy::kImage) return std::string(image);
  // Folders of the relative path: `<run>/<sample>/<mosaic>/Im_*.tif` → mosaic "<run>/<sample>/
  // <mosaic>", sample "<run>/<sample>". Missing levels are the raw root ".".
  std::string_view folder = image;
  const int levels = group_by == GroupBy::kMosaic ? 1 : 2;
  for (int i = 0; i < levels; ++i) {
    const auto slash = folder.rfind('/');
    folder = slash == std::string_view::npos ? std::string_view() : folder.substr(0, slash);
  }
  return folder.empty() ? std::string(".") : std::string(folder);
}

FrameRange input_frame_range(int input_frames) { return {0, input_frames}; }

FrameRange target_frame_range(Pairing pairing, int input_frames, int target_frames) {
  if (pairing == Pairing::kDisjoint) return {input_frames, input_frames + target_frames};
  return {0, target_frames};
}

std::vector<std::int64_t> Dataset::image_ids() const { return ids_where(*this, std::nullopt); }
std::vector<std::int64_t> Dataset::test_ids() const { return ids_where(*this, Split::kTest); }
std::vector<std::int64_t> Dataset::train_ids() const { return ids_where(*this, Split::kTrain); }

const DatasetImage& Dataset::image(std::int64_t id) const {
  const auto it = std::find_if(images.begin(), images.end(),
                               [&](const DatasetImage& image) { return image.id == id; });
  if (it == images.end()) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("dataset {}: no image with id {}", detail::printable(name), id));
  }
  return *it;
}

int Dataset::channels() const { return images.empty() ? 0 : images.front().channels; }

FrameRange Dataset::input_frames() const { return input_frame_range(input.n_frames); }

FrameRange Dataset::target_frames() const {
  return target_frame_range(pairing, input.n_frames, output.n_frames);
}

fs::path Dataset::image_path(std::int64_t id, FrameRange frames) const {
  return dataset_image_path(data_dir, image(id).split, id, frames, pairing);
}

fs::path Dataset::image_path(std::int64_t id, int frames) const {
  return dataset_image_path(data_dir, image(id).split, id, frames);
}

fs::path Dataset::input_path(std::int64_t id) const { return image_path(id, input_frames()); }

fs::path Dataset::ground_truth_path(std::int64_t id) const {
  return image_path(id, target_frames());
}

fs::path dataset_image_path(const fs::path& data_dir, Split split, std::int64_t id, int frames) {
  return dataset_image_path(data_dir, split, id, FrameRange{0, frames}, Pairing::kNested);
}

fs::path dataset_image_path(const fs::path& data_dir, Split split, std::int64_t id,
                            FrameRange frames, Pairing pairing) {
  const std::string name =
      pairing == Pairing::kNested
          ? fmt::format("image{}_frames{}.tif", id, frames.end)
          : fmt::format("image{}_frames{}-{}.tif", id, frames.begin, frames.end);
  return data_dir / split_name(split) / name;
}

std::string format_dataset_id(std::uint64_t id) { return fmt::format("0x{:04x}", id); }

Dataset open_dataset(const std::string& name_or_path, const fs::path& datasets_dir) {
  const fs::path as_path(name_or_path);
  std::error_code ec;
  const bool is_path = as_path.extension() == ".json" ||
                       name_or_path.find('/') != std::string::npos ||
                       (fs::exists(as_path, ec) && !fs::is_directory(as_path, ec));
  if (is_path) {
    if (!fs::exists(fs::symlink_status(as_path, ec))) {
      throw Error(ErrorKind::kNotFound,
                  fmt::format("{}: dataset JSON not found", detail::printable(name_or_path)));
    }
    return detail::read_dataset_json(as_path);
  }
  const fs::path dir = datasets_dir.empty() ? fs::path(".") : datasets_dir;
  const fs::path json = dir / (name_or_path + ".json");
  if (!fs::exists(fs::symlink_status(json, ec))) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: no dataset named \"{}\"{}",
                            detail::printable(fs::absolute(json).lexically_normal().string()),
                            detail::printable(name_or_path), existing_datasets(dir)));
  }
  return detail::read_dataset_json(json);
}

std::vector<Dataset> list_datasets(const fs::path& datasets_dir, const Reporter& reporter) {
  std::vector<Dataset> datasets;
  for (const fs::path& file : json_files(datasets_dir)) {
    try {
      datasets.push_back(detail::read_dataset_json(file));
    } catch (const Error& e) {
      reporter.warn(fmt::format("ignored (not a dataset): {}", e.what()));
    }
  }
  std::sort(datasets.begin(), datasets.end(),
            [](const Dataset& a, const Dataset& b) { return a.name < b.name; });
  return datasets;
}

}  // namespace flamecare
