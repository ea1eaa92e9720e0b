#include "pipeline/patch_samples.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "flamecare/preview.hpp"
#include "util/parallel.hpp"

namespace flamecare::detail {
namespace {

constexpr std::size_t kPairsPerSheet = 8;

RgbImage patch_rgb(const PatchSource& store, int which, std::size_t slot, int channels, int p) {
  Image<float> patch(channels, p, p);
  store.read(which, slot, patch.pixels);
  const std::size_t shown = std::min(channels, 3);
  return to_rgb(AnyImage(std::move(patch)), std::vector<double>(shown, 0.0),
                std::vector<double>(shown, 1.0));
}

void write_sheet(const std::filesystem::path& path, const std::string& title,
                 const std::vector<SamplePatch>& patches, const PatchSource& store, int channels,
                 int p) {
  PreviewSheet sheet;
  sheet.title = title;
  sheet.column_titles = {"input (normalised)", "target (normalised)"};
  sheet.panel_size = std::max(192, p);
  for (const auto& patch : patches) {
    const auto& c = patch.coords;
    const std::string channel = c[1] < 0 ? "all channels" : fmt::format("channel {}", c[1]);
    sheet.rows.push_back({fmt::format("image {}, {}, y0 {}, x0 {}", c[0], channel, c[2], c[3]),
                          {patch_rgb(store, 0, patch.slot, channels, p),
                           patch_rgb(store, 1, patch.slot, channels, p)}});
  }
  write_preview_png(path, sheet);
}

}  // namespace

void write_patch_samples(const std::filesystem::path& sheet1, const std::filesystem::path& sheet2,
                         const std::string& dataset, const std::vector<SamplePatch>& first,
                         const PatchSource& store, int channels, int patch_size) {
  const auto split =
      first.begin() + static_cast<std::ptrdiff_t>(std::min(kPairsPerSheet, first.size()));
  // The second sheet repeats the first when there are too few patches, so both files always exist.
  const std::vector<SamplePatch> rest = split == first.end()
                                            ? std::vector<SamplePatch>(first.begin(), split)
                                            : std::vector<SamplePatch>(split, first.end());
  // The two sheets are drawn at once, the second on a thread of its own (when one can start).
  std::exception_ptr second_error;
  const auto draw_second = [&] {
    try {
      write_sheet(sheet2, fmt::format("{}: training patches 9-16", dataset), rest, store, channels,
                  patch_size);
    } catch (...) {
      second_error = std::current_exception();
    }
  };
  std::jthread second = try_start_thread(draw_second);
  if (!second.joinable()) draw_second();
  write_sheet(sheet1, fmt::format("{}: training patches 1-8", dataset), {first.begin(), split},
              store, channels, patch_size);
  if (second.joinable()) second.join();
  if (second_error) std::rethrow_exception(second_error);
}

}  // namespace flamecare::detail
