#pragma once
// The dataset preview PNG: up to five random images, input sum | ground-truth sum.
#include <cstdint>
#include <filesystem>

#include "flamecare/dataset.hpp"
#include "flamecare/log.hpp"

namespace flamecare::detail {

/// Reads the summed TIFFs (dataset.input_path / ground_truth_path) of up to five images picked
/// with `seed` (on up to `threads` threads) and writes `png`: one row per image, channels 1–3 as
/// RGB, each clipped to the dataset's 1st–99th percentiles, drawn from block averages no smaller
/// than the panel. Throws Error(kIo) when the PNG cannot be written.
void write_dataset_preview(const std::filesystem::path& png, const Dataset& dataset,
                           std::uint64_t seed, int threads, const Reporter& reporter);

}  // namespace flamecare::detail
