#include "pipeline/frame_sums.hpp"

#include <cstddef>
#include <vector>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/frame_ops.hpp"
#include "flamecare/scanimage.hpp"
#include "util/text.hpp"

namespace flamecare::detail {

FramePair sum_frame_pair(const std::filesystem::path& tif, int input_frames, int gt_frames,
                         int bidirectional, const Reporter& reporter) {
  const ScanImageReader reader(tif);
  const ScanImageInfo& info = reader.info();
  const std::string name = printable(tif.native());
  if (info.frames < gt_frames) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: {} frames on disk, {} needed", name, info.frames, gt_frames));
  }
  const int channels = info.channels;
  // Before allocating: the pages summed must exist. The reader guarantees each page's bytes are
  // distinct bytes of the file, so these pages (and the sums, at most 8 bytes per pixel) are
  // bounded by the file size and a crafted header cannot demand more memory than that.
  const auto pages_needed = std::uint64_t(gt_frames) * std::uint64_t(channels);
  if (channels < 1 || pages_needed > info.pages || info.slices != 1) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: {} frames x {} channels need {} pages of a single slice but the "
                            "file has {} pages and {} slices",
                            name, gt_frames, channels, pages_needed, info.pages, info.slices));
  }
  AnyImage input =
      make_image(sum_pixel_type(info.pixel_type, input_frames), channels, info.height, info.width);
  AnyImage truth =
      make_image(sum_pixel_type(info.pixel_type, gt_frames), channels, info.height, info.width);
  std::vector<std::byte> page(reader.page_bytes());
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
