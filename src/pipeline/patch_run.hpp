#pragma once
// The steps `patches` is made of, shared by the single run and the sharded steps (plan, shard,
// merge), so that both cut, order and write patches with the same code.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "flamecare/log.hpp"
#include "flamecare/patches.hpp"
#include "pipeline/patch_dataset.hpp"
#include "pipeline/patch_outputs.hpp"
#include "pipeline/patch_store.hpp"

namespace flamecare::detail {

/// Everything a run decides before it cuts: from the options and the dataset alone.
struct PatchRun {
  PatchDataset data;
  PatchOptions options;  ///< as given, with the seed filled in
  std::uint64_t seed = 0;
  std::size_t per_sample = 0;     ///< patches per sample
  std::size_t too_small = 0;      ///< train images left out as smaller than the patch
  int sample_channels = 1;        ///< C' of each patch
  int samples_per_pair = 1;       ///< samples of one train pair (its channels, or 1)
  std::size_t patch_bytes = 0;    ///< bytes of one input (or target) patch
  std::filesystem::path out_dir;  ///< absolute `<out or data root>/<name>`
  std::filesystem::path npz;      ///< out_dir / <name>_patch<P>_<n>PpI_<1|All>Chan.npz
  std::filesystem::path val_npz;  ///< "" without a validation fraction
  std::vector<std::int64_t> validation_ids;
  /// Samples cut from the train pairs kept (each pair's channels in turn, or the pair).
  std::size_t n_samples() const { return data.train.size() * std::size_t(samples_per_pair); }
};

/// Validates the options, opens the dataset, leaves out (naming them) train images smaller than
/// the patch, draws a fresh seed when none is given and names the outputs. Writes nothing.
/// Throws as make_patches (except kAlreadyExists and kIo).
PatchRun prepare_patch_run(const PatchOptions& options, const Reporter& reporter);

/// Refuses (Error(kAlreadyExists)) when the npz or the validation npz of `run` exists.
void require_outputs_absent(const PatchRun& run);

/// The samples a shard cuts: sample i belongs to shard k (0-based) of n when i % n == k.
struct SampleShare {
  std::size_t k = 0;
  std::size_t n = 1;
  bool has(std::size_t sample) const { return sample % n == k; }
};

/// How many of the run's samples `share` holds.
std::size_t share_samples(const PatchRun& run, SampleShare share);

/// Cuts the patches of the samples in `share` into `store` (in parallel, slots 0, 1, … in the
/// order they are stored); returns their records in canonical (sample, rank) order and adds the
/// samples without any eligible centre to `skipped`. Throws Error(kCorrupt / kIo / kCancelled).
std::vector<PatchRecord> cut_patches(const PatchRun& run, PatchStore& store, SampleShare share,
                                     std::size_t& skipped, const Reporter& reporter);

/// The result's fields known before cutting (seed, counts, npz names).
PatchResult start_result(const PatchRun& run);

/// The patch orders of the outputs: the training patches and the validation images' patches.
struct PatchOrders {
  std::vector<PatchRecord> train;
  std::vector<PatchRecord> validation;
};

/// From all records in canonical order: holds out the validation images' patches and shuffles
/// both lists with the run's seed (the training patches first); sets result's patch counts.
/// Throws Error(kNotFound) when no patch is left for the npz.
PatchOrders order_patches(const PatchRun& run, std::vector<PatchRecord> records,
                          PatchResult& result);

/// Records the run's npz files (and the validation npz) in the dataset JSON.
void record_patch_outputs(const PatchRun& run, const PatchResult& result, const Reporter& reporter);

/// order_patches, then every output with the patches streamed from `source`, then
/// record_patch_outputs. Throws as those and write_patch_outputs.
void finish_patches(const PatchRun& run, std::vector<PatchRecord> records,
                    const PatchSource& source, PatchResult& result, const Reporter& reporter);

}  // namespace flamecare::detail
