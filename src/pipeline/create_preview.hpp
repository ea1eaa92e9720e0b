#pragma once
// The dataset preview PNG: up to five random images, input sum | ground-truth sum.
#include <cstdint>
#include <filesystem>

#include "flamecare/dataset.hpp"
#include "flamecare/log.hpp"
#include "flamecare/preview.hpp"

namespace flamecare::detail {

/// The preview's legend: which colour shows which channel ("channel 1 = red", … for 2 or 3
/// channels; "channel 1 = grey" for one).
std::vector<LegendItem> channel_legend(int channels);

/// Reads the summed TIFFs (dataset.input_path / ground_truth_path) of up to five images picked
/// with `seed` and writes `png`: one row per image, channels 1–3 as RGB (named in a legend line
/// under the title), each clipped to the
/// dataset's 1st–99th percentiles. Throws Error(kIo) when the PNG cannot be written.
void write_dataset_preview(const std::filesystem::path& png, const Dataset& dataset,
                           std::uint64_t seed, const Reporter& reporter);

}  // namespace flamecare::detail
