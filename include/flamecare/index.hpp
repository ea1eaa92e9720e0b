#pragma once
/// The raw image index `raw_image_index.csv` (DESIGN.md §1).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flamecare/log.hpp"
#include "flamecare/screen.hpp"

namespace flamecare {

inline constexpr const char* kIndexFileName = "raw_image_index.csv";

/// One row of the index.
struct IndexEntry {
  int id = 0;
  std::string image;          ///< path relative to the raw root, '/' separated
  std::optional<int> frames;  ///< imgarr_nframes: verified frames, -1 unusable, nullopt unscreened
  int channels = 0;
  int height = 0;
  int width = 0;
  std::string dtype;
  std::optional<int> bidirectional_correction;
  std::uint64_t size_bytes = 0;
  std::int64_t mtime_ns = 0;
  std::string status;  ///< "usable", "unusable", "missing" (file gone), "" unscreened
  std::string reason;  ///< screening reason when unusable
};

struct ImageIndex {
  std::vector<IndexEntry> entries;  ///< sorted by id
};

/// Reads an index CSV, including legacy files with duplicated `id` columns (first wins).
/// Throws Error(kNotFound / kIo / kCorrupt with file and line).
ImageIndex read_index_csv(const std::filesystem::path& csv);
/// Writes the index atomically (temp + rename); columns id,image,imgarr_nframes first.
void write_index_csv(const std::filesystem::path& csv, const ImageIndex& index);

struct IndexOptions {
  std::filesystem::path raw_root;
  std::filesystem::path datasets_dir;
  int threads = 0;  ///< 0 = all cores
  /// Screening function; defaults to screen_raw_image. Tests inject their own.
  std::function<ScreenResult(const std::filesystem::path&)> screen;
};

struct IndexSummary {
  std::filesystem::path csv;
  std::size_t found = 0;     ///< .tif/.tiff regular files under the root
  std::size_t added = 0;     ///< new ids assigned this run
  std::size_t screened = 0;  ///< files screened this run (new or changed)
  std::size_t usable = 0;    ///< usable files found this run
  std::size_t unusable = 0;  ///< unusable files found this run
  std::size_t missing = 0;   ///< indexed files no longer on disk
  std::map<std::string, std::size_t> unusable_by_reason;  ///< reason code → count
};

struct IndexResult {
  ImageIndex index;
  IndexSummary summary;
};

/// Creates or updates `<datasets_dir>/raw_image_index.csv` under a lock file: walks the raw root,
/// assigns new ids (max + 1, sorted path order), screens new and changed files in parallel and
/// writes the CSV atomically. Bad files are reported (one warning each) and recorded, never fatal.
/// Throws Error(kNotFound) for a missing root, Error(kIo) when the CSV cannot be written.
IndexResult update_index(const IndexOptions& options, const Reporter& reporter);

}  // namespace flamecare
