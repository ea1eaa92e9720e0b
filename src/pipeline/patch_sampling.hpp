#pragma once
// Where patches come from: samples, eligible centres and the seeded plan of every patch.
#include <cstdint>
#include <span>
#include <vector>

#include "core/patch_work.hpp"
#include "flamecare/image.hpp"
#include "flamecare/patch_core.hpp"

namespace flamecare::detail {

/// Planes of one normalised image (float32 in [0, 1]), channel-major.
using NormalizedImage = Image<float>;

/// Normalises every plane c of `image` into `out` (its memory reused): (v − p1[c]) /
/// (p99[c] − p1[c] + 1e-20), clipped to [0, 1], in float64 and then rounded to float32 exactly as
/// normalize_plane does (p1[c], p99[c]: the bounds of the channel plane c holds). Throws
/// std::out_of_range when p1 or p99 lack a plane.
void normalize_image(const AnyImage& image, std::span<const double> p1, std::span<const double> p99,
                     NormalizedImage& out);

/// How int32 sums are normalised: GCC vector lanes with the divider (any CPU), or the reciprocal
/// and fused multiply-adds four (AVX2 + FMA) or eight (AVX-512) pixels at a time, which give the
/// division's values bit for bit (docs/PATCHES.md) and are taken for the bounds where that holds.
enum class Int32Path { kLanes, kFma, kAvx512 };

/// The paths this CPU can run, the fastest last (what normalize_image and normalize_window use).
std::vector<Int32Path> int32_paths();

/// normalize_image's arithmetic on n int32 values by `path` (one this CPU can run): for tests.
void normalize_int32_by(Int32Path path, const std::int32_t* in, std::size_t n, double p1,
                        double p99, float* out);

/// The same for the P × P window at (y0, x0) of channels [c0, c0 + channels) only, into `out`
/// (channels · P · P floats, channel-major): a patch cut from the sums, normalised alone.
void normalize_window(const AnyImage& image, int c0, int channels, int y0, int x0, int p,
                      std::span<const double> p1, std::span<const double> p99, float* out);

/// Eligible centres when all C channels form one sample (CSBDeep with patch size (C, P, P)):
/// the max filter also spans C//2 channels around channel C//2 and the 99.9th percentile is taken
/// over every channel. The result lives in work.centres.
std::span<const PatchCentre> eligible_centres_all_channels(const NormalizedImage& truth,
                                                           int patch_size, double threshold,
                                                           PatchWork& work);

/// Seed of the generator that samples centres of sample `index`: independent of thread order.
std::uint64_t sample_seed(std::uint64_t seed, std::size_t index);

}  // namespace flamecare::detail
