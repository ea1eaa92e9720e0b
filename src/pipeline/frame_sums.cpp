#include "pipeline/frame_sums.hpp"

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "core/frame_block.hpp"
#include "core/reuse_image.hpp"
#include "flamecare/error.hpp"
#include "flamecare/frame_ops.hpp"
#include "flamecare/scanimage.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

// Raw bytes of one group of frames' rows. They are read in place from the page cache (see
// ScanImageReader::with_rows), so only the block's sums (a quarter of this for 16 int16 frames)
// need to stay in L2; larger blocks mean fewer, larger calls to map the rows.
constexpr std::size_t kGroupBytes = std::size_t(4) << 20;
// Frames added in one pass over the block's sums; more gain little once the sums' traffic is
// small beside the raw pixels', and make each pread smaller.
constexpr int kMaxGroup = 16;

// One channel's block of rows [y, y + rows): hands frames' rows to the block in groups, in place
// from the reader's map where it can (ScanImageReader::with_rows).
class BlockReader {
 public:
  BlockReader(const ScanImageReader& reader, FrameBlock& block, int group)
      : reader_(reader), block_(block), pages_(std::size_t(group)), group_(group) {}

  // Adds frames [from, to) of channel c, rows [y, y + rows), to the block.
  void add(int from, int to, int c, int y, int rows) {
    const auto channels = std::size_t(reader_.info().channels);
    const std::size_t bytes = std::size_t(rows) * std::size_t(reader_.info().width) *
                              pixel_size(reader_.info().pixel_type);
    for (int f = from; f < to;) {
      const int n = std::min(group_, to - f);
      // Pages are channel-fastest: page = f·C + c for the single slice.
      for (int k = 0; k < n; ++k)
        pages_[std::size_t(k)] = std::size_t(f + k) * channels + std::size_t(c);
      // Runs guarded (left by a jump if the file shrinks): no allocation or destructor in here.
      reader_.with_rows(
          std::span(pages_.data(), std::size_t(n)), y, rows, raw_,
          [&](std::span<const std::byte* const> frames) { block_.add_frames(frames, bytes); });
      f += n;
    }
  }

 private:
  const ScanImageReader& reader_;
  FrameBlock& block_;
  std::vector<std::size_t> pages_;
  std::vector<std::byte> raw_;  // rows that cannot be read in place
  int group_;
};

// Throws Error(kCorrupt) naming the file unless it holds `frames_read` frames as pages of a
// single slice. Before allocating: the reader guarantees each page's bytes are distinct bytes of
// the file, so these pages (and the sums, at most 8 bytes per pixel) are bounded by the file size
// and a crafted header cannot demand more memory than that.
void check_pages(const ScanImageInfo& info, int frames_read, const std::string& name) {
  if (info.frames < frames_read) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: {} frames on disk, {} needed", name, info.frames, frames_read));
  }
  const auto pages_needed = std::uint64_t(frames_read) * std::uint64_t(info.channels);
  if (info.channels < 1 || pages_needed > info.pages || info.slices != 1) {
    throw Error(
        ErrorKind::kCorrupt,
        fmt::format("{}: {} frames x {} channels need {} pages of a single slice but the "
                    "file has {} pages and {} slices",
                    name, frames_read, info.channels, pages_needed, info.pages, info.slices));
  }
}

}  // namespace

FramePair sum_frame_pair(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                         int bidirectional, const Reporter& reporter) {
  FramePair pair;
  sum_frame_pair(tif, input, target, bidirectional, reporter, pair);
  return pair;
}

void sum_frame_pair(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                    int bidirectional, const Reporter& reporter, FramePair& out) {
  // Nested ranges share their first frames: the target continues from the input's sums.
  // Disjoint ones start the target afresh after the input.
  const bool nested = target.begin == 0 && target.end >= input.end;
  if (input.begin != 0 || input.count() < 1 || target.count() < 1 ||
      (!nested && target.begin < input.end)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("frame ranges [{}, {}) and [{}, {}) are neither nested nor disjoint",
                            input.begin, input.end, target.begin, target.end));
  }
  const int frames_read = std::max(input.end, target.end);
  const ScanImageReader reader(tif);
  const ScanImageInfo& info = reader.info();
  check_pages(info, frames_read, printable(tif.native()));
  test_point("sum:opened");  // tests shrink the open file here
  // Blocks of rows: the sums of a block stay in cache while every frame's rows are added, and
  // each frame's rows of a block are large enough that mapping (or reading) them costs little.
  const std::size_t row_bytes = std::size_t(info.width) * pixel_size(info.pixel_type);
  const int group = std::min(std::max(input.count(), target.count()), kMaxGroup);
  const int block_rows =
      int(std::clamp<std::size_t>(kGroupBytes / (std::size_t(group) * row_bytes), 1, info.height));
  const int width = corrected_width(info.width, bidirectional);
  reuse_image(out.input, sum_pixel_type(info.pixel_type, input.count()), info.channels, info.height,
              width);
  reuse_image(out.ground_truth, sum_pixel_type(info.pixel_type, target.count()), info.channels,
              info.height, width);
  // The block sums in the wider of the two sum types; store() converts exactly.
  FrameBlock block(info.pixel_type,
                   sum_pixel_type(info.pixel_type, std::max(input.count(), target.count())),
                   info.width, block_rows);
  BlockReader rows_of(reader, block, group);
  for (int c = 0; c < info.channels; ++c) {
    for (int y = 0; y < info.height; y += block_rows) {
      reporter.check_cancelled();
      const int rows = std::min(block_rows, info.height - y);
      block.reset(rows);
      rows_of.add(0, input.end, c, y, rows);
      block.store(out.input, c, y, bidirectional);
      if (!nested) block.reset(rows);
      rows_of.add(nested ? input.end : target.begin, target.end, c, y, rows);
      block.store(out.ground_truth, c, y, bidirectional);
    }
  }
}

}  // namespace flamecare::detail
