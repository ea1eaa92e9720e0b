#pragma once
// The dataset preview PNG: up to five random images, input sum | ground-truth sum.
#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "flamecare/log.hpp"

namespace flamecare::detail {

/// Reads the summed TIFFs under `data_dir` ({train,test}/image<id>_frames<N>.tif) of up to five
/// images picked with `seed` and writes `png`: one row per image, channels 1–3 as RGB, each
/// clipped to the dataset's 1st–99th percentiles. Throws Error(kIo) when the PNG cannot be written.
void write_dataset_preview(const std::filesystem::path& png, const nlohmann::json& dataset,
                           const std::filesystem::path& data_dir, std::uint64_t seed,
                           const Reporter& reporter);

}  // namespace flamecare::detail
