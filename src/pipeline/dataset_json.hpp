#pragma once
// The dataset JSON (`{"FLAME_Dataset": {...}}`, the original notebooks' schema plus extras).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flamecare/pixel_stats.hpp"

namespace flamecare::detail {

/// The `input` / `output` block: n_frames, pixel_min/max/mean/std over all channels and the
/// per-channel percentile lists pixel_p1pct (0.1 %), pixel_1pct, pixel_5pct, pixel_95pct,
/// pixel_99pct, pixel_99p9pct, plus channel_mean, channel_std and n_pixels.
nlohmann::json stats_to_json(int n_frames, const StatsSummary& stats);

/// Per-channel list `key` (e.g. "pixel_1pct") of a stats block; a bare number is taken as one
/// channel. Throws Error(kCorrupt) naming `source` when absent or not numeric.
std::vector<double> channel_values(const nlohmann::json& block, const std::string& key,
                                   const std::string& source);

}  // namespace flamecare::detail
