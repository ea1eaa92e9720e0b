#pragma once
// Subcommand registration: each cmd_*.cpp parses its options and calls one library function.
#include <functional>

#include <CLI/CLI.hpp>

#include "console.hpp"

namespace flamecare::cli {

/// What a parsed subcommand runs; returns the process exit code.
using Runner = std::function<int(Console&)>;

void add_synth_command(CLI::App& app, Runner& runner);
void add_inspect_command(CLI::App& app, Runner& runner);
void add_index_command(CLI::App& app, Runner& runner);
void add_create_command(CLI::App& app, Runner& runner);
/// `patches`, `patches-shard` and `patches-merge`.
void add_patches_command(CLI::App& app, Runner& runner);
void add_datasets_command(CLI::App& app, Runner& runner);
void add_show_command(CLI::App& app, Runner& runner);
void add_remove_command(CLI::App& app, Runner& runner);
void add_export_command(CLI::App& app, Runner& runner);

}  // namespace flamecare::cli
