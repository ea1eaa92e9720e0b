#include "pipeline/patch_pairs.hpp"

#include <filesystem>
#include <random>
#include <span>
#include <type_traits>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/sum_tiff_internal.hpp"
#include "pipeline/patch_sampling.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

// `sum` (one of the pair) has `channels` channels where the dataset has `expected`, or another
// height or width than the pair's ground truth.
[[noreturn]] void shape_differs(const TrainPair& pair, const std::filesystem::path& sum,
                                int channels, int expected) {
  const std::filesystem::path& other = sum == pair.input ? pair.ground_truth : pair.input;
  const std::string count =
      channels != expected
          ? fmt::format("{} channels where the dataset has {}; ", channels, expected)
          : std::string();
  throw Error(ErrorKind::kCorrupt,
              fmt::format("{}: {}shape differs from its pair {}", printable(sum.native()), count,
                          printable(other.native())));
}

// The eligible centres of channel c of integer sums, straight from the sums (centre_bits.hpp);
// false when the shortcut does not apply (float sums, 64-bit integers, odd bounds).
bool integer_centres(const AnyImage& sums, int c, int p, double threshold, double p1, double p99,
                     PairWork& work) {
  return std::visit(
      [&](const auto& img) {
        using T = typename std::decay_t<decltype(img.pixels)>::value_type;
        if constexpr (std::is_integral_v<T> && sizeof(T) <= 4) {
          return work.bits.assign<T>(img.plane(c), img.height, img.width, p, threshold, p1, p99,
                                     work.order);
        } else {
          return false;
        }
      },
      sums);
}

// Chooses the patch centres of sample s of the current pair into `chosen`; false (and nothing
// drawn) when no centre is eligible.
bool choose_centres(const PatchRun& run, int s, std::uint64_t seed, PairWork& work,
                    std::vector<PatchCentre>& chosen) {
  const Dataset& d = run.data.dataset;
  const int p = run.options.patch_size;
  const double threshold = run.options.background_threshold;
  std::mt19937_64 rng(seed);
  const int first = work.first_channel(), plane = s - first;
  if (!run.options.all_channels &&
      integer_centres(work.truth_sums, plane, p, threshold, d.output.p1.at(std::size_t(s)),
                      d.output.p99.at(std::size_t(s)), work)) {
    if (work.bits.empty()) return false;
    chosen.clear();
    for (const std::size_t i : sample_indices(work.bits.size(), run.per_sample, rng))
      chosen.push_back(work.bits[i]);
    return true;
  }
  if (!work.truth_normalized) {
    normalize_image(work.truth_sums, std::span(d.output.p1).subspan(std::size_t(first)),
                    std::span(d.output.p99).subspan(std::size_t(first)), work.truth);
    work.truth_normalized = true;
  }
  const Image<float>& truth = work.truth;
  const auto centres = run.options.all_channels
                           ? eligible_centres_all_channels(truth, p, threshold, work.patch)
                           : eligible_centres_into(truth.plane(plane), truth.height, truth.width, p,
                                                   threshold, work.patch);
  if (centres.empty()) return false;
  chosen = sample_centres(centres, run.per_sample, rng);
  return true;
}

}  // namespace

void read_pair_truth(const PatchRun& run, std::size_t pair_index, PairWork& work, int channel) {
  const auto& pair = run.data.train[pair_index];
  work.truth_pair = SIZE_MAX;
  const int channels = read_sum_tiff(pair.ground_truth, work.truth_sums, channel);
  work.truth_normalized = false;
  if (channels != run.data.channels)
    shape_differs(pair, pair.ground_truth, channels, run.data.channels);
  work.truth_pair = pair_index;
  work.truth_channel = channel;
}

void choose_pair_centres(const PatchRun& run, std::size_t pair_index, SampleShare share,
                         PairWork& work, std::mutex& mutex, std::size_t& skipped,
                         const Reporter& reporter, int only) {
  const auto& pair = run.data.train[pair_index];
  const bool all = run.options.all_channels;
  work.chosen.resize(std::size_t(run.samples_per_pair));
  for (int s = 0; s < run.samples_per_pair; ++s) {
    reporter.check_cancelled();
    const std::size_t sample = pair_index * std::size_t(run.samples_per_pair) + std::size_t(s);
    auto& chosen = work.chosen[std::size_t(s)];
    chosen.clear();
    if (!share.has(sample) || (only >= 0 && s != only)) continue;
    if (!choose_centres(run, s, sample_seed(run.seed, sample), work, chosen)) {
      reporter.warn(
          fmt::format("{}: {}no patch centre passes the background threshold {}; sample skipped",
                      pair.ground_truth.filename().string(),
                      all ? "" : fmt::format("channel {}: ", s), run.options.background_threshold));
      std::lock_guard lock(mutex);
      ++skipped;
    }
  }
}

void read_pair_input(const PatchRun& run, std::size_t pair_index, PairWork& work) {
  const auto& pair = run.data.train[pair_index];
  const int channels = read_sum_tiff(pair.input, work.input_sums, work.truth_channel);
  const ImageShape truth = shape_of(work.truth_sums), input = shape_of(work.input_sums);
  if (channels != run.data.channels || truth.height != input.height || truth.width != input.width) {
    shape_differs(pair, pair.input, channels, run.data.channels);
  }
  const int p = run.options.patch_size;
  const std::size_t patch_floats = std::size_t(run.sample_channels) * std::size_t(p) * p;
  work.x.resize(patch_floats);
  work.y.resize(patch_floats);
}

void cut_pair_patch(const PatchRun& run, int s, int y0, int x0, PairWork& work) {
  const Dataset& d = run.data.dataset;
  // Plane c of the sums holds channel first + c: the bounds from there on.
  const auto first = std::size_t(work.first_channel());
  const int c0 = run.options.all_channels ? 0 : s - int(first), p = run.options.patch_size;
  normalize_window(work.input_sums, c0, run.sample_channels, y0, x0, p,
                   std::span(d.input.p1).subspan(first), std::span(d.input.p99).subspan(first),
                   work.x.data());
  normalize_window(work.truth_sums, c0, run.sample_channels, y0, x0, p,
                   std::span(d.output.p1).subspan(first), std::span(d.output.p99).subspan(first),
                   work.y.data());
}

}  // namespace flamecare::detail
