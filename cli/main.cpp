// flamecare: FLAME ScanImage stacks → CARE denoising training data.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "command_line.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "flamecare/error.hpp"
#include "flamecare/version.hpp"

namespace {

// Exit codes: 0 success, 1 failure, 2 usage (bad options: CLI11's or the library's
// kInvalidArgument), 130 interrupted (as a shell reports a process ended by Ctrl-C).
constexpr int kFailure = 1;
constexpr int kUsage = 2;
constexpr int kInterrupted = 130;

// Each message says what happened in its own words (the library writes them so); only usage
// errors point to --help and only broken invariants say "internal error".
int report(const flamecare::Error& e, const std::string& command) {
  std::string_view what = e.what();
  switch (e.kind()) {
    case flamecare::ErrorKind::kCancelled:
      // The library's message starts "cancelled; " and says what was kept.
      if (what.starts_with("cancelled; ")) what.remove_prefix(11);
      fmt::print(stderr, "interrupted; {}\n", what);
      return kInterrupted;
    case flamecare::ErrorKind::kInvalidArgument:
      fmt::print(stderr, "flamecare {}: {}\nRun with --help for more information.\n", command,
                 what);
      return kUsage;
    case flamecare::ErrorKind::kInternal:
      fmt::print(stderr, "flamecare: internal error: {}\n", what);
      return kFailure;
    default:
      fmt::print(stderr, "flamecare: {}\n", what);
      return kFailure;
  }
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flamecare: turn FLAME ScanImage acquisitions into CARE denoising training data"};
  app.set_version_flag("--version", fmt::format("flamecare {}", flamecare::kVersion));
  app.require_subcommand(1);
  // -v after the command name reaches the main program's flag too.
  app.fallthrough();
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Show informational messages on stderr");

  flamecare::cli::Runner runner;
  flamecare::cli::add_synth_command(app, runner);
  flamecare::cli::add_inspect_command(app, runner);
  flamecare::cli::add_index_command(app, runner);
  flamecare::cli::add_create_command(app, runner);
  flamecare::cli::add_create_shard_command(app, runner);
  flamecare::cli::add_create_merge_command(app, runner);
  flamecare::cli::add_patches_command(app, runner);
  flamecare::cli::add_datasets_command(app, runner);
  flamecare::cli::add_show_command(app, runner);
  flamecare::cli::add_remove_command(app, runner);
  flamecare::cli::add_export_command(app, runner);

  const auto word = flamecare::cli::command_word(argc, argv);
  const auto names = command_names(app);
  if (word && std::find(names.begin(), names.end(), *word) == names.end()) {
    fmt::print(stderr, "flamecare: {}\nRun with --help for more information.\n",
               flamecare::cli::unknown_command_message(*word, names));
    return kUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }

  flamecare::cli::Console console(fmt::format("flamecare {}", flamecare::kVersion),
                                  flamecare::cli::quoted_command_line(argc, argv));
  console.set_verbose(verbose);
  try {
    return runner ? runner(console) : kUsage;
  } catch (const flamecare::Error& e) {
    return report(e, word.value_or(""));
  } catch (const std::exception& e) {
    fmt::print(stderr, "flamecare: internal error: {}\n", e.what());
    return kFailure;
  }
}
