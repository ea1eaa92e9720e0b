// The synthetic FLAME acquisition folder: good stacks with sidecars (some with a real
// bidirectional artefact) and, on request, deliberately unusable files next to them.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/synth.hpp"
#include "synth/bad_files.hpp"
#include "synth/scanimage_writer.hpp"
#include "synth/tissue_model.hpp"
#include "util/parallel.hpp"

namespace flamecare {
namespace detail {
namespace {

constexpr int kImagesPerMosaic = 3;
constexpr int kMosaicsPerSample = 2;
constexpr std::array<int, 4> kBidirectional = {2, -3, 3, -2};

// Where image i lives: S001_PL/sample_<A..>/mosaic_<nn>/Im_<nnnnn>.tif.
std::filesystem::path image_path(const std::filesystem::path& root, int i) {
  const int mosaic = i / kImagesPerMosaic;
  const int sample = mosaic / kMosaicsPerSample;
  std::string sample_name = "sample_";
  sample_name += char('A' + sample % 26);
  if (sample >= 26) sample_name += std::to_string(sample / 26);
  return root / "S001_PL" / sample_name /
         fmt::format("mosaic_{:02d}", mosaic % kMosaicsPerSample + 1) /
         fmt::format("Im_{:05d}.tif", i % kImagesPerMosaic + 1);
}

Detector detector_for(PixelType type) {
  Detector d;
  if (!is_signed(type)) d.offset = 10.0;  // unsigned data keeps a positive baseline instead
  return d;
}

}  // namespace

void write_synthetic_stack(const std::filesystem::path& path, const SynthStack& stack) {
  const int b = stack.bidirectional_correction;
  const int w = stack.spec.width;
  RateMaps rates =
      make_tissue_rates(stack.spec.channels, stack.spec.height, w + std::abs(b), stack.seed);
  rates = apply_bidirectional_artefact(rates, w, b);
  std::vector<std::vector<float>> exp_neg;
  for (const auto& plane : rates.planes) {
    auto& e = exp_neg.emplace_back(plane.size());
    std::transform(plane.begin(), plane.end(), e.begin(),
                   [&](float r) { return float(std::exp(-double(r) * stack.frames_summed)); });
  }
  const Detector detector = detector_for(stack.spec.pixel_type);
  const int channels = stack.spec.channels;
  write_scanimage_pages(path, stack.spec, [&](int page, std::span<double> values) {
    const auto c = std::size_t(page % channels);
    if (stack.frames_summed == 1) {
      sample_frame(rates.planes[c], exp_neg[c], detector, mix_seed(stack.seed, 1, page), values);
      return;
    }
    // A scope-side sum: Poisson of the summed rate, offsets and read noise of every frame.
    std::vector<float> summed(rates.planes[c].size());
    for (std::size_t i = 0; i < summed.size(); ++i) {
      summed[i] = rates.planes[c][i] * float(stack.frames_summed);
    }
    Detector d = detector;
    d.offset *= stack.frames_summed;
    d.read_noise *= std::sqrt(double(stack.frames_summed));
    sample_frame(summed, exp_neg[c], d, mix_seed(stack.seed, 1, page), values);
  });
}

}  // namespace detail

SynthResult write_synthetic_corpus(const SynthOptions& options, const Reporter& reporter) {
  if (options.images < 1 || options.size < 8 || options.frames < 1 || options.channels < 1 ||
      options.channels > 4) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: synth needs images >= 1 (got {}), size >= 8 (got {}), frames >= 1 "
                            "(got {}), 1..4 channels (got {})",
                            options.out.string(), options.images, options.size, options.frames,
                            options.channels));
  }
  if (pixel_size(options.pixel_type) == 8) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: ScanImage does not write {} data", options.out.string(),
                            pixel_type_name(options.pixel_type)));
  }
  StackSpec base{.frames = options.frames,
                 .channels = options.channels,
                 .height = options.size,
                 .width = options.size,
                 .pixel_type = options.pixel_type,
                 .frames_per_slice = options.frames};
  std::vector<detail::SynthStack> stacks;
  SynthResult result;
  for (int i = 0; i < options.images; ++i) {
    detail::SynthStack s{.spec = base, .seed = detail::mix_seed(options.seed, 2, std::uint64_t(i))};
    if (i % 3 == 1) {
      const auto pick = detail::mix_seed(options.seed, 3, std::uint64_t(i)) % 4;
      s.bidirectional_correction = detail::kBidirectional[pick];
    }
    s.spec.header_version = (i % 4 == 3) ? 3 : 4;  // both static-block versions occur in the wild
    stacks.push_back(s);
    result.good.push_back(detail::image_path(options.out, i));
  }
  for (const auto& p : result.good) detail::make_directories(p.parent_path());
  std::atomic<std::size_t> done{0};
  const std::size_t n = stacks.size();
  detail::parallel_for(n, 0, [&](std::size_t i) {
    const auto& s = stacks[i];
    detail::write_synthetic_stack(result.good[i], s);
    write_tile_data(result.good[i],
                    TileDataSpec{.tile_id = int(i) % detail::kImagesPerMosaic + 1,
                                 .frames_per_tile = options.frames,
                                 .channels = options.channels,
                                 .height = options.size,
                                 .width = options.size,
                                 .bidirectional_correction =
                                     s.bidirectional_correction == 0
                                         ? std::nullopt
                                         : std::optional<int>(s.bidirectional_correction)});
    reporter.progress("synth", ++done, n);
  });
  if (options.with_bad_files) {
    result.bad = detail::write_bad_files(options, base, result.good.front(), reporter);
  }
  return result;
}

}  // namespace flamecare
