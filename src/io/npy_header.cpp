#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "flamecare/npz.hpp"

namespace flamecare {
namespace {

// numpy pads the header with spaces so that the first shape entry can grow to this many digits
// in place (numpy/lib/format.py GROWTH_AXIS_MAX_DIGITS); matching it makes our members
// byte-identical to np.save's.
constexpr std::size_t kGrowthAxisMaxDigits = 21;
constexpr std::size_t kArrayAlign = 64;
constexpr std::size_t kMagicLen = 8;  // "\x93NUMPY" + major + minor

// Python's repr() of a tuple of ints: "()", "(3,)", "(3, 1, 4, 4)".
std::string shape_repr(const std::vector<std::size_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace

std::vector<std::byte> npy_header(std::string_view descr, const std::vector<std::size_t>& shape) {
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr,
                                 shape_repr(shape));
  if (!shape.empty()) {
    const std::size_t digits = std::to_string(shape[0]).size();
    dict.append(kGrowthAxisMaxDigits - std::min(digits, kGrowthAxisMaxDigits), ' ');
  }
  // Version 1.0 stores the header length in 2 bytes, 2.0 in 4 bytes.
  const std::size_t hlen = dict.size() + 1;  // + the final '\n'
  std::size_t len_bytes = 2;
  std::size_t padlen = kArrayAlign - (kMagicLen + len_bytes + hlen) % kArrayAlign;
  if (hlen + padlen > 0xffff) {
    len_bytes = 4;
    padlen = kArrayAlign - (kMagicLen + len_bytes + hlen) % kArrayAlign;
  }
  const std::uint32_t total = static_cast<std::uint32_t>(hlen + padlen);

  std::string out = "\x93NUMPY";
  out.push_back(len_bytes == 2 ? '\x01' : '\x02');
  out.push_back('\x00');
  for (std::size_t i = 0; i < len_bytes; ++i)
    out.push_back(static_cast<char>((total >> (8 * i)) & 0xff));
  out += dict;
  out.append(padlen, ' ');
  out.push_back('\n');

  std::vector<std::byte> bytes(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) bytes[i] = static_cast<std::byte>(out[i]);
  return bytes;
}

}  // namespace flamecare
