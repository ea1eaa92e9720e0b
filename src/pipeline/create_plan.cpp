#include "pipeline/create_plan.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "util/random.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;

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
                                            entry.height, entry.width,
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
  message +=
      fmt::format("\nnothing was written; use --channels {} to keep only the {}-channel images",
                  majority->first, majority->first);
  throw Error(ErrorKind::kInvalidArgument, message);
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

std::string dataset_name(const std::string& date, std::size_t n_images, const std::string& type,
                         int input_frames, int gt_frames) {
  return fmt::format("{}_{}I_{}_{}to{}F", date, n_images, type, input_frames, gt_frames);
}

int next_dataset_id(const fs::path& datasets_dir) {
  int highest = 0;
  std::error_code ec;
  for (fs::directory_iterator it(datasets_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".json") continue;
    std::ifstream in(it->path());
    const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object() || !json.contains("FLAME_Dataset")) continue;
    const auto& id = json["FLAME_Dataset"].value("id", nlohmann::json());
    int value = 0;
    if (id.is_string()) {
      value = static_cast<int>(std::strtol(id.get<std::string>().c_str(), nullptr, 0));
    } else if (id.is_number_integer()) {
      value = id.get<int>();
    }
    highest = std::max(highest, value);
  }
  return highest + 1;
}

std::string format_dataset_id(int id) { return fmt::format("0x{:04x}", id); }

std::string unused_name(const std::string& base, const fs::path& datasets_dir,
                        const fs::path& out_dir) {
  auto taken = [&](const std::string& name) {
    std::error_code ec;
    return fs::exists(datasets_dir / (name + ".json"), ec) || fs::exists(out_dir / name, ec) ||
           fs::exists(datasets_dir / (name + ".png"), ec);
  };
  if (!taken(base)) return base;
  for (int suffix = 2;; ++suffix) {
    const std::string name = fmt::format("{}_{}", base, suffix);
    if (!taken(name)) return name;
  }
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
