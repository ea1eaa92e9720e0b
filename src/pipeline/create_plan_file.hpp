#pragma once
// The files of a sharded create: the plan (`<out>/<name>.plan.json`) and each shard's state
// (`<staging>/shards/shard-<K>-of-<N>.json`), read and written in one place.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "flamecare/create_shards.hpp"
#include "flamecare/image.hpp"
#include "flamecare/pixel_stats.hpp"
#include "pipeline/create_steps.hpp"

namespace flamecare::detail {

/// Largest plan or shard state read (a plan of a million images, or the state of a float32
/// dataset with four channels, stays far below it).
inline constexpr std::uint64_t kMaxPlanBytes = 1ull << 30;

/// The plan's JSON text (its fingerprint included).
std::string format_plan(const CreatePlan& plan);

/// The fingerprint of everything in the plan but its path and fingerprint (16 hex digits).
std::string plan_fingerprint(const CreatePlan& plan);

/// Parses plan text; `source` names it in messages. Throws Error(kCorrupt) for text that is not a
/// plan, lacks what it needs, or whose fingerprint does not match its content (edited by hand).
CreatePlan parse_plan(std::string_view text, std::string_view source);

/// What one finished shard leaves: its part of the statistics and of the images.
struct ShardState {
  std::string fingerprint;  ///< of the plan it was made for
  int shard = 0;
  int shards = 0;
  std::vector<std::pair<std::int64_t, ImageShape>> summed;  ///< id → sums' shape, ascending id
  std::vector<FailedImage> failed;
  PixelStatsState input;
  PixelStatsState truth;
};

/// The state's JSON text.
std::string format_shard_state(const ShardState& state);

/// Parses a shard state; throws Error(kCorrupt) naming `source`.
ShardState parse_shard_state(std::string_view text, std::string_view source);

/// `<staging>/shards/shard-<K>-of-<N>.json`.
std::filesystem::path shard_state_path(const std::filesystem::path& staging, int shard, int shards);

/// K and N of a state file's name `shard-<K>-of-<N>.json`; nullopt for any other name.
std::optional<std::pair<int, int>> parse_shard_state_name(const std::string& filename);

/// Where the sums of a plan are written: `<staging>/data` (published as the data dir).
std::filesystem::path plan_data_dir(const CreatePlan& plan);

/// The name of the dataset in the plan's datasets dir holding the plan's id (its merge published
/// it, and may have been killed before removing the plan), nullopt when there is none.
std::optional<std::string> merged_into(const CreatePlan& plan);

}  // namespace flamecare::detail
