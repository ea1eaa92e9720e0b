#pragma once
/// `patches`: normalised CARE training patches streamed into an .npz.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "flamecare/log.hpp"

namespace flamecare {

struct PatchOptions {
  std::string dataset;  ///< dataset name or path to its JSON
  std::filesystem::path datasets_dir;
  std::filesystem::path data_dir;  ///< the `create` output dir; "" = the one the JSON records
  std::filesystem::path out_dir;   ///< "" = data_dir
  int patch_size = 128;
  int patch_multiple = 4;
  std::optional<int> patches_per_image;  ///< overrides ⌊Y_max / P⌋ × m
  double background_threshold = 0.5;
  bool all_channels = false;
  std::optional<std::uint64_t> seed;  ///< nullopt: a fresh seed, recorded in the config
  int threads = 0;
  bool force_zip64 = false;
  /// Fraction of the train images held out for validation, in [0, 1): whole images (whole
  /// groups when the dataset was split by mosaic or sample) whose patches go into
  /// `<npz stem>_val.npz` instead of the npz. 0: no validation file.
  double validation_fraction = 0;
};

struct PatchResult {
  std::filesystem::path npz;       ///< <out>/<name>/<name>_patch<P>_<n>PpI_<1|All>Chan.npz
  std::filesystem::path config;    ///< <npz stem>.json: dataset JSON + Patch_Config
  std::filesystem::path samples1;  ///< <npz stem>_samples1.png
  std::filesystem::path samples2;  ///< <npz stem>_samples2.png
  std::filesystem::path val_npz;   ///< <npz stem>_val.npz ("" without a validation fraction)
  std::vector<std::int64_t> validation_ids;  ///< train images held out for validation, ascending
  /// Copies under the original notebooks' names (<1|All>Chan_patch_config.json,
  /// patch_samples1/2.png), written only where no such file existed yet.
  std::vector<std::filesystem::path> legacy_copies;
  std::uint64_t seed = 0;  ///< the seed used (given or fresh)
  std::size_t n_samples = 0;
  std::size_t n_skipped = 0;
  std::size_t n_patches = 0;      ///< in the npz
  std::size_t n_val_patches = 0;  ///< in the validation npz
  std::size_t patches_per_image = 0;
  std::uint64_t npz_bytes = 0;
};

/// Cuts patches from the dataset's train pairs and writes the config JSON and sample PNGs, then the
/// validation npz (with a validation fraction), then the npz (its presence marks a complete run),
/// then the legacy-named copies, and records the npz files in the dataset JSON ("npz_files"; a
/// failure to record is a warning). The npz and the validation npz never share an image. Train
/// images smaller than the patch are named and skipped. Nothing existing is overwritten; a failed
/// or cancelled run removes its temporary npz.
/// Throws Error(kNotFound) for a missing dataset or when no patch passes the background
/// threshold, Error(kInvalidArgument) for bad options (including more patches than memory holds),
/// Error(kInvalidArgument) also when every train image is smaller than the patch (naming one with
/// its size), Error(kUnsupported) for a train image id beyond the npz's int32 coords (before any
/// work), Error(kAlreadyExists) when the npz exists, Error(kCorrupt) for inconsistent dataset
/// files, Error(kIo) for a failed write or too little free space, Error(kCancelled).
PatchResult make_patches(const PatchOptions& options, const Reporter& reporter);

/// The folder make_patches writes into for these options, `<out or data dir>/<dataset name>`,
/// absolute (it may not exist yet). Reads the dataset JSON only. Throws as open_dataset.
std::filesystem::path patches_output_dir(const PatchOptions& options);

/// A `patches` run cut in shards: what plan_patches decided and wrote.
struct PatchesPlan {
  std::filesystem::path path;  ///< <out dir>/<npz stem>.plan.json, absolute
  std::filesystem::path npz;   ///< the npz patches_merge writes
  std::uint64_t seed = 0;      ///< the seed (given or fresh)
  std::size_t n_samples = 0;   ///< samples the shards share (train images kept × channels)
  std::string fingerprint;     ///< of everything planned: shard states made for it carry it
};

/// What one patches_shard call wrote.
struct PatchShardResult {
  std::filesystem::path state;  ///< <out dir>/<npz stem>.shard-<k>-of-<n>.json, written last
  int shard = 0;                ///< k (1-based)
  int shards = 0;               ///< n
  std::size_t n_samples = 0;    ///< samples of this shard
  std::size_t n_patches = 0;    ///< patches stored
  std::size_t n_skipped = 0;    ///< samples without any patch centre above the threshold
};

/// Decides everything of a `patches` run that needs the whole dataset (seed, samples with their
/// seeds, patches per sample, validation ids, output names, normalisation inputs) and writes it
/// atomically to `<out dir>/<npz stem>.plan.json` (replacing an older plan of the same npz).
/// Throws as make_patches, Error(kAlreadyExists) when the npz or validation npz exists.
PatchesPlan plan_patches(const PatchOptions& options, const Reporter& reporter);

/// Cuts the samples i of the plan with i % shards == shard − 1 exactly as make_patches does into
/// the shard's store files next to the plan, then writes its state file (its presence marks a
/// complete shard). A re-run replaces only this shard's files. `threads` 0 = all cores.
/// Throws Error(kInvalidArgument) unless 1 <= shard <= shards, Error(kNotFound) for a missing
/// plan, Error(kCorrupt) for a damaged plan or one the dataset no longer matches, else as
/// make_patches.
PatchShardResult patches_shard(const std::filesystem::path& plan, int shard, int shards,
                               int threads, const Reporter& reporter);

/// Requires the shard states next to the plan to form a complete set 1…n of one n made for this
/// plan, then writes exactly what one make_patches run with the plan's seed writes (npz streamed
/// from the shard stores in the single run's order, validation npz, config JSON, sample sheets,
/// legacy copies, npz_files record) and removes the shard files.
/// Throws Error(kNotFound) naming a missing shard, Error(kCorrupt) naming a stale shard (another
/// plan or another n) or a damaged one; in both cases before writing anything. Else as
/// make_patches.
PatchResult patches_merge(const std::filesystem::path& plan, const Reporter& reporter);

}  // namespace flamecare
