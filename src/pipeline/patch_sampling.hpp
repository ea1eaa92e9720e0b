#pragma once
// Where patches come from: samples, eligible centres and the seeded plan of every patch.
#include <cstdint>
#include <vector>

#include "flamecare/image.hpp"
#include "flamecare/patch_core.hpp"

namespace flamecare::detail {

/// Planes of one normalised image (float32 in [0, 1]), channel-major.
using NormalizedImage = Image<float>;

/// Normalises every channel c of `image`: (v − p1[c]) / (p99[c] − p1[c] + 1e-20), clipped.
NormalizedImage normalize_image(const AnyImage& image, const std::vector<double>& p1,
                                const std::vector<double>& p99);

/// Eligible centres when all C channels form one sample (CSBDeep with patch size (C, P, P)):
/// the max filter also spans C//2 channels around channel C//2 and the 99.9th percentile is taken
/// over every channel.
std::vector<PatchCentre> eligible_centres_all_channels(const NormalizedImage& truth, int patch_size,
                                                       double threshold);

/// Seed of the generator that samples centres of sample `index`: independent of thread order.
std::uint64_t sample_seed(std::uint64_t seed, std::size_t index);

}  // namespace flamecare::detail
