#pragma once
// patch_samples1.png / patch_samples2.png: the first training pairs, input | target.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/patch_store.hpp"

namespace flamecare::detail {

struct SamplePatch {
  std::size_t slot = 0;
  std::array<std::int32_t, 4> coords{};  ///< image id, channel or −1, y0, x0
};

/// Draws up to 8 pairs per sheet (patches 1–8 in `first`, then 9–16), each row labelled with its
/// source. Throws Error(kIo).
void write_patch_samples(const std::filesystem::path& sheet1, const std::filesystem::path& sheet2,
                         const std::string& dataset, const std::vector<SamplePatch>& first,
                         const PatchSource& store, int channels, int patch_size);

}  // namespace flamecare::detail
