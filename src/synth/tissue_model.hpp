#pragma once
// Expected photon rates of a synthetic multiphoton field of view, and a per-frame photon sampler.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace flamecare::detail {

/// Expected photons per pixel per frame, one row-major height × width plane per channel.
struct RateMaps {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<std::vector<float>> planes;
};

/// Smooth tissue envelope with dark background, round cells (channel 0 mostly) and thin curved
/// fibres (channel 1 mostly); further channels mix both with their own weights. Deterministic
/// for a seed.
RateMaps make_tissue_rates(int channels, int height, int width, std::uint64_t seed);

/// Moves every even row right by `b` pixels (left for b < 0) as an uncorrected bidirectional
/// scan does, reading from `rates` whose width is `width + |b|`; returns planes of `width`.
RateMaps apply_bidirectional_artefact(const RateMaps& rates, int width, int b);

/// Draws a Poisson variate of mean `mean`, given exp(-mean) precomputed: inversion for small
/// means, a rounded normal approximation above 30 photons.
int sample_poisson(double mean, double exp_minus_mean, std::mt19937_64& rng);

/// Mixes (seed, a, b) into an independent generator seed (splitmix64).
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0);

/// Detector model: ADU = gain · Poisson(rate) + read noise + offset, filled into `out` for one
/// frame of one channel. `exp_neg` holds exp(-rate) per pixel.
struct Detector {
  double gain = 4.0;
  double read_noise = 1.5;
  double offset = -2.0;  ///< ScanImage offset subtraction leaves int16 data slightly negative
};
void sample_frame(std::span<const float> rates, std::span<const float> exp_neg,
                  const Detector& detector, std::uint64_t seed, std::span<double> out);

}  // namespace flamecare::detail
