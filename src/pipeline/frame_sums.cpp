#include "pipeline/frame_sums.hpp"

#include <cstddef>
#include <vector>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/frame_ops.hpp"
#include "flamecare/scanimage.hpp"

namespace flamecare::detail {

FramePair sum_frame_pair(const std::filesystem::path& tif, int input_frames, int gt_frames,
                         int bidirectional, const Reporter& reporter) {
  const ScanImageReader reader(tif);
  const ScanImageInfo& info = reader.info();
  if (info.frames < gt_frames) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: {} frames on disk, {} needed", tif.string(),
                                                 info.frames, gt_frames));
  }
  const int channels = info.channels;
  AnyImage input =
      make_image(sum_pixel_type(info.pixel_type, input_frames), channels, info.height, info.width);
  AnyImage truth =
      make_image(sum_pixel_type(info.pixel_type, gt_frames), channels, info.height, info.width);
  std::vector<std::byte> page(std::size_t(info.height) * std::size_t(info.width) *
                              pixel_size(info.pixel_type));
  // Pages are channel-fastest: page = f·C + c for the single slice.
  for (int f = 0; f < gt_frames; ++f) {
    reporter.check_cancelled();
    for (int c = 0; c < channels; ++c) {
      reader.read_page(std::size_t(f) * std::size_t(channels) + std::size_t(c), page);
      accumulate_plane(page, info.pixel_type, truth, c);
      if (f < input_frames) accumulate_plane(page, info.pixel_type, input, c);
    }
  }
  if (bidirectional != 0) {
    input = correct_bidirectional(input, bidirectional);
    truth = correct_bidirectional(truth, bidirectional);
  }
  return FramePair{std::move(input), std::move(truth)};
}

}  // namespace flamecare::detail
