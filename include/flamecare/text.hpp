#pragma once
/// Text for people and parsers: paths and file contents are bytes, output must be UTF-8.
#include <string>
#include <string_view>

namespace flamecare {

/// `bytes` as valid UTF-8: every byte that is not part of a well-formed UTF-8 sequence becomes
/// `\xNN`; valid text is returned unchanged. Use it for paths in messages, JSON and pictures.
std::string printable(std::string_view bytes);

}  // namespace flamecare
