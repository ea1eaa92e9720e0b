// libFuzzer target: the FLAME sidecar parser (parse_tile_data) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "flamecare/error.hpp"
#include "flamecare/tile_data.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto tile = flamecare::parse_tile_data(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.tileData.txt");
    if (tile.frames_per_tile < 1) __builtin_trap();
  } catch (const flamecare::Error&) {
  }
  return 0;
}
