#include "pipeline/frame_sums.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/frame_ops.hpp"
#include "flamecare/scanimage.hpp"
#include "util/text.hpp"

namespace flamecare::detail {

FramePair sum_frame_pair(const std::filesystem::path& tif, FrameRange input_range,
                         FrameRange target_range, int bidirectional, const Reporter& reporter) {
  const int frames_read = std::max(input_range.end, target_range.end);  // frames read
  const ScanImageReader reader(tif);
  const ScanImageInfo& info = reader.info();
  const std::string name = printable(tif.native());
  if (info.frames < frames_read) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: {} frames on disk, {} needed", name, info.frames, frames_read));
  }
  const int channels = info.channels;
  // Before allocating: the pages summed must exist. The reader guarantees each page's bytes are
  // distinct bytes of the file, so these pages (and the sums, at most 8 bytes per pixel) are
  // bounded by the file size and a crafted header cannot demand more memory than that.
  const auto pages_needed = std::uint64_t(frames_read) * std::uint64_t(channels);
  if (channels < 1 || pages_needed > info.pages || info.slices != 1) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: {} frames x {} channels need {} pages of a single slice but the "
                            "file has {} pages and {} slices",
                            name, frames_read, channels, pages_needed, info.pages, info.slices));
  }
  AnyImage input = make_image(sum_pixel_type(info.pixel_type, input_range.count()), channels,
                              info.height, info.width);
  AnyImage truth = make_image(sum_pixel_type(info.pixel_type, target_range.count()), channels,
                              info.height, info.width);
  const auto in = [](FrameRange r, int f) { return f >= r.begin && f < r.end; };
  std::vector<std::byte> page(reader.page_bytes());
  // Pages are channel-fastest: page = f·C + c for the single slice.
  for (int f = 0; f < frames_read; ++f) {
    reporter.check_cancelled();
    for (int c = 0; c < channels; ++c) {
      reader.read_page(std::size_t(f) * std::size_t(channels) + std::size_t(c), page);
      if (in(target_range, f)) accumulate_plane(page, info.pixel_type, truth, c);
      if (in(input_range, f)) accumulate_plane(page, info.pixel_type, input, c);
    }
  }
  if (bidirectional != 0) {
    input = correct_bidirectional(input, bidirectional);
    truth = correct_bidirectional(truth, bidirectional);
  }
  return FramePair{std::move(input), std::move(truth)};
}

}  // namespace flamecare::detail
