#pragma once
// `--config FILE`: options of a subcommand read from a TOML file (command-line values win).
#include <string>

#include <CLI/CLI.hpp>

namespace flamecare::cli {

/// Applies every key of the TOML file (top level, or a table named after the subcommand) to the
/// subcommand option with that long name (`input-frames` or `input_frames`), unless the option was
/// given on the command line. Throws Error(kNotFound) for a missing file and
/// Error(kInvalidArgument) naming the file and key for a syntax error, an unknown key or a bad
/// value.
void apply_config_file(CLI::App& command, const std::string& path);

}  // namespace flamecare::cli
