// libFuzzer target: the ScanImage header text parsers (parse_si_text, MATLAB scalars and number
// lists) and the C/F/Z derivation from the parsed keys. The first two bytes give the page count.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "flamecare/error.hpp"
#include "flamecare/scanimage.hpp"
#include "io/scanimage_detail.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
  flamecare::ScanImageInfo info;
  info.path = "fuzz.tif";
  info.metadata = flamecare::parse_si_text(text);
  info.pages = std::size_t(data[0]) | std::size_t(data[1]) << 8;
  for (const auto& [key, value] : info.metadata) {
    flamecare::parse_matlab_scalar(value);
    flamecare::parse_matlab_numbers(value);
  }
  try {
    flamecare::detail::derive_si_shape(info);
    // The ranges the rest of flamecare relies on (no overflow in pages or bytes).
    if (info.channels < 1 || info.channels > flamecare::detail::kMaxChannels) __builtin_trap();
    if (info.slices < 1 || info.slices > flamecare::detail::kMaxSlices) __builtin_trap();
    if (info.frames < 0 || info.frames > flamecare::detail::kMaxFrames) __builtin_trap();
  } catch (const flamecare::Error&) {
  }
  return 0;
}
