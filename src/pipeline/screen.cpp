// Placeholder until the ScanImage reader lands: every file is reported unusable.
#include "flamecare/screen.hpp"

namespace flamecare {

const std::vector<std::string_view> kScreenReasons = {"unsupported"};

std::string_view ScreenResult::reason_code() const {
  const auto colon = std::string_view(reason).find(':');
  return std::string_view(reason).substr(0, colon);
}

ScreenResult screen_raw_image(const std::filesystem::path& tif) {
  ScreenResult result;
  result.reason = "unsupported: screening is not built yet (" + tif.string() + ")";
  return result;
}

}  // namespace flamecare
