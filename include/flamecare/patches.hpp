#pragma once
/// `patches`: normalised CARE training patches streamed into an .npz (DESIGN.md §3).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

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
  std::uint64_t seed = 0;
  int threads = 0;
  bool force_zip64 = false;
};

struct PatchResult {
  std::filesystem::path npz;
  std::filesystem::path config;
  std::filesystem::path samples1;
  std::filesystem::path samples2;
  std::size_t n_samples = 0;
  std::size_t n_skipped = 0;
  std::size_t n_patches = 0;
  std::size_t patches_per_image = 0;
  std::uint64_t npz_bytes = 0;
};

/// Cuts patches from the dataset's train pairs and writes the npz, config JSON and sample PNGs.
/// Throws Error(kNotFound) for a missing dataset, Error(kInvalidArgument) for bad options,
/// Error(kCorrupt) for inconsistent dataset files.
PatchResult make_patches(const PatchOptions& options, const Reporter& reporter);

}  // namespace flamecare
