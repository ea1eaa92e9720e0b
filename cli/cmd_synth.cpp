// `flamecare synth`: not available yet.
#include "commands.hpp"
#include "flamecare/error.hpp"

namespace flamecare::cli {

void add_synth_command(CLI::App& app, Runner& runner) {
  auto* cmd = app.add_subcommand("synth", "(not available yet)");
  cmd->callback([&runner] {
    runner = [](Console&) -> int {
      throw Error(ErrorKind::kUnsupported, "synth: not implemented");
    };
  });
}

}  // namespace flamecare::cli
