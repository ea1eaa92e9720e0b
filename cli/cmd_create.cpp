// `flamecare create`: not available yet.
#include "commands.hpp"
#include "flamecare/error.hpp"

namespace flamecare::cli {

void add_create_command(CLI::App& app, Runner& runner) {
  auto* cmd = app.add_subcommand("create", "(not available yet)");
  cmd->callback([&runner] {
    runner = [](Console&) -> int {
      throw Error(ErrorKind::kUnsupported, "create: not implemented");
    };
  });
}

}  // namespace flamecare::cli
