#include "pipeline/create_preview.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "flamecare/preview.hpp"
#include "flamecare/sum_tiff.hpp"
#include "pipeline/dataset_json.hpp"
#include "util/random.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

constexpr std::size_t kPreviewImages = 5;

// Clip range of channels 1–3 from a statistics block.
std::pair<std::vector<double>, std::vector<double>> clip_range(const nlohmann::json& block,
                                                               const std::string& source) {
  auto lo = channel_values(block, "pixel_1pct", source);
  auto hi = channel_values(block, "pixel_99pct", source);
  lo.resize(std::min<std::size_t>(lo.size(), 3));
  hi.resize(std::min<std::size_t>(hi.size(), 3));
  return {lo, hi};
}

}  // namespace

void write_dataset_preview(const std::filesystem::path& png, const nlohmann::json& dataset,
                           const std::filesystem::path& data_dir, std::uint64_t seed,
                           const Reporter& reporter) {
  const auto& d = dataset.at("FLAME_Dataset");
  const std::string name = d.at("name").get<std::string>();
  const int n_in = d.at("input").at("n_frames").get<int>();
  const int n_gt = d.at("output").at("n_frames").get<int>();
  const auto [in_lo, in_hi] = clip_range(d.at("input"), name);
  const auto [gt_lo, gt_hi] = clip_range(d.at("output"), name);

  std::vector<nlohmann::json> images(d.at("images").begin(), d.at("images").end());
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);  // own stream: the split used `seed` itself
  const std::size_t n = std::min(kPreviewImages, images.size());
  partial_shuffle(images, n, rng);
  images.resize(n);
  std::sort(images.begin(), images.end(),
            [](const auto& a, const auto& b) { return a.at("id") < b.at("id"); });

  PreviewSheet sheet;
  sheet.title = fmt::format("{}  (dataset {})", name, d.at("id").get<std::string>());
  const auto frames = [](int n) { return fmt::format("sum of {} frame{}", n, n == 1 ? "" : "s"); };
  sheet.column_titles = {"input: " + frames(n_in), "ground truth: " + frames(n_gt)};
  for (const auto& image : images) {
    const auto id = image.at("id").get<std::int64_t>();
    const auto dir = data_dir / image.at("split").get<std::string>();
    const AnyImage input = read_sum_tiff(dir / fmt::format("image{}_frames{}.tif", id, n_in));
    const AnyImage truth = read_sum_tiff(dir / fmt::format("image{}_frames{}.tif", id, n_gt));
    sheet.rows.push_back(
        PreviewRow{fmt::format("image {} ({}): {}", id, image.at("split").get<std::string>(),
                               printable(image.at("image").get<std::string>())),
                   {to_rgb(input, in_lo, in_hi), to_rgb(truth, gt_lo, gt_hi)}});
  }
  write_preview_png(png, sheet);
  reporter.info(fmt::format("preview of {} images: {}", sheet.rows.size(), png.string()));
}

}  // namespace flamecare::detail
