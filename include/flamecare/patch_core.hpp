#pragma once
/// Pure computation behind `patches`: normalisation, maximum filter, eligible centres, sampling.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "flamecare/image.hpp"

namespace flamecare {

/// (v − p1) / (p99 − p1 + 1e-20) clipped to [0, 1], as float32, for every pixel of one plane.
void normalize_plane(std::span<const double> values, double p1, double p99, std::span<float> out);

/// Maximum filter of a size×size window on a height×width plane (row-major), zeros outside
/// (scipy.ndimage.maximum_filter with mode='constant', cval=0 and its window origin convention:
/// window rows y − size/2 … y − size/2 + size − 1). O(1) per pixel (van Herk / Gil-Werman).
std::vector<float> maximum_filter(std::span<const float> plane, int height, int width, int size);

/// Patch centres (y, x) eligible under CSBDeep's no_background_patches(threshold, 99.9) on a
/// normalised ground-truth plane of the real extent height×width: max-filter(patch_size/2)
/// value > threshold × the plane's 99.9th percentile, and P/2 ≤ r < D − P + P/2 + 1 per axis.
struct PatchCentre {
  int y = 0;
  int x = 0;
};
std::vector<PatchCentre> eligible_centres(std::span<const float> ground_truth, int height,
                                          int width, int patch_size, double threshold);

/// Chooses n of the candidates: without replacement when there are at least n, else with
/// replacement. Deterministic for the generator state.
std::vector<PatchCentre> sample_centres(const std::vector<PatchCentre>& candidates, std::size_t n,
                                        std::mt19937_64& rng);

}  // namespace flamecare
