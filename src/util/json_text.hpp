#pragma once
// Messages made from nlohmann::json's exceptions: people read them, so the library's internal
// error ids stay out.
#include <string>
#include <string_view>

namespace flamecare::detail {

/// nlohmann::json's exception text without its leading id ("[json.exception.parse_error.101] "),
/// made printable and one line. Text without such an id is returned as it is (printable).
std::string json_error_text(std::string_view what);

/// For a parse error's text: the part after "parse error at line L, column C: " or the whole
/// cleaned text when it does not have that form; `position` receives "line L, column C" or "".
std::string json_parse_error_cause(std::string_view what, std::string& position);

}  // namespace flamecare::detail
