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

/// One patch: where it came from and where its pixels wait in the store.
struct PatchRecord {
  std::size_t sample = 0;                 ///< index over (train pair, channel) samples
  std::size_t rank = 0;                   ///< position among its sample's patches
  std::size_t slot = 0;                   ///< store slot
  std::int32_t coords[4] = {0, 0, 0, 0};  ///< image id, channel or −1, y0, x0
};

/// Refuses, before anything is written, a run whose patches (at most `max_patches` of
/// `patch_bytes` each, input and target) cannot fit: Error(kIo) when the temporary store plus the
/// npz exceed the free space of `out_dir`, Error(kInvalidArgument) when their records exceed this
/// machine's memory. Both messages give the numbers.
void check_patch_resources(const std::filesystem::path& out_dir, long double max_patches,
                           std::size_t patch_bytes);

/// Removes temporary files (stores, npz and JSON/PNG temporaries) that runs which are gone left in
/// `dir`.
void remove_stale_patch_files(const std::filesystem::path& dir, const Reporter& reporter);

/// Everything a run writes besides the store.
struct PatchOutputs {
  const PatchDataset& data;
  const PatchOptions& options;
  std::uint64_t seed = 0;
  int channels = 1;  ///< C' of each patch
};

/// Writes the outputs in the order above, filling result's paths and npz_bytes. `order` is the
/// shuffled patch order of the npz, `val_order` that of the validation npz (result.val_npz, written
/// just before the npz when it is set; a run that fails before the npz removes it). Throws
/// Error(kAlreadyExists) when an npz exists, Error(kIo) naming the path and the system's reason,
/// Error(kCancelled).
/// `store_read` (if set) is called once nothing will read `store` any more, before the npz is
/// made durable.
void write_patch_outputs(const PatchOutputs& outputs, const std::vector<PatchRecord>& order,
                         const std::vector<PatchRecord>& val_order, const PatchSource& store,
                         PatchResult& result, const Reporter& reporter,
                         const std::function<void()>& store_read = {});

}  // namespace flamecare::detail
