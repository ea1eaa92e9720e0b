#include "pipeline/frame_sums.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include <fmt/format.h>

#include "core/frame_block.hpp"
#include "core/reuse_image.hpp"
#include "flamecare/error.hpp"
#include "flamecare/frame_ops.hpp"
#include "flamecare/scanimage.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

// Raw bytes of one group of frames' rows: with the block's sums well inside L2 (2 MiB here).
constexpr std::size_t kGroupBytes = 1 << 20;
// Frames added in one pass over the block's sums; more gain little once the sums' traffic is
// small beside the raw pixels', and make each pread smaller.
constexpr int kMaxGroup = 16;

}  // namespace

FramePair sum_frame_pair(const std::filesystem::path& tif, int input_frames, int gt_frames,
                         int bidirectional, const Reporter& reporter) {
  FramePair pair;
  sum_frame_pair(tif, input_frames, gt_frames, bidirectional, reporter, pair);
  return pair;
}

void sum_frame_pair(const std::filesystem::path& tif, int input_frames, int gt_frames,
                    int bidirectional, const Reporter& reporter, FramePair& out) {
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
  // Blocks of rows: a group of frames' rows and their sums stay in cache, and each pread() (one
  // per frame and block) is large enough that the call costs little beside its copy.
  const std::size_t row_bytes = std::size_t(info.width) * pixel_size(info.pixel_type);
  const int group = std::min(gt_frames, kMaxGroup);
  const int block_rows =
      int(std::clamp<std::size_t>(kGroupBytes / (std::size_t(group) * row_bytes), 1, info.height));
  const PixelType truth_type = sum_pixel_type(info.pixel_type, gt_frames);
  const int width = corrected_width(info.width, bidirectional);
  AnyImage& input = out.input;
  AnyImage& truth = out.ground_truth;
  reuse_image(input, sum_pixel_type(info.pixel_type, input_frames), channels, info.height, width);
  reuse_image(truth, truth_type, channels, info.height, width);
  FrameBlock block(info.pixel_type, truth_type, info.width, block_rows);
  const std::size_t block_bytes = std::size_t(block_rows) * row_bytes;
  std::vector<std::byte> raw(std::size_t(group) * block_bytes);
  std::vector<const std::byte*> frames(static_cast<std::size_t>(group));
  for (int c = 0; c < channels; ++c) {
    for (int y = 0; y < info.height; y += block_rows) {
      reporter.check_cancelled();
      const int rows = std::min(block_rows, info.height - y);
      const std::size_t bytes = std::size_t(rows) * row_bytes;
      block.reset(rows);
      // Frames [0, input_frames) first, stored as the input; the ground truth continues from them.
      // Pages are channel-fastest: page = f·C + c for the single slice.
      for (int f = 0; f < gt_frames;) {
        const int n = std::min(group, (f < input_frames ? input_frames : gt_frames) - f);
        for (int k = 0; k < n; ++k) {
          frames[std::size_t(k)] = raw.data() + std::size_t(k) * block_bytes;
          reader.read_rows(std::size_t(f + k) * std::size_t(channels) + std::size_t(c), y, rows,
                           std::span(raw.data() + std::size_t(k) * block_bytes, bytes));
        }
        block.add_frames(std::span(frames.data(), std::size_t(n)), bytes);
        f += n;
        if (f == input_frames) block.store(input, c, y, bidirectional);
      }
      block.store(truth, c, y, bidirectional);
    }
  }
}

}  // namespace flamecare::detail
