#include "pipeline/frame_sums.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
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
  BlockReader(const ScanImageReader& reader, FrameBlock& block, int group,
              std::vector<std::byte>& raw)
      : reader_(reader), block_(block), pages_(std::size_t(group)), raw_(raw), group_(group) {}

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
  std::vector<std::byte>& raw_;  // rows that cannot be read in place
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

// Whole sum images from the blocks: each block's rows copied into place.
class PairSink final : public SumSink {
 public:
  explicit PairSink(FramePair& out) : out_(out) {}
  void begin(const SumLayout& l) override {
    const ImageShape& s = l.shape;
    reuse_image(out_.input, l.input_type, s.channels, s.height, s.width);
    reuse_image(out_.ground_truth, l.target_type, s.channels, s.height, s.width);
  }
  void block(SumKind kind, int channel, int first_row, const AnyImage& rows) override {
    AnyImage& out = kind == SumKind::kInput ? out_.input : out_.ground_truth;
    std::visit(
        [&](auto& image) {
          using T = typename std::decay_t<decltype(image.pixels)>::value_type;
          const auto& part = std::get<Image<T>>(rows);
          std::copy(part.pixels.begin(), part.pixels.end(),
                    image.plane(channel).begin() + std::ptrdiff_t(first_row) * image.width);
        },
        out);
  }

 private:
  FramePair& out_;
};

}  // namespace

struct SumBuffers::Parts {
  std::optional<FrameBlock> block;
  AnyImage input_rows = make_image(PixelType::kInt32, 0, 0, 0);
  AnyImage target_rows = make_image(PixelType::kInt32, 0, 0, 0);
  std::vector<std::byte> raw;

  // A block for up to `max_rows` rows of `width` pixels: the kept one when it has these types and
  // width and room for as many rows.
  FrameBlock& block_for(PixelType source, PixelType sum, int width, int max_rows) {
    if (!block || block->source_type() != source || block->sum_type() != sum ||
        block->width() != width || block->max_rows() < max_rows)
      block.emplace(source, sum, width, max_rows);
    return *block;
  }
  // `rows` as an image of `type` (store_rows converts the block's sums to the image's type).
  static AnyImage& of_type(AnyImage& rows, PixelType type) {
    if (pixel_type_of(rows) != type) rows = make_image(type, 0, 0, 0);
    return rows;
  }
};

SumBuffers::SumBuffers() : parts_(std::make_unique<Parts>()) {}
SumBuffers::~SumBuffers() = default;

FramePair sum_frame_pair(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                         int bidirectional, const Reporter& reporter) {
  FramePair pair;
  sum_frame_pair(tif, input, target, bidirectional, reporter, pair);
  return pair;
}

void sum_frame_pair(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                    int bidirectional, const Reporter& reporter, FramePair& out) {
  PairSink sink(out);
  sum_frame_blocks(tif, input, target, bidirectional, reporter, sink);
}

void sum_frame_blocks(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                      int bidirectional, const Reporter& reporter, SumSink& sink) {
  SumBuffers buffers;
  sum_frame_blocks(tif, input, target, bidirectional, reporter, sink, buffers);
}

void sum_frame_blocks(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                      int bidirectional, const Reporter& reporter, SumSink& sink,
                      SumBuffers& buffers) {
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
  const SumLayout layout{{info.channels, info.height, corrected_width(info.width, bidirectional)},
                         sum_pixel_type(info.pixel_type, input.count()),
                         sum_pixel_type(info.pixel_type, target.count()),
                         block_rows};
  // The block sums in the wider of the two sum types; store_rows() converts exactly.
  SumBuffers::Parts& parts = buffers.parts();
  FrameBlock& block = parts.block_for(
      info.pixel_type, sum_pixel_type(info.pixel_type, std::max(input.count(), target.count())),
      info.width, block_rows);
  AnyImage& input_rows = SumBuffers::Parts::of_type(parts.input_rows, layout.input_type);
  AnyImage& target_rows = SumBuffers::Parts::of_type(parts.target_rows, layout.target_type);
  BlockReader rows_of(reader, block, group, parts.raw);
  sink.begin(layout);
  for (int c = 0; c < info.channels; ++c) {
    for (int y = 0; y < info.height; y += block_rows) {
      reporter.check_cancelled();
      const int rows = std::min(block_rows, info.height - y);
      block.reset(rows);
      rows_of.add(0, input.end, c, y, rows);
      block.store_rows(input_rows, y, bidirectional);
      sink.block(SumKind::kInput, c, y, input_rows);
      if (!nested) block.reset(rows);
      rows_of.add(nested ? input.end : target.begin, target.end, c, y, rows);
      block.move_rows(target_rows, y, bidirectional);  // the block's last use
      sink.block(SumKind::kTarget, c, y, target_rows);
    }
  }
}

}  // namespace flamecare::detail
