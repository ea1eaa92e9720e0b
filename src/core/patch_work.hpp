#pragma once
// The patch computations of patch_core.hpp with their memory supplied by the caller: `patches`
// keeps one PatchWork per worker, so sample after sample allocates (and page-faults) nothing.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "flamecare/patch_core.hpp"

namespace flamecare::detail {

/// Scratch memory kept from call to call.
struct PatchWork {
  std::vector<float> columns, band, band_filtered, blocks;  // maximum_filter_into
  std::vector<float> filtered;                              // eligible_centres_into
  std::vector<PatchCentre> centres;                         // eligible_centres_into
};

/// maximum_filter into `out` (resized to the plane). Throws as maximum_filter.
void maximum_filter_into(std::span<const float> plane, int height, int width, int size,
                         std::vector<float>& out, PatchWork& work);

/// eligible_centres into work.centres; returns them (a view of work.centres, valid until the next
/// call with `work`). Throws as eligible_centres.
std::span<const PatchCentre> eligible_centres_into(std::span<const float> ground_truth, int height,
                                                   int width, int patch_size, double threshold,
                                                   PatchWork& work);

/// The centres of `filtered` (a maximum-filtered plane) above `limit`, row-major, for patches of
/// `patch_size` (P/2 ≤ r < D − P + P/2 + 1 per axis), into work.centres; returns them.
std::span<const PatchCentre> centres_above(std::span<const float> filtered, int height, int width,
                                           int patch_size, float limit, PatchWork& work);

/// The indices of the candidates sample_centres chooses out of `count`: the same draws from the
/// same rng, for candidates that are not a list. Throws as sample_centres.
std::vector<std::size_t> sample_indices(std::size_t count, std::size_t n, std::mt19937_64& rng);

/// sample_centres on a span of candidates: the same draws from the same rng.
std::vector<PatchCentre> sample_centres(std::span<const PatchCentre> candidates, std::size_t n,
                                        std::mt19937_64& rng);

}  // namespace flamecare::detail
