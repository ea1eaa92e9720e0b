#pragma once
// The plan file of a sharded `patches` run: the PatchRun the single run would make, as JSON.
#include <filesystem>
#include <string>

#include "flamecare/log.hpp"
#include "pipeline/patch_run.hpp"

namespace flamecare::detail {

struct LoadedPlan {
  std::filesystem::path path;  ///< the plan file, absolute
  PatchRun run;                ///< made again from the plan's options and seed
  std::string fingerprint;
};

/// Writes `run` as `<out dir>/<npz stem>.plan.json` atomically; returns its fingerprint.
/// Throws Error(kIo).
std::string write_patch_plan(const std::filesystem::path& path, const PatchRun& run);

/// Reads a plan and makes its run again from the dataset (so shards and merge cut and write
/// what the plan decided), with `threads` worker threads. Throws Error(kNotFound) for a missing
/// plan, Error(kCorrupt) for a damaged plan or when the dataset or its options no longer give the
/// planned run, else as prepare_patch_run.
LoadedPlan load_patch_plan(const std::filesystem::path& path, int threads,
                           const Reporter& reporter);

/// `<out dir>/<npz stem>.plan.json` of a run.
std::filesystem::path patch_plan_path(const PatchRun& run);

}  // namespace flamecare::detail
