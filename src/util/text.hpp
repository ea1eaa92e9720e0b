#pragma once
// Text that leaves flamecare (messages, JSON, pictures) must be valid UTF-8; paths and file
// contents are bytes and may not be.
#include <string>
#include <string_view>

namespace flamecare::detail {

/// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

/// `bytes` with every byte that is not part of a well-formed UTF-8 sequence written as `\xNN`
/// (and a literal backslash before "x" kept as is): valid UTF-8 for messages, JSON and labels.
/// Valid input is returned unchanged.
std::string printable(std::string_view bytes);

}  // namespace flamecare::detail
