// sum_frame_pair: nested and disjoint frame ranges through the blocked sums, with several blocks
// of rows, groups of frames split across the input/target boundary and both corrections.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/synth.hpp"
#include "pipeline/frame_sums.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {
namespace fs = std::filesystem;
using test_support::expect_kind;
using test_support::ScratchDir;

constexpr int kFrames = 41, kChannels = 2, kHeight = 37, kWidth = 1030;

double formula(int page, int y, int x) { return (page * 7 + y * 3 - x * 5) % 97 - 40; }

// The corrected sum of frames [begin, end), written out independently of the library.
double expected(FrameRange frames, int b, int c, int y, int x) {
  int source_x = x;
  if (b > 0 && y % 2 == 0) source_x = x + b;
  if (b < 0 && y % 2 == 1) source_x = x - b;
  double total = 0;
  for (int f = frames.begin; f < frames.end; ++f) total += formula(f * kChannels + c, y, source_x);
  return total;
}

double pixel(const AnyImage& image, int c, int y, int x) {
  return std::visit([&](const auto& img) { return static_cast<double>(img.at(c, y, x)); }, image);
}

class FrameSums : public ::testing::Test {
 protected:
  void SetUp() override {
    StackSpec spec;
    spec.frames = kFrames;
    spec.channels = kChannels;
    spec.height = kHeight;  // rows of 2060 bytes: blocks of 31 rows (1 MiB / 16 frames), so 2
    spec.width = kWidth;
    spec.frames_per_slice = kFrames;
    write_scanimage_tiff(tif_, spec, formula);
  }

  void check(FrameRange input, FrameRange target, int b) {
    SCOPED_TRACE(testing::Message() << "[" << input.begin << "," << input.end << ") ["
                                    << target.begin << "," << target.end << ") b=" << b);
    const detail::FramePair pair = detail::sum_frame_pair(tif_, input, target, b, Reporter());
    for (int c = 0; c < kChannels; ++c) {
      for (int y = 0; y < kHeight; ++y) {
        for (int x = 0; x < kWidth - std::abs(b); x += 7) {
          ASSERT_EQ(pixel(pair.input, c, y, x), expected(input, b, c, y, x)) << c << " " << y;
          ASSERT_EQ(pixel(pair.ground_truth, c, y, x), expected(target, b, c, y, x));
        }
      }
    }
  }

  ScratchDir dir_;
  fs::path tif_ = dir_ / "stack.tif";
};

TEST_F(FrameSums, NestedRangesContinueFromTheInput) {
  check({0, 5}, {0, 40}, 0);
  check({0, 17}, {0, 41}, 2);  // the input ends inside the second group of 16 frames
  check({0, 1}, {0, 2}, -3);
}

TEST_F(FrameSums, DisjointRangesStartAfresh) {
  check({0, 20}, {20, 23}, 0);  // more input frames than target frames
  check({0, 3}, {3, 40}, 1);
  check({0, 18}, {18, 36}, -2);  // balanced, both above one group
  check({0, 2}, {10, 12}, 0);    // a gap: frames [2, 10) are not read into either
}

TEST_F(FrameSums, RangesOfOtherShapesAndMissingFramesAreRefused) {
  const auto sum = [&](FrameRange in, FrameRange target) {
    return [=, this] { detail::sum_frame_pair(tif_, in, target, 0, Reporter()); };
  };
  expect_kind(ErrorKind::kInvalidArgument, sum({0, 5}, {3, 8}));  // overlapping, not nested
  expect_kind(ErrorKind::kInvalidArgument, sum({1, 5}, {5, 8}));  // input not from frame 0
  expect_kind(ErrorKind::kInvalidArgument, sum({0, 5}, {5, 5}));  // empty target
  expect_kind(ErrorKind::kCorrupt, sum({0, 20}, {20, 42}));       // 42 frames, 41 on disk
}

// Every block a sink was handed, in order: which sum, channel, first row, type and values.
class RecordingSink final : public detail::SumSink {
 public:
  void begin(const detail::SumLayout& layout) override {
    blocks.push_back({-1, layout.shape.channels, layout.shape.height, layout.shape.width, {}});
  }
  void block(detail::SumKind kind, int channel, int first_row, const AnyImage& rows) override {
    Block b{int(kind), channel, first_row, int(pixel_type_of(rows)), {}};
    std::visit([&](const auto& im) { b.values.assign(im.pixels.begin(), im.pixels.end()); }, rows);
    blocks.push_back(std::move(b));
  }
  struct Block {
    int kind, channel, first_row, type;
    std::vector<double> values;
    bool operator==(const Block&) const = default;
  };
  std::vector<Block> blocks;
};

// A worker keeps its buffers from one file to the next: files of another pixel type or width,
// or another frame count (another sum type for the same pixels), must sum as with fresh buffers.
TEST_F(FrameSums, BuffersKeptFromFileToFileGiveTheSameSums) {
  StackSpec spec;
  spec.frames = kFrames;
  spec.channels = kChannels;
  spec.height = kHeight;
  spec.width = kWidth;
  spec.frames_per_slice = kFrames;
  spec.pixel_type = PixelType::kFloat32;
  const fs::path floats = dir_ / "floats.tif", wide = dir_ / "uint32.tif";
  write_scanimage_tiff(floats, spec, [](int p, int y, int x) { return formula(p, y, x) + 0.25; });
  spec.pixel_type = PixelType::kUint32;  // one frame sums as uint32, two as uint64
  spec.width = 300;
  spec.height = 70;
  write_scanimage_tiff(wide, spec, [](int p, int y, int x) { return 4e9 + (p + y + x) % 250; });
  struct Run {
    fs::path file;
    FrameRange input, target;
  };
  // With a bidirectional correction the rows are copied out of the block; without, the ground
  // truth's rows take the block's memory (FrameBlock::move_rows) and the block the rows'.
  for (const int b : {2, 0}) {
    detail::SumBuffers kept;
    for (const Run& run :
         {Run{tif_, {0, 5}, {0, 40}}, Run{floats, {0, 5}, {0, 40}}, Run{wide, {0, 1}, {1, 2}},
          Run{wide, {0, 1}, {0, 2}}, Run{wide, {0, 1}, {1, 2}}, Run{tif_, {0, 5}, {0, 40}}}) {
      SCOPED_TRACE(run.file.filename().string() + " to frame " + std::to_string(run.target.end) +
                   " b " + std::to_string(b));
      RecordingSink fresh, reused;
      detail::sum_frame_blocks(run.file, run.input, run.target, b, Reporter(), fresh);
      detail::sum_frame_blocks(run.file, run.input, run.target, b, Reporter(), reused, kept);
      ASSERT_GT(fresh.blocks.size(), 3u);
      EXPECT_TRUE(fresh.blocks == reused.blocks);
    }
  }
}

}  // namespace
}  // namespace flamecare
