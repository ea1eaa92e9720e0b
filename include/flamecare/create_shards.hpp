#pragma once
/// `create` in steps for many machines: a plan (everything that needs the whole index), shards
/// (each sums its round-robin share of the plan's images) and a merge (statistics, split, JSON,
/// preview, publishing). Plan + every shard + merge give exactly what one create_dataset gives
/// with the same seed (see docs/SCALING.md).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flamecare/dataset.hpp"
#include "flamecare/log.hpp"

namespace flamecare {

/// One image of a plan: a usable indexed raw image and what summing it needs.
struct CreatePlanImage {
  std::int64_t id = 0;
  std::string image;  ///< path relative to the raw root
  int frames = 0;     ///< verified frames (index)
  int channels = 0;
  int height = 0;
  int width = 0;
  std::string dtype;                            ///< raw pixel type name ("" when not indexed)
  std::optional<int> bidirectional_correction;  ///< pixels; nullopt: none measured
};

/// A sharded create's plan, as `<out>/<name>.plan.json` holds it.
struct CreatePlan {
  std::filesystem::path path;                  ///< the plan file (absolute)
  std::string name;                            ///< the reserved dataset name
  std::uint64_t id = 0;                        ///< the reserved dataset id
  std::uint64_t seed = 0;                      ///< split and preview seed
  CreateOptions options;                       ///< as used: seed and date set, paths absolute
  std::vector<CreatePlanImage> images;         ///< to sum, ascending id
  std::map<std::string, std::size_t> skipped;  ///< images not selected, by reason
  std::filesystem::path staging;  ///< `<out>/.<name>.plan.d`: data/ (the sums), shards/ (states)
  std::string fingerprint;        ///< hash of everything above: shard states name their plan by it
};

/// What one shard did.
struct CreateShardResult {
  int shard = 0;   ///< K of K/N
  int shards = 0;  ///< N
  std::size_t summed = 0;
  std::size_t failed = 0;       ///< images of its share that could not be summed
  std::filesystem::path state;  ///< its state file
};

/// Plans a sharded create: validates the options, updates the index, selects the images, draws
/// the seed (unless given) and fixes the date, reserves the name (the first free one, counting
/// other plans' names as taken) and the next dataset id (recorded as given), makes the staging
/// dir and writes the plan atomically to `<out>/<name>.plan.json`. Throws as create_dataset for
/// bad options, unusable images and I/O.
CreatePlan plan_create(const CreateOptions& options, const Reporter& reporter);

/// Reads a plan file. Throws Error(kNotFound / kIo) for a missing or unreadable file,
/// Error(kCorrupt) for one that is not a plan or whose fingerprint does not match its content.
CreatePlan read_create_plan(const std::filesystem::path& path);

/// Sums shard `shard` of `shards` (images at positions i with i % shards == shard − 1) into the
/// plan's staging dir with `threads` threads (0: all cores), makes them durable, then writes the
/// shard's state (its exact partial statistics, the images it summed and those it could not, with
/// the reason) atomically, last. A re-run first removes its own state, then redoes its share.
/// A plan whose sums are gone (removed, or taken back after a killed merge) gets them made anew.
/// Throws Error(kInvalidArgument) unless 1 ≤ shard ≤ shards, Error(kAlreadyExists) when the plan
/// was merged already, as read_create_plan, Error(kIo), Error(kCancelled).
CreateShardResult create_shard(const std::filesystem::path& plan, int shard, int shards,
                               int threads, const Reporter& reporter);

/// Merges a plan's shards: requires the states of exactly one complete set 1..N made for this
/// plan (else Error(kNotFound) naming the missing shards or a finished shard whose sums are gone,
/// or Error(kCorrupt) naming the stale or unreadable states (another plan, another N), writing
/// nothing), merges the statistics, then finishes
/// exactly as create_dataset (float data: the second pass reads the sums; split, JSON, preview,
/// publishing; the name is the plan's unless images failed, then the name create would give)
/// and removes the plan and its staging dir. A plan merged already (killed before its removal)
/// is removed and Error(kAlreadyExists) names the dataset; Error(kNotFound) when the plan's sums
/// are gone (run every shard again). Throws as create_dataset otherwise.
CreateResult create_merge(const std::filesystem::path& plan, int threads, const Reporter& reporter);

}  // namespace flamecare
