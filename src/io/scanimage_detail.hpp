#pragma once
// Private helpers shared by the ScanImage reader and its tests.
#include <string>
#include <string_view>

#include "flamecare/scanimage.hpp"

namespace flamecare::detail {

/// Raw value of `key` given without its prefix ("hChannels.channelSave"): looks up "SI.<key>",
/// then "scanimage.SI.<key>" and "scanimage.SI5.<key>" (SI 5). nullptr when absent.
const std::string* find_si_value(const ScanImageInfo& info, std::string_view key);

/// Fills channels, saved_channels, frames, slices and scanimage_version from info.metadata and
/// info.pages (SCANIMAGE.md §4). Throws Error(kUnsupported) naming info.path when the channel
/// count cannot be determined.
void derive_si_shape(ScanImageInfo& info);

}  // namespace flamecare::detail
