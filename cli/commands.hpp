#pragma once
// Subcommand registration: each cmd_*.cpp parses its options and calls one library function.
#include <functional>

#include <CLI/CLI.hpp>

#include "console.hpp"
#include "flamecare/dataset.hpp"

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
void add_create_shard_command(CLI::App& app, Runner& runner);
void add_create_merge_command(CLI::App& app, Runner& runner);

/// Prints what `create` made (also `create-merge`).
void print_create_summary(const CreateResult& result);

}  // namespace flamecare::cli
