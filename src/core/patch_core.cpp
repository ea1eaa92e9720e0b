#include "flamecare/patch_core.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>

#include "core/numpy_quantile.hpp"
#include "core/patch_work.hpp"
#include "flamecare/error.hpp"
#include "util/random.hpp"

namespace flamecare {

// Decided formula (cross-check in Python with exactly this dtype order):
//   np.clip((x.astype(np.float64) - p1) / (p99 - p1 + 1e-20), 0, 1).astype(np.float32)
// with p1, p99 Python floats (float64). CSBDeep's normalize_mi_ma computes the same expression
// in float32 (x, mi, ma and eps cast to float32 first); we keep float64 until the final cast so
// the value does not depend on the sum image's magnitude, which makes outputs differ from
// CSBDeep's by at most about one float32 ulp.
void normalize_plane(std::span<const double> values, double p1, double p99, std::span<float> out) {
  if (values.size() != out.size()) {
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("normalize_plane: {} values but {} outputs", values.size(), out.size()));
  }
  const double scale = p99 - p1 + 1e-20;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = (values[i] - p1) / scale;
    out[i] = static_cast<float>(v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v));
  }
}

// CSBDeep (github.com/CSBDeep/CSBDeep, csbdeep/data/generate.py), no_background_patches(threshold,
// percentile=99.9) and sample_patches_from_multiple_stacks, for one plane with patch_size (P, P):
//   image    = datas[0].astype(np.float32)                    # the ground truth
//   filtered = maximum_filter(image, [P//2 if P>1 else P]*2, mode='constant')   # cval 0
//   mask     = filtered > threshold * np.percentile(image, 99.9)
//   centres  = np.where(mask[P//2 : D-P+P//2+1, ...]) + P//2  # row-major order
//   patch    = data[r - P//2 : r - P//2 + P]
// The percentile is of the image itself, not of the filtered image. The comparison is between
// a float32 array and a float64 scalar, which numpy 1.24 performs in float32 (value-based
// casting), so the threshold is rounded to float32 first. CSBDeep raises when P exceeds the
// plane; here that simply leaves no eligible centre.
namespace detail {

std::span<const PatchCentre> centres_above(std::span<const float> filtered, int height, int width,
                                           int patch_size, float limit, PatchWork& work) {
  const int half = patch_size / 2;
  const int y_end = height - patch_size + half + 1, x_end = width - patch_size + half + 1;
  if (y_end <= half || x_end <= half) return {};
  // Every candidate written, the count advanced only past the eligible ones: no branch to
  // mispredict on a noisy mask, and no growth of the vector (its memory is the worker's).
  const std::size_t most = std::size_t(y_end - half) * std::size_t(x_end - half);
  if (work.centres.size() < most) work.centres.resize(most);
  PatchCentre* out = work.centres.data();
  std::size_t n = 0;
  for (int y = half; y < y_end; ++y) {
    const float* row = filtered.data() + std::size_t(y) * std::size_t(width);
    for (int x = half; x < x_end; ++x) {
      out[n] = {y, x};
      n += row[x] > limit ? 1 : 0;
    }
  }
  return {out, n};
}

std::span<const PatchCentre> eligible_centres_into(std::span<const float> ground_truth, int height,
                                                   int width, int patch_size, double threshold,
                                                   PatchWork& work) {
  if (patch_size < 1 || height < 0 || width < 0 || !(threshold >= 0.0 && threshold <= 1.0) ||
      ground_truth.size() != std::size_t(height) * std::size_t(width)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("eligible_centres: patch size {}, threshold {} on a {}x{} plane of "
                            "{} pixels",
                            patch_size, threshold, height, width, ground_truth.size()));
  }
  if (patch_size > height || patch_size > width) return {};
  if (std::any_of(ground_truth.begin(), ground_truth.end(), [](float v) { return v != v; })) {
    throw Error(ErrorKind::kInvalidArgument, "eligible_centres: ground truth contains NaN");
  }
  const float limit =
      static_cast<float>(threshold * detail::float32_percentile(ground_truth, 99.9));
  const int window = patch_size > 1 ? patch_size / 2 : patch_size;
  maximum_filter_into(ground_truth, height, width, window, work.filtered, work);
  return centres_above(work.filtered, height, width, patch_size, limit, work);
}

}  // namespace detail

std::vector<PatchCentre> eligible_centres(std::span<const float> ground_truth, int height,
                                          int width, int patch_size, double threshold) {
  detail::PatchWork work;
  const auto centres =
      detail::eligible_centres_into(ground_truth, height, width, patch_size, threshold, work);
  return {centres.begin(), centres.end()};
}

// CSBDeep draws with numpy's global RandomState (np.random.choice); that stream cannot be
// reproduced here, so only the distribution matches: a uniform n-subset in random order
// (partial Fisher–Yates) or, when fewer candidates than n, n independent uniform draws.
std::vector<std::size_t> detail::sample_indices(std::size_t count, std::size_t n,
                                                std::mt19937_64& rng) {
  std::vector<std::size_t> out;
  if (n == 0) return out;
  if (count == 0) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("sample_centres: {} centres wanted but none is eligible", n));
  }
  out.reserve(n);
  if (count < n) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(detail::uniform_below(rng, count));
    return out;
  }
  // Fisher–Yates over the identity permutation of the candidates, of which only the n swapped
  // positions are stored: the same draws as a full index array, without one per candidate.
  std::unordered_map<std::size_t, std::size_t> moved;
  const auto at = [&](std::size_t i) {
    const auto it = moved.find(i);
    return it == moved.end() ? i : it->second;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = i + detail::uniform_below(rng, count - i);
    const std::size_t picked = at(j);
    moved[j] = at(i);
    out.push_back(picked);
  }
  return out;
}

std::vector<PatchCentre> detail::sample_centres(std::span<const PatchCentre> candidates,
                                                std::size_t n, std::mt19937_64& rng) {
  std::vector<PatchCentre> out;
  for (const std::size_t i : sample_indices(candidates.size(), n, rng))
    out.push_back(candidates[i]);
  return out;
}

std::vector<PatchCentre> sample_centres(const std::vector<PatchCentre>& candidates, std::size_t n,
                                        std::mt19937_64& rng) {
  return detail::sample_centres(std::span<const PatchCentre>(candidates), n, rng);
}

}  // namespace flamecare
