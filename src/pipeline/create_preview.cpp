#include "pipeline/create_preview.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "flamecare/preview.hpp"
#include "flamecare/sum_tiff.hpp"
#include "util/parallel.hpp"
#include "util/random.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

constexpr std::size_t kPreviewImages = 5;

// Clip range of channels 1–3: the side's 1st and 99th percentiles.
std::pair<std::vector<double>, std::vector<double>> clip_range(const DatasetStats& stats) {
  auto lo = stats.p1;
  auto hi = stats.p99;
  lo.resize(std::min<std::size_t>(lo.size(), 3));
  hi.resize(std::min<std::size_t>(hi.size(), 3));
  return {lo, hi};
}

std::string frames(int n) { return fmt::format("sum of {} frame{}", n, n == 1 ? "" : "s"); }

}  // namespace

void write_dataset_preview(const std::filesystem::path& png, const Dataset& dataset,
                           std::uint64_t seed, int threads, const Reporter& reporter) {
  const auto [in_lo, in_hi] = clip_range(dataset.input);
  const auto [gt_lo, gt_hi] = clip_range(dataset.output);
  std::vector<DatasetImage> images = dataset.images;
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);  // own stream: the split used `seed` itself
  const std::size_t n = std::min(kPreviewImages, images.size());
  partial_shuffle(images, n, rng);
  images.resize(n);
  std::sort(images.begin(), images.end(), [](const auto& a, const auto& b) { return a.id < b.id; });

  PreviewSheet sheet;
  sheet.title = fmt::format("{}  (dataset {})", dataset.name, format_dataset_id(dataset.id));
  sheet.column_titles = {"input: " + frames(dataset.input.n_frames),
                         "ground truth: " + frames(dataset.output.n_frames)};
  sheet.rows.resize(images.size());
  parallel_for(images.size(), threads, [&](std::size_t i) {
    reporter.check_cancelled();
    const DatasetImage& image = images[i];
    // A panel shows at most panel_size pixels a side: averaging blocks down to no less than that
    // leaves cairo's filter the same picture to draw from at a fraction of the pixels.
    const int factor = std::max(1, std::max(image.height, image.width) / sheet.panel_size);
    const AnyImage input = read_sum_tiff(dataset.input_path(image.id));
    RgbImage input_rgb = to_rgb_reduced(input, in_lo, in_hi, factor);
    const AnyImage truth = read_sum_tiff(dataset.ground_truth_path(image.id));
    sheet.rows[i] = PreviewRow{
        fmt::format("image {} ({}): {}", image.id, split_name(image.split), printable(image.image)),
        {std::move(input_rgb), to_rgb_reduced(truth, gt_lo, gt_hi, factor)}};
  });
  write_preview_png(png, sheet);
  reporter.info(fmt::format("preview of {} images: {}", sheet.rows.size(), png.string()));
}

}  // namespace flamecare::detail
