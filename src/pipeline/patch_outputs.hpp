#pragma once
// The outputs of `patches` and the order they appear in: the config JSON and sample sheets named
// after the npz first (a leftover of an interrupted run is replaced, since its npz never
// appeared), then the npz (never overwritten; its presence marks a complete run), then copies
// under the original notebooks' names where those do not exist yet.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "flamecare/log.hpp"
#include "flamecare/patches.hpp"
#include "pipeline/patch_dataset.hpp"
#include "pipeline/patch_store.hpp"

namespace flamecare::detail {

/// One patch: where it came from and which slot it has (its position in canonical order in a
/// single run, in its shard's store for the sharded steps).
struct PatchRecord {
  std::size_t sample = 0;                 ///< index over (train pair, channel) samples
  std::size_t rank = 0;                   ///< position among its sample's patches
  std::size_t slot = 0;                   ///< see above
  std::int32_t coords[4] = {0, 0, 0, 0};  ///< image id, channel or −1, y0, x0
};

/// Refuses, before anything is written, a run whose patches (at most `max_patches` of
/// `patch_bytes` each, input and target) cannot fit: Error(kIo) when the npz (plus, with
/// `stored`, a temporary store of every patch) exceeds the free space of `out_dir`,
/// Error(kInvalidArgument) when their records exceed this machine's memory. Both messages give
/// the numbers.
void check_patch_resources(const std::filesystem::path& out_dir, long double max_patches,
                           std::size_t patch_bytes, bool stored);

/// Removes temporary files (stores, npz and JSON/PNG temporaries) that runs which are gone left in
/// `dir`.
void remove_stale_patch_files(const std::filesystem::path& dir, const Reporter& reporter);

/// What the outputs are made from besides the patches.
struct PatchOutputs {
  const PatchDataset& data;
  const PatchOptions& options;
  std::uint64_t seed = 0;
  int channels = 1;  ///< C' of each patch
};

/// Writes and commits the validation npz (validation = true) or the training npz, calling
/// `before_commit` just before the commit; returns the npz's size in bytes. Throws as NpzWriter.
using NpzWrite =
    std::function<std::uint64_t(bool validation, const std::function<void()>& before_commit)>;

/// The NpzWrite that streams the patches of `order` (training) and `val_order` (validation) from
/// `store` in those orders.
NpzWrite stream_npz(const PatchOutputs& outputs, const std::vector<PatchRecord>& order,
                    const std::vector<PatchRecord>& val_order, const PatchSource& store,
                    const PatchResult& result, const Reporter& reporter);

/// Writes the outputs in the order above through `write_npz` (the validation npz, result.val_npz,
/// just before the npz when it is set; a run that fails before the npz removes it), filling
/// result's paths and npz_bytes. `order` is the shuffled patch order of the npz; the sample sheets
/// read its first 16 patches from `sheets` (on another thread, until the training npz's
/// `before_commit`). Throws Error(kAlreadyExists) when an npz exists,
/// Error(kIo) naming the path and the system's reason, Error(kCancelled).
void write_patch_outputs(const PatchOutputs& outputs, const std::vector<PatchRecord>& order,
                         const PatchSource& sheets, const NpzWrite& write_npz, PatchResult& result,
                         const Reporter& reporter);

}  // namespace flamecare::detail
