#include "util/json_text.hpp"

#include "util/text.hpp"

namespace flamecare::detail {

std::string json_error_text(std::string_view what) {
  // "[json.exception.<kind>.<number>] <message>"
  constexpr std::string_view kLead = "[json.exception.";
  if (what.starts_with(kLead)) {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return one_line(printable(what));
}

std::string json_parse_error_cause(std::string_view what, std::string& position) {
  std::string text = json_error_text(what);
  position.clear();
  constexpr std::string_view kAt = "parse error at ";
  if (!text.starts_with(kAt)) return text;
  const auto colon = text.find(": ", kAt.size());
  if (colon == std::string::npos) return text;
  position = text.substr(kAt.size(), colon - kAt.size());
  return text.substr(colon + 2);
}

}  // namespace flamecare::detail
