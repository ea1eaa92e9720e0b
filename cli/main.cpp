// flamecare: FLAME ScanImage stacks → CARE denoising training data.
#include <cstdio>
#include <exception>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "console.hpp"
#include "flamecare/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"flamecare: turn FLAME ScanImage acquisitions into CARE denoising training data"};
  app.set_version_flag("--version", std::string("flamecare ") + FLAMECARE_VERSION);
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Show informational messages on stderr");

  flamecare::cli::Runner runner;
  flamecare::cli::add_synth_command(app, runner);
  flamecare::cli::add_inspect_command(app, runner);
  flamecare::cli::add_index_command(app, runner);
  flamecare::cli::add_create_command(app, runner);
  flamecare::cli::add_patches_command(app, runner);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  flamecare::cli::Console console;
  console.set_verbose(verbose);
  try {
    return runner ? runner(console) : 2;
  } catch (const flamecare::Error& e) {
    fmt::print(stderr, "flamecare: {}: {}\n", flamecare::error_kind_name(e.kind()), e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "flamecare: internal error: {}\n", e.what());
    return 1;
  }
}
