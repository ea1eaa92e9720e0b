// libFuzzer target: the index CSV parser. Whatever parses must format to text that parses back
// to the same text (the index is rewritten on every run, so writing must be stable), and that
// text must be valid UTF-8 (pandas reads it).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "util/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string once;
  try {
    once = flamecare::format_index_csv(flamecare::parse_index_csv(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.csv"));
  } catch (const flamecare::Error&) {
    return 0;
  }
  if (!flamecare::detail::is_valid_utf8(once)) __builtin_trap();
  try {  // what flamecare wrote must read back, unchanged
    if (flamecare::format_index_csv(flamecare::parse_index_csv(once, "formatted.csv")) != once) {
      __builtin_trap();
    }
  } catch (const flamecare::Error&) {
    __builtin_trap();
  }
  return 0;
}
