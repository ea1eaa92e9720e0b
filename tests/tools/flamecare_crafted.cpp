// flamecare_crafted OUT_DIR: writes every crafted hostile input (tests/support/crafted_inputs) into
// OUT_DIR, for the CLI/Python tests and the fuzzing seed corpus.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/crafted_inputs.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: flamecare_crafted OUT_DIR\n");
    return 2;
  }
  const std::filesystem::path dir(argv[1]);
  std::filesystem::create_directories(dir);
  for (const auto& [name, bytes] : flamecare::test::all_crafted_files()) {
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "flamecare_crafted: cannot write %s\n", (dir / name).c_str());
      return 1;
    }
  }
  return 0;
}
