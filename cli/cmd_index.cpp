// `flamecare index`: not available yet.
#include "commands.hpp"
#include "flamecare/error.hpp"

namespace flamecare::cli {

void add_index_command(CLI::App& app, Runner& runner) {
  auto* cmd = app.add_subcommand("index", "(not available yet)");
  cmd->callback([&runner] {
    runner = [](Console&) -> int {
      throw Error(ErrorKind::kUnsupported, "index: not implemented");
    };
  });
}

}  // namespace flamecare::cli
