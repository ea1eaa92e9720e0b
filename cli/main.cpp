// flamecare: FLAME ScanImage stacks → CARE denoising training data.
#include <cstdio>
#include <exception>
#include <string_view>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

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

int report(const flamecare::Error& e) {
  if (e.kind() == flamecare::ErrorKind::kCancelled) {
    // The library's message starts "cancelled; " and says what was kept.
    std::string_view what = e.what();
    if (what.starts_with("cancelled; ")) what.remove_prefix(11);
    fmt::print(stderr, "interrupted; {}\n", what);
    return kInterrupted;
  }
  fmt::print(stderr, "flamecare: {}: {}\n", flamecare::error_kind_name(e.kind()), e.what());
  return e.kind() == flamecare::ErrorKind::kInvalidArgument ? kUsage : kFailure;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flamecare: turn FLAME ScanImage acquisitions into CARE denoising training data"};
  app.set_version_flag("--version", fmt::format("flamecare {}", flamecare::kVersion));
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Show informational messages on stderr");

  flamecare::cli::Runner runner;
  flamecare::cli::add_synth_command(app, runner);
  flamecare::cli::add_inspect_command(app, runner);
  flamecare::cli::add_index_command(app, runner);
  flamecare::cli::add_create_command(app, runner);
  flamecare::cli::add_patches_command(app, runner);
  flamecare::cli::add_export_command(app, runner);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }

  flamecare::cli::Console console;
  console.set_verbose(verbose);
  try {
    return runner ? runner(console) : kUsage;
  } catch (const flamecare::Error& e) {
    return report(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "flamecare: internal error: {}\n", e.what());
    return kFailure;
  }
}
