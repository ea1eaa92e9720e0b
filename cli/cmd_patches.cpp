// `flamecare patches`: not available yet.
#include "commands.hpp"
#include "flamecare/error.hpp"

namespace flamecare::cli {

void add_patches_command(CLI::App& app, Runner& runner) {
  auto* cmd = app.add_subcommand("patches", "(not available yet)");
  cmd->callback([&runner] {
    runner = [](Console&) -> int {
      throw Error(ErrorKind::kUnsupported, "patches: not implemented");
    };
  });
}

}  // namespace flamecare::cli
