#include "pipeline/create_plan.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "pipeline/dataset_json.hpp"
#include "util/random.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;
namespace {

// The highest dataset id ever given in a datasets dir ("0x%04x"), so a deleted JSON's id is not
// given again.
constexpr const char* kLastIdFile = ".last_dataset_id";

std::optional<std::uint64_t> read_recorded_id(const fs::path& file, const Reporter& reporter) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(file, ec))) return std::nullopt;
  try {
    std::string text = read_regular_file(file, 64);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    const auto id = dataset_id_of(nlohmann::json{{"FLAME_Dataset", {{"id", text}}}});
    if (id) return id;
    reporter.warn(fmt::format("{}: ignored: not a dataset id", printable(file.string())));
  } catch (const Error& e) {
    reporter.warn(fmt::format("ignored: {}", e.what()));
  }
  return std::nullopt;
}

}  // namespace

Selection select_images(const ImageIndex& index, int gt_frames, std::optional<int> channels) {
  Selection selection;
  for (const auto& entry : index.entries) {
    std::string skip;
    if (entry.status == IndexStatus::kMissing) {
      skip = "missing";
    } else if (!entry.frames.has_value()) {
      skip = "not_screened";
    } else if (*entry.frames < 0) {
      skip = entry.reason == ScreenReason::kNone ? "unusable" : to_string(entry.reason);
    } else if (*entry.frames < gt_frames) {
      skip = "too_few_frames";
    } else if (channels.has_value() && entry.channels != *channels) {
      skip = "other_channel_count";
    }
    if (!skip.empty()) {
      ++selection.skipped[skip];
      continue;
    }
    selection.images.push_back(PlannedImage{entry.id, entry.image, *entry.frames, entry.channels,
                                            entry.height, entry.width, entry.dtype,
                                            entry.bidirectional_correction});
  }
  std::sort(selection.images.begin(), selection.images.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  return selection;
}

void check_channel_counts(const std::vector<PlannedImage>& images) {
  std::map<int, std::vector<const PlannedImage*>> by_count;
  for (const auto& image : images) by_count[image.channels].push_back(&image);
  if (by_count.size() <= 1) return;
  // The largest group is taken as the norm; every image of the other groups is named.
  const auto majority = std::max_element(
      by_count.begin(), by_count.end(),
      [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
  std::string message = "images have different channel counts:";
  for (const auto& [count, group] : by_count) {
    message += fmt::format(" {} channel{}: {} image{};", count, count == 1 ? "" : "s", group.size(),
                           group.size() == 1 ? "" : "s");
  }
  for (const auto& [count, group] : by_count) {
    if (count == majority->first) continue;
    for (const auto* image : group) {
      message += fmt::format("\n  {} (id {}) has {} channel{}", image->image, image->id, count,
                             count == 1 ? "" : "s");
    }
  }
  message += fmt::format(
      "\nnothing was written; set the channels option to {} to keep only the {}-channel images",
      majority->first, majority->first);
  throw Error(ErrorKind::kUnsupported, message);
}

namespace {

std::string id_list(const std::vector<std::int64_t>& ids) {
  constexpr std::size_t kShown = 10;
  std::string text;
  for (std::size_t i = 0; i < std::min(ids.size(), kShown); ++i)
    text += (i == 0 ? "" : ", ") + std::to_string(ids[i]);
  if (ids.size() > kShown) text += fmt::format(" and {} more", ids.size() - kShown);
  return text;
}

}  // namespace

void check_test_ids_listed(const std::vector<std::int64_t>& test_ids) {
  std::vector<std::int64_t> sorted = test_ids, twice, negative;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] < 0) negative.push_back(sorted[i]);
    if (i > 0 && sorted[i] == sorted[i - 1] && (twice.empty() || twice.back() != sorted[i]))
      twice.push_back(sorted[i]);
  }
  if (!negative.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("test ids are image ids (0 or more); got {}", id_list(negative)));
  }
  if (!twice.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("test ids listed more than once: {}", id_list(twice)));
  }
}

void check_test_ids_selected(const std::vector<std::int64_t>& test_ids,
                             const std::vector<PlannedImage>& images) {
  if (test_ids.empty()) return;
  std::vector<std::int64_t> unknown;
  for (const std::int64_t id : test_ids) {
    const bool selected = std::any_of(images.begin(), images.end(),
                                      [&](const PlannedImage& image) { return image.id == id; });
    if (!selected) unknown.push_back(id);
  }
  std::sort(unknown.begin(), unknown.end());
  if (!unknown.empty()) {
    std::vector<std::int64_t> ids;
    for (const PlannedImage& image : images) ids.push_back(image.id);
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("test id{} {} not among the {} selected images (ids {})",
                            unknown.size() == 1 ? "" : "s",
                            id_list(unknown) + (unknown.size() == 1 ? " is" : " are"),
                            images.size(), id_list(ids)));
  }
  if (test_ids.size() >= images.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("test ids name all {} selected images; at least one must stay for "
                            "training",
                            images.size()));
  }
}

