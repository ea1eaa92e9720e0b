#include "pipeline/create_preview.hpp"

#include <algorithm>
#include <numeric>
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

std::vector<LegendItem> channel_legend(int channels) {
  if (channels == 1) return {LegendItem{"channel 1 = grey", {0.8f, 0.8f, 0.8f}}};
  const char* names[] = {"red", "green", "blue"};
  std::vector<LegendItem> legend;
  for (int c = 0; c < std::min(channels, 3); ++c) {
    LegendItem item{fmt::format("channel {} = {}", c + 1, names[c]), {0, 0, 0}};
    item.rgb[c] = 1;
    legend.push_back(item);
  }
  return legend;
}

std::vector<std::size_t> preview_choice(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> positions(n);
  std::iota(positions.begin(), positions.end(), std::size_t{0});
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);  // own stream: the split used `seed` itself
  const std::size_t k = std::min(kPreviewImages, n);
  partial_shuffle(positions, k, rng);
  positions.resize(k);
  return positions;
}

int preview_factor(int height, int width) {
  // A panel shows at most panel_size pixels a side: averaging blocks down to no less than that
  // leaves cairo's filter the same picture to draw from at a fraction of the pixels.
  return std::max(1, std::max(height, width) / PreviewSheet{}.panel_size);
}

PreviewThumbnails make_preview_thumbnails(const AnyImage& input, const AnyImage& ground_truth) {
  const ImageShape s = shape_of(input);
  const int channels = std::min(s.channels, 3), factor = preview_factor(s.height, s.width);
  return {block_means(input, channels, factor), block_means(ground_truth, channels, factor)};
}

void write_dataset_preview(const std::filesystem::path& png, const Dataset& dataset,
                           const PreviewSource& source, const Reporter& reporter) {
  // Plain pairs, not structured bindings: the lambda below uses them (clang 14 builds the fuzzers).
  const auto in_clip = clip_range(dataset.input);
  const auto gt_clip = clip_range(dataset.output);
  std::vector<DatasetImage> images;
  for (const std::size_t i : preview_choice(dataset.images.size(), source.seed))
    images.push_back(dataset.images[i]);
  std::sort(images.begin(), images.end(), [](const auto& a, const auto& b) { return a.id < b.id; });

  PreviewSheet sheet;
  sheet.title = fmt::format("{}  (dataset {})", dataset.name, format_dataset_id(dataset.id));
  if (dataset.channels() > 3)
    sheet.title += fmt::format("; channels 4–{} not shown", dataset.channels());
  sheet.legend = channel_legend(dataset.channels());
  sheet.column_titles = {"input: " + frames(dataset.input.n_frames),
                         "ground truth: " + frames(dataset.output.n_frames)};
  sheet.rows.resize(images.size());
  parallel_for(images.size(), source.threads, [&](std::size_t i) {
    reporter.check_cancelled();
    const DatasetImage& image = images[i];
    // The thumbnails made while summing, used in place; else made from the written sums.
    const auto made = source.thumbnails.find(image.id);
    PreviewThumbnails read;
    if (made == source.thumbnails.end()) {
      read = make_preview_thumbnails(read_sum_tiff(dataset.input_path(image.id)),
                                     read_sum_tiff(dataset.ground_truth_path(image.id)));
    }
    const PreviewThumbnails& thumbnails = made != source.thumbnails.end() ? made->second : read;
    PreviewRow& row = sheet.rows[i];
    row.label =
        fmt::format("image {} ({}): {}", image.id, split_name(image.split), printable(image.image));
    // Moved in, not copied from an initializer list: 1 MB of fresh memory less per panel.
    row.panels.push_back(to_rgb(thumbnails.input, in_clip.first, in_clip.second));
    row.panels.push_back(to_rgb(thumbnails.ground_truth, gt_clip.first, gt_clip.second));
  });
  write_preview_png(png, sheet, source.threads);
  reporter.info(fmt::format("preview of {} images: {}", sheet.rows.size(),
                            printable(std::filesystem::absolute(png).lexically_normal().string())));
}

}  // namespace flamecare::detail
