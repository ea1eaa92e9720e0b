#pragma once
/// `export`: a dataset as the folders another trainer reads (CAREamics: whole images in
/// train/val/test input and target folders with the same file names, plus the statistics).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "flamecare/log.hpp"

namespace flamecare {

/// The CAREamics release whose configuration field names careamics.json uses.
inline constexpr const char* kCareamicsVersion = "0.3.5";

struct ExportOptions {
  std::string dataset;  ///< dataset name or path to its JSON
  std::filesystem::path datasets_dir;
  std::filesystem::path data_dir;  ///< the `create` output dir; "" = the one the JSON records
  std::filesystem::path out_dir;   ///< DIR: the export goes to DIR/<dataset name>
  std::string format = "careamics";
  /// Fraction of the train images (whole groups, as the dataset was split) moved to val/.
  double validation_fraction = 0;
  std::optional<std::uint64_t> seed;  ///< for the validation images; nullopt: fresh, recorded
  int threads = 0;
};

struct ExportResult {
  std::filesystem::path dir;     ///< DIR/<name>
  std::filesystem::path config;  ///< DIR/<name>/careamics.json
  std::string axes;              ///< "CYX", or "YX" for one channel
  std::uint64_t seed = 0;
  std::vector<std::int64_t> train_ids, val_ids, test_ids;  ///< ascending
  std::size_t n_linked = 0;  ///< files that are hard links to the dataset's sums
  std::size_t n_copied = 0;  ///< files written anew (the dataset's sums are (1, C, Y, X))
};

/// Writes `DIR/<name>/{train,val,test}/{input,target}/image<id>.tif` (val/ only with a validation
/// fraction; identical names in input/ and target/), each read by tifffile as (C, Y, X), or (Y, X)
/// for one channel, and `DIR/<name>/careamics.json` with the axes, the data type and the exact
/// per-channel statistics of the export's train images (means, stds, 1st/99th percentiles) for
/// input and target in CAREamics's field names. A file is a hard link to the dataset's sum when
/// that already has the export's layout and lies on the same file system, else a copy; the dataset
/// is never changed. Everything is written into `DIR/.export-<pid>.partial` and renamed to
/// `DIR/<name>` when complete, so a failed or cancelled export leaves nothing that looks complete
/// (a killed one's staging dir is removed by the next export into DIR). Throws
/// Error(kInvalidArgument) for an unknown format or a fraction outside [0, 1), Error(kNotFound)
/// for a missing dataset or sum, Error(kAlreadyExists) when DIR/<name> exists, Error(kCorrupt) for
/// a sum whose shape differs from the JSON's, Error(kIo), Error(kCancelled).
ExportResult export_dataset(const ExportOptions& options, const Reporter& reporter);

}  // namespace flamecare