std::size_t test_count(std::size_t n, double fraction) {
  if (n == 0 || fraction <= 0) return 0;
  auto k = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(n)));
  if (n >= 2) k = std::clamp<std::size_t>(k, 1, n - 1);
  return std::min(k, n);
}

std::vector<std::int64_t> choose_test_ids(const std::vector<std::int64_t>& ids, double fraction,
                                          std::uint64_t seed) {
  std::vector<std::int64_t> pool = ids;
  std::sort(pool.begin(), pool.end());
  const std::size_t k = test_count(pool.size(), fraction);
  std::mt19937_64 rng(seed);
  partial_shuffle(pool, k, rng);
  std::vector<std::int64_t> chosen(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(k));
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<std::int64_t> choose_split(const std::vector<GroupedId>& images,
                                       const CreateOptions& options, std::uint64_t seed) {
  // The split's one place: explicit ids (group_by is kImage then), else a seeded fraction of the
  // images or of whole groups.
  if (!options.test_ids.empty()) {
    std::vector<std::int64_t> chosen;
    for (const std::int64_t id : options.test_ids) {
      // An image that could not be read is not in the dataset; its id is dropped here.
      const bool present = std::any_of(images.begin(), images.end(),
                                       [id](const GroupedId& image) { return image.id == id; });
      if (present) chosen.push_back(id);
    }
    std::sort(chosen.begin(), chosen.end());
    return chosen;
  }
  const std::size_t target = test_count(images.size(), options.test_fraction);
  if (options.group_by != GroupBy::kImage) return choose_group_ids(images, target, seed);
  std::vector<std::int64_t> ids;
  for (const GroupedId& image : images) ids.push_back(image.id);
  return choose_test_ids(ids, options.test_fraction, seed);
}

int most_frames(const ImageIndex& index) {
  int most = 0;
  for (const auto& entry : index.entries) {
    if (entry.status != IndexStatus::kMissing && entry.frames.has_value())
      most = std::max(most, *entry.frames);
  }
  return most;
}

std::string dataset_name(const std::string& date, std::size_t n_images, const std::string& type,
                         int input_frames, int gt_frames, Pairing pairing) {
  return fmt::format("{}_{}I_{}_{}to{}F{}", date, n_images, type, input_frames, gt_frames,
                     pairing == Pairing::kDisjoint ? "_disjoint" : "");
}

std::uint64_t next_dataset_id(const fs::path& datasets_dir, const Reporter& reporter) {
  std::uint64_t highest = 0;
  std::string holder;  // the file holding the highest id, for the overflow message
  std::error_code ec;
  for (fs::directory_iterator it(datasets_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() != ".json") continue;
    std::optional<std::uint64_t> id;
    try {
      id = dataset_id_of(
          parse_json_bounded(read_regular_file(path, kMaxDatasetJsonBytes), path.string()));
      if (!id)
        reporter.warn(fmt::format("{}: ignored: not a dataset JSON (no FLAME_Dataset id)",
                                  printable(path.string())));
    } catch (const Error& e) {
      reporter.warn(fmt::format("ignored (not a dataset): {}", e.what()));
    }
    if (id && *id >= highest) {
      highest = *id;
      holder = path.string();
    }
  }
  const fs::path counter = datasets_dir / kLastIdFile;
  if (const auto recorded = read_recorded_id(counter, reporter); recorded && *recorded >= highest) {
    highest = *recorded;
    holder = counter.string();
  }
  if (highest == std::numeric_limits<std::uint64_t>::max()) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: dataset id {} is the largest possible; no new id can be given",
                            printable(holder), format_dataset_id(highest)));
  }
  return highest + 1;
}

void record_dataset_id(const fs::path& datasets_dir, std::uint64_t id) {
  // `remove` records ids too: read, compare and write under one lock so the highest wins.
  const FileLock lock(datasets_dir / kDatasetsLock);
  const auto recorded = read_recorded_id(datasets_dir / kLastIdFile, Reporter());
  if (recorded && *recorded >= id) return;
  write_file_atomic(datasets_dir / kLastIdFile, format_dataset_id(id) + "\n");
}

std::string local_time_now(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

}  // namespace flamecare::detail
