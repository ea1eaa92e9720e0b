// `flamecare inspect`: not available yet.
#include "commands.hpp"
#include "flamecare/error.hpp"

namespace flamecare::cli {

void add_inspect_command(CLI::App& app, Runner& runner) {
  auto* cmd = app.add_subcommand("inspect", "(not available yet)");
  cmd->callback([&runner] {
    runner = [](Console&) -> int {
      throw Error(ErrorKind::kUnsupported, "inspect: not implemented");
    };
  });
}

}  // namespace flamecare::cli
