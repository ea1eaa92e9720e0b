#pragma once
// The dataset JSON (`{"FLAME_Dataset": {...}}`, the original notebooks' schema plus extras): the
// one place that reads and writes it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "flamecare/dataset.hpp"
#include "flamecare/pixel_stats.hpp"

namespace flamecare::detail {

/// Largest dataset JSON read (a dataset of a million images stays far below it).
inline constexpr std::uint64_t kMaxDatasetJsonBytes = 256ull << 20;

/// A side's statistics block from the accumulated statistics.
DatasetStats stats_from_summary(int n_frames, const StatsSummary& stats);

/// Parses JSON text with nesting bounded (deeper input is an error, not a stack overflow).
/// Throws Error(kCorrupt) naming `source`.
nlohmann::json parse_json_bounded(std::string_view text, std::string_view source);

/// The dataset as a JSON value (what format_dataset_json prints).
nlohmann::json dataset_to_json(const Dataset& dataset);

/// The id of a parsed JSON that looks like a dataset (FLAME_Dataset.id as "0x…" text or an
/// integer), nullopt when there is none.
std::optional<std::uint64_t> dataset_id_of(const nlohmann::json& json);

/// "create_options" (every option of `create` as it ran, under its config keys) from JSON;
/// throws Error(kCorrupt) naming `source`.
CreateOptions parse_create_options(const nlohmann::json& options, std::string_view source);

/// The options (and the ladder, when not empty) as the JSON's "create_options".
nlohmann::json create_options_json(const CreateOptions& options, const std::vector<int>& ladder);

/// Reads and parses a dataset JSON file (regular files only, size bounded); sets json_path.
/// Throws Error(kNotFound / kIo / kUnsupported / kCorrupt) naming the file.
Dataset read_dataset_json(const std::filesystem::path& path);

/// Writes the dataset JSON atomically. With no_clobber an existing file is an
/// Error(kAlreadyExists) and stays untouched. Throws Error(kIo) naming the path and the cause.
void write_dataset_json(const std::filesystem::path& path, const Dataset& dataset, bool no_clobber);

/// Writes any JSON value as flamecare does (2-space indent, newline, invalid UTF-8 replaced),
/// atomically. Throws as write_dataset_json.
void write_json_file(const std::filesystem::path& path, const nlohmann::json& json,
                     bool no_clobber);

}  // namespace flamecare::detail
