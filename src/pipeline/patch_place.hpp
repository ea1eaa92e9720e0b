#pragma once
// The single run of `patches`: every sample's centres are chosen first, which fixes the shuffled
// order of the npz files, then each patch is cut straight into its place in them. No temporary
// store: every patch is written once (the sharded steps store theirs, see patch_store.hpp).
#include "flamecare/log.hpp"
#include "flamecare/patches.hpp"
#include "pipeline/patch_run.hpp"

namespace flamecare::detail {

/// Cuts the run's patches into its npz files, writes every output in write_patch_outputs' order
/// and records the npz files in the dataset JSON; fills result's counts, paths and sizes. Throws
/// as make_patches.
void place_patches(const PatchRun& run, PatchResult& result, const Reporter& reporter);

}  // namespace flamecare::detail
