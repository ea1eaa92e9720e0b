#include "pipeline/dataset_json.hpp"

#include <fmt/format.h>

#include "flamecare/error.hpp"

namespace flamecare::detail {
namespace {

// Key for each entry of kStatPercentiles, as the original notebooks named them.
constexpr const char* kPercentileKeys[] = {"pixel_p1pct", "pixel_1pct",  "pixel_5pct",
                                           "pixel_95pct", "pixel_99pct", "pixel_99p9pct"};

}  // namespace

nlohmann::json stats_to_json(int n_frames, const StatsSummary& stats) {
  nlohmann::json block;
  block["n_frames"] = n_frames;
  block["pixel_mean"] = stats.mean;
  block["pixel_min"] = stats.min;
  block["pixel_max"] = stats.max;
  for (std::size_t q = 0; q < kStatPercentiles.size(); ++q) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto& channel : stats.channels) values.push_back(channel.percentiles[q]);
    block[kPercentileKeys[q]] = values;
  }
  block["pixel_std"] = stats.std;
  nlohmann::json means = nlohmann::json::array();
  nlohmann::json stds = nlohmann::json::array();
  for (const auto& channel : stats.channels) {
    means.push_back(channel.mean);
    stds.push_back(channel.std);
  }
  block["channel_mean"] = means;
  block["channel_std"] = stds;
  block["n_pixels"] = stats.count;
  return block;
}

std::vector<double> channel_values(const nlohmann::json& block, const std::string& key,
                                   const std::string& source) {
  const auto it = block.find(key);
  if (it == block.end()) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: statistics lack \"{}\"", source, key));
  }
  std::vector<double> values;
  if (it->is_number()) return {it->get<double>()};
  if (!it->is_array()) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: \"{}\" is not a number or a list", source, key));
  }
  for (const auto& value : *it) {
    if (!value.is_number()) {
      throw Error(ErrorKind::kCorrupt, fmt::format("{}: \"{}\" holds a non-number", source, key));
    }
    values.push_back(value.get<double>());
  }
  return values;
}

}  // namespace flamecare::detail
