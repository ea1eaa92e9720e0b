#pragma once
/// Pure computation behind `patches`: normalisation, maximum filter, eligible centres, sampling.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "flamecare/image.hpp"

namespace flamecare {

/// (v − p1) / (p99 − p1 + 1e-20) clipped to [0, 1], computed in float64 and then rounded to
/// float32, i.e. exactly numpy's
/// `np.clip((x.astype(np.float64) - p1) / (p99 - p1 + 1e-20), 0, 1).astype(np.float32)`
/// (CSBDeep's normalize_mi_ma does the same in float32; results differ by ≲ 1 float32 ulp).
/// Throws Error(kInvalidArgument) when values and out differ in size.
void normalize_plane(std::span<const double> values, double p1, double p99, std::span<float> out);

/// Maximum filter of a size×size window on a height×width plane (row-major), zeros outside
/// (scipy.ndimage.maximum_filter with mode='constant', cval=0 and its window origin convention:
/// window rows y − size/2 … y − size/2 + size − 1). O(1) per pixel (van Herk / Gil-Werman).
std::vector<float> maximum_filter(std::span<const float> plane, int height, int width, int size);

/// A patch centre; the patch covers rows y − P/2 … y − P/2 + P − 1 (columns likewise).
struct PatchCentre {
  int y = 0;
  int x = 0;
};
/// Patch centres (y, x), row-major, eligible under CSBDeep's no_background_patches(threshold,
/// 99.9) on a normalised ground-truth plane of the real extent height×width:
/// maximum_filter(plane, P > 1 ? P/2 : 1) > float32(threshold × np.percentile(plane, 99.9))
/// (the percentile of the plane itself, bit-exact) and P/2 ≤ r < D − P + P/2 + 1 per axis. Empty
/// when P exceeds the plane. Throws Error(kInvalidArgument) for P < 1, threshold outside
/// [0, 1], NaN pixels or a size mismatch.
std::vector<PatchCentre> eligible_centres(std::span<const float> ground_truth, int height,
                                          int width, int patch_size, double threshold);

/// Chooses n of the candidates: without replacement (partial Fisher–Yates, in draw order) when
/// there are at least n, else n independent draws with replacement. Uses only rng() outputs
/// (Lemire's unbiased bounded integers), so results are identical with every standard library.
/// Throws Error(kInvalidArgument) when n > 0 and there are no candidates.
std::vector<PatchCentre> sample_centres(const std::vector<PatchCentre>& candidates, std::size_t n,
                                        std::mt19937_64& rng);

}  // namespace flamecare
