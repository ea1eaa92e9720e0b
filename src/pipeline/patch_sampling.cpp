#include "pipeline/patch_sampling.hpp"

#include <algorithm>
#include <cmath>

#include "core/numpy_quantile.hpp"
#include "flamecare/error.hpp"

namespace flamecare::detail {

NormalizedImage normalize_image(const AnyImage& image, const std::vector<double>& p1,
                                const std::vector<double>& p99) {
  return std::visit(
      [&](const auto& img) {
        NormalizedImage out(img.channels, img.height, img.width);
        std::vector<double> values(img.plane_size());
        for (int c = 0; c < img.channels; ++c) {
          const auto plane = img.plane(c);
          std::copy(plane.begin(), plane.end(), values.begin());
          normalize_plane(values, p1.at(std::size_t(c)), p99.at(std::size_t(c)), out.plane(c));
        }
        return out;
      },
      image);
}

std::vector<PatchCentre> eligible_centres_all_channels(const NormalizedImage& truth, int patch_size,
                                                       double threshold) {
  const int channels = truth.channels, height = truth.height, width = truth.width;
  const int window = patch_size > 1 ? patch_size / 2 : patch_size;
  const int channel_window = channels > 1 ? channels / 2 : channels;
  const int centre_channel = channels / 2;
  // scipy's window for size s covers offsets −s/2 … s−1−s/2 around the centre.
  const int c_first = std::max(0, centre_channel - channel_window / 2);
  const int c_last =
      std::min(channels - 1, centre_channel - channel_window / 2 + channel_window - 1);
  std::vector<float> combined(truth.plane_size(), 0.0f);  // zeros outside: values are ≥ 0 anyway
  for (int c = c_first; c <= c_last; ++c) {
    const auto filtered = maximum_filter(truth.plane(c), height, width, window);
    for (std::size_t i = 0; i < combined.size(); ++i)
      combined[i] = std::max(combined[i], filtered[i]);
  }
  // numpy compares the float32 filtered image with the threshold rounded to float32.
  const auto limit = static_cast<float>(threshold * float32_percentile(truth.pixels, 99.9));
  std::vector<PatchCentre> centres;
  const int half = patch_size / 2;
  for (int y = half; y < height - patch_size + half + 1; ++y) {
    for (int x = half; x < width - patch_size + half + 1; ++x) {
      if (combined[std::size_t(y) * std::size_t(width) + std::size_t(x)] > limit)
        centres.push_back({y, x});
    }
  }
  return centres;
}

std::uint64_t sample_seed(std::uint64_t seed, std::size_t index) {
  // splitmix64 of (seed, index): well-spread, independent streams per sample.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(index) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace flamecare::detail
