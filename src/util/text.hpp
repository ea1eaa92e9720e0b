#pragma once
// Text that leaves flamecare (messages, JSON, pictures) must be valid UTF-8; paths and file
// contents are bytes and may not be.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flamecare::detail {

/// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view bytes);
/// Offset of the first byte that does not start a well-formed UTF-8 sequence; bytes.size() when
/// all of `bytes` is valid.
std::size_t first_invalid_utf8(std::string_view bytes);

/// `bytes` with every byte that is not part of a well-formed UTF-8 sequence written as `\xNN`
/// (and a literal backslash before "x" kept as is): valid UTF-8 for messages, JSON and labels.
/// Valid input is returned unchanged.
std::string printable(std::string_view bytes);

/// `text` with every line break (CR, LF) replaced by a space: one line for CSV cells and logs.
std::string one_line(std::string_view text);

/// Percent-encoding of bytes: every byte outside printable ASCII (0x21–0x7E) and every '%'
/// becomes %XX (upper-case hex), so the text is ASCII and decodes back to exactly `bytes`
/// (Python: urllib.parse.unquote_to_bytes).
std::string percent_encode(std::string_view bytes);
/// The bytes of percent-encoded `text`; nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace flamecare::detail
