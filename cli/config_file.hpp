#pragma once
// `--config FILE`: options of a subcommand read from a TOML file (command-line values win).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace flamecare::cli {

/// Applies every key of the TOML file (top level, or a table named after the subcommand; tables
/// named after other subcommands are skipped) to the subcommand's option with that name: the long
/// name (`input-frames` or `input_frames`) or a positional's name (`raw-root`, `dataset`), unless
/// the option was given on the command line. Lists are TOML arrays (`ladder = [5, 10, 20]`) or
/// the command line's text (`"5,10,20"`). The file may be a pipe (`--config <(…)`). Returns the
/// applied settings as "key = value" lines (for the log). Throws Error(kNotFound) for a missing
/// file, Error(kIo) for one that cannot be read, and Error(kInvalidArgument) naming the file and
/// key for a syntax error, an unknown key or table, a bad value, or options that exclude each
/// other.
std::vector<std::string> apply_config_file(CLI::App& command, const std::string& path);

/// Throws Error(kInvalidArgument) when two options that exclude each other were both given, on
/// the command line or in a config file (CLI11 checks only the command line).
void check_exclusions(const CLI::App& command);

/// Throws Error(kInvalidArgument) unless `option` was given on the command line or in a config
/// file ("RAW_ROOT is required: give it on the command line or as raw-root in --config").
void require_option(const CLI::Option* option, const std::string& shown_name,
                    const std::string& config_key);

}  // namespace flamecare::cli
