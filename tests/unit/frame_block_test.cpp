// The blocked frame sum (core/frame_block) against the plane-by-plane reference: accumulate_plane
// over whole frames, then correct_bidirectional.
#include "core/frame_block.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <type_traits>
#include <vector>

#include "flamecare/error.hpp"
#include "flamecare/frame_ops.hpp"

namespace fc = flamecare;

namespace {

constexpr int kHeight = 7, kWidth = 37;  // a width past one vector chunk, with a scalar tail

// Frame f of a kHeight × kWidth plane of `type`, as raw bytes with values that cover negatives.
std::vector<std::byte> raw_frame(fc::PixelType type, int f) {
  const fc::AnyImage plane = fc::make_image(type, 1, kHeight, kWidth);
  fc::AnyImage filled = plane;
  std::visit(
      [&](auto& im) {
        using T = typename std::decay_t<decltype(im.pixels)>::value_type;
        for (std::size_t i = 0; i < im.pixels.size(); ++i) {
          const auto v = (static_cast<long long>(i) * 7919 + f * 104729) % 251 - 100;
          im.pixels[i] = static_cast<T>(std::is_signed_v<T> ? v : v + 100);
          if constexpr (std::is_floating_point_v<T>) im.pixels[i] = T(v) / 8 + T(0.1);
        }
      },
      filled);
  std::vector<std::byte> out(std::size_t(kHeight) * kWidth * fc::pixel_size(type));
  std::visit([&](const auto& im) { std::memcpy(out.data(), im.pixels.data(), out.size()); },
             filled);
  return out;
}

// Sums of frames [0, frames) the reference way.
fc::AnyImage reference(fc::PixelType source, fc::PixelType sum, int frames, int b) {
  fc::AnyImage image = fc::make_image(sum, 1, kHeight, kWidth);
  for (int f = 0; f < frames; ++f) fc::accumulate_plane(raw_frame(source, f), source, image, 0);
  return fc::correct_bidirectional(image, b);
}

// The same with FrameBlock: blocks of `block_rows`, the input stored after `input` frames, each
// frame's rows read from a misaligned copy (raw planes need not be aligned).
std::pair<fc::AnyImage, fc::AnyImage> blocked(fc::PixelType source, fc::PixelType in_type,
                                              fc::PixelType gt_type, int input, int frames, int b,
                                              int block_rows, int group = 1) {
  const int width = fc::corrected_width(kWidth, b);
  fc::AnyImage in = fc::make_image(in_type, 2, kHeight, width);
  fc::AnyImage gt = fc::make_image(gt_type, 2, kHeight, width);
  fc::detail::FrameBlock block(source, gt_type, kWidth, block_rows);
  const std::size_t row_bytes = kWidth * fc::pixel_size(source);
  std::vector<std::byte> buffer(std::size_t(group) * (std::size_t(block_rows) * row_bytes + 1));
  for (int y = 0; y < kHeight; y += block_rows) {
    const int rows = std::min(block_rows, kHeight - y);
    const std::size_t bytes = rows * row_bytes;
    block.reset(rows);
    for (int f = 0; f < frames;) {
      // Groups of up to `group` frames, ending where the input's frames end.
      const int n = std::min(group, (f < input ? input : frames) - f);
      std::vector<const std::byte*> pointers;
      for (int k = 0; k < n; ++k) {
        std::byte* at = buffer.data() + k * (bytes + 1) + 1;
        std::memcpy(at, raw_frame(source, f + k).data() + y * row_bytes, bytes);
        pointers.push_back(at);
      }
      if (n == 1) {
        block.add(std::span(pointers[0], bytes));
      } else {
        block.add_frames(pointers, bytes);
      }
      f += n;
      if (f == input) block.store(in, 1, y, b);
    }
    block.store(gt, 1, y, b);
  }
  // Channel 1 was written; compare it alone.
  const auto channel = [](const fc::AnyImage& image) {
    return std::visit(
        [](const auto& im) -> fc::AnyImage {
          using T = typename std::decay_t<decltype(im.pixels)>::value_type;
          fc::Image<T> out(1, im.height, im.width);
          std::copy(im.plane(1).begin(), im.plane(1).end(), out.pixels.begin());
          return out;
        },
        image);
  };
  return {channel(in), channel(gt)};
}

// Same pixel type, shape and pixels (bit for bit for floats).
bool same(const fc::AnyImage& a, const fc::AnyImage& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        const auto& y = std::get<std::decay_t<decltype(x)>>(b);
        return x.channels == y.channels && x.height == y.height && x.width == y.width &&
               x.pixels.size() == y.pixels.size() &&
               std::memcmp(x.pixels.data(), y.pixels.data(),
                           x.pixels.size() * sizeof(x.pixels[0])) == 0;
      },
      a);
}

}  // namespace

TEST(FrameBlock, BlockedSumsEqualPlaneSumsThenCorrection) {
  const std::vector<std::pair<fc::PixelType, fc::PixelType>> types = {
      {fc::PixelType::kInt16, fc::PixelType::kInt32},
      {fc::PixelType::kUint16, fc::PixelType::kUint32},
      {fc::PixelType::kInt8, fc::PixelType::kInt32},
      {fc::PixelType::kUint8, fc::PixelType::kUint32},
      {fc::PixelType::kFloat32, fc::PixelType::kFloat32}};
  for (const auto& [source, sum] : types) {
    for (const int b : {-3, 0, 2}) {
      for (const auto& [block_rows, group] :
           {std::pair{1, 1}, {3, 1}, {kHeight, 1}, {3, 2}, {kHeight, 3}}) {
        SCOPED_TRACE(std::string(fc::pixel_type_name(source)) + " b " + std::to_string(b) +
                     " rows " + std::to_string(block_rows) + " group " + std::to_string(group));
        const auto [in, gt] = blocked(source, sum, sum, 2, 5, b, block_rows, group);
        EXPECT_TRUE(same(in, reference(source, sum, 2, b))) << "input sums";
        EXPECT_TRUE(same(gt, reference(source, sum, 5, b))) << "ground-truth sums";
      }
    }
  }
}

TEST(FrameBlock, AnInt64GroundTruthBlockStoresAnInt32Input) {
  const auto [in, gt] =
      blocked(fc::PixelType::kInt16, fc::PixelType::kInt32, fc::PixelType::kInt64, 3, 6, 1, 2);
  EXPECT_TRUE(same(in, reference(fc::PixelType::kInt16, fc::PixelType::kInt32, 3, 1)));
  EXPECT_TRUE(same(gt, reference(fc::PixelType::kInt16, fc::PixelType::kInt64, 6, 1)));
}

TEST(FrameBlock, RejectsWrongTypesAndSizes) {
  const auto invalid = [](const std::function<void()>& fn) {
    try {
      fn();
      ADD_FAILURE() << "accepted";
    } catch (const fc::Error& e) {
      EXPECT_EQ(e.kind(), fc::ErrorKind::kInvalidArgument) << e.what();
    }
  };
  invalid([] { fc::detail::FrameBlock(fc::PixelType::kInt16, fc::PixelType::kFloat32, 4, 2); });
  invalid([] { fc::detail::FrameBlock(fc::PixelType::kInt16, fc::PixelType::kInt32, 0, 2); });
  fc::detail::FrameBlock block(fc::PixelType::kInt16, fc::PixelType::kInt32, 4, 2);
  invalid([&] { block.reset(3); });
  std::vector<std::byte> raw(2 * 4 * 2);
  {  // before the first reset(): no rows to add to or store
    fc::AnyImage some = fc::make_image(fc::PixelType::kInt32, 1, 2, 4);
    invalid([&] { block.store(some, 0, 0, 0); });
    invalid([&] { block.store_rows(some, 0, 0); });
    EXPECT_EQ(fc::shape_of(some).height, 2) << "left as it was";
    invalid([&] { block.add(std::span(raw.data(), 0)); });
  }
  block.reset(2);
  invalid([&] { block.add(std::span(raw.data(), raw.size() - 2)); });
  const std::byte* two[] = {raw.data(), raw.data()};
  invalid([&] { block.add_frames(two, raw.size() + 2); });
  block.add(raw);
  fc::AnyImage ok = fc::make_image(fc::PixelType::kInt32, 1, 2, 4);
  block.store(ok, 0, 0, 0);
  fc::AnyImage wrong_type = fc::make_image(fc::PixelType::kFloat32, 1, 2, 4);
  invalid([&] { block.store(wrong_type, 0, 0, 0); });
  invalid([&] { block.store(ok, 1, 0, 0); });  // channel
  invalid([&] { block.store(ok, 0, 1, 0); });  // rows past the end
  invalid([&] { block.store(ok, 0, 0, 1); });  // width is not corrected_width(4, 1)
  invalid([&] { block.store(ok, 0, 0, 4); });  // correction as wide as the image
  // store_rows: the rows alone, in an image of their own sum type.
  fc::AnyImage rows = fc::make_image(fc::PixelType::kInt32, 0, 0, 0);
  block.store_rows(rows, 3, 1);
  EXPECT_EQ(fc::shape_of(rows).height, 2);
  EXPECT_EQ(fc::shape_of(rows).width, 3);
  invalid([&] { block.store_rows(wrong_type, 0, 0); });
  invalid([&] { block.store_rows(rows, -1, 0); });
  invalid([&] { block.store_rows(rows, 0, 4); });
}

// A block starts at zero after reset() whatever it held: with no frame added, after one group,
// and for types the first group zeroes itself (int16/uint16) or has zeroed (int8, float32).
TEST(FrameBlock, EveryResetStartsFromZero) {
  for (const auto& [source, sum] : {std::pair{fc::PixelType::kInt16, fc::PixelType::kInt32},
                                    {fc::PixelType::kUint16, fc::PixelType::kUint32},
                                    {fc::PixelType::kInt8, fc::PixelType::kInt32},
                                    {fc::PixelType::kFloat32, fc::PixelType::kFloat32}}) {
    SCOPED_TRACE(fc::pixel_type_name(source));
    const int width = 37, rows = 3;  // 111 pixels: three chunks of 32 and a tail
    fc::detail::FrameBlock block(source, sum, width, rows);
    std::vector<std::byte> raw(std::size_t(width * rows) * fc::pixel_size(source), std::byte{1});
    fc::AnyImage out = fc::make_image(sum, 1, rows, width);
    const auto total = [&] {
      block.store(out, 0, 0, 0);
      double t = 0;
      std::visit(
          [&](const auto& im) {
            for (auto v : im.pixels) t += double(v);
          },
          out);
      return t;
    };
    block.reset(rows);
    block.add(raw);
    block.add(raw);
    const double two = total();
    EXPECT_GT(two, 0);
    block.reset(rows);
    EXPECT_EQ(total(), 0) << "store after reset with no frame";
    block.add(raw);  // a store does not end the block: adds continue from its sums
    EXPECT_DOUBLE_EQ(total(), two / 2);
    block.reset(rows);
    block.add(raw);
    block.add(raw);
    EXPECT_DOUBLE_EQ(total(), two);
  }
}

// move_rows hands the block's memory to the rows image where it can (b = 0, the block's type)
// and copies otherwise; either way the rows equal store_rows's, block after block, through a
// short last block and a block with no frame, and the block sums right again after each hand-over
// (it got the image's old memory, stale sums included).
TEST(FrameBlock, MovedRowsEqualStoredRows) {
  struct Case {
    fc::PixelType source, block, rows;
  };
  for (const Case& t :
       {Case{fc::PixelType::kInt16, fc::PixelType::kInt32, fc::PixelType::kInt32},
        Case{fc::PixelType::kFloat32, fc::PixelType::kFloat32, fc::PixelType::kFloat32},
        Case{fc::PixelType::kInt16, fc::PixelType::kInt64, fc::PixelType::kInt32}}) {
    for (const int b : {0, 2}) {
      SCOPED_TRACE(std::string(fc::pixel_type_name(t.block)) + " b " + std::to_string(b));
      const int block_rows = 3;
      fc::detail::FrameBlock copied(t.source, t.block, kWidth, block_rows);
      fc::detail::FrameBlock moved(t.source, t.block, kWidth, block_rows);
      fc::AnyImage by_copy = fc::make_image(t.rows, 0, 0, 0);
      fc::AnyImage by_move = fc::make_image(t.rows, 0, 0, 0);
      const std::size_t row_bytes = kWidth * fc::pixel_size(t.source);
      for (int pass = 0; pass < 2; ++pass) {
        for (int y = 0; y < kHeight; y += block_rows) {
          const int rows = std::min(block_rows, kHeight - y);
          const int frames = pass == 1 && y == 3 ? 0 : 4;  // one block with no frame: zeros
          for (auto* block : {&copied, &moved}) {
            block->reset(rows);
            for (int f = 0; f < frames; ++f) {
              const std::vector<std::byte> frame = raw_frame(t.source, f + pass);
              block->add(std::span(frame.data() + y * row_bytes, rows * row_bytes));
            }
          }
          copied.store_rows(by_copy, y, b);
          const auto memory = [](const fc::AnyImage& image) {
            return std::visit([](const auto& im) -> const void* { return im.pixels.data(); },
                              image);
          };
          const void* held = memory(by_move);
          moved.move_rows(by_move, y, b);
          EXPECT_TRUE(same(by_copy, by_move)) << "pass " << pass << " row " << y;
          EXPECT_EQ(fc::shape_of(by_move).height, rows);
          // Handed over, not copied, where it can be: the image now holds other memory.
          if (b == 0 && t.block == t.rows && frames > 0) {
            EXPECT_NE(memory(by_move), held) << "pass " << pass << " row " << y;
          }
          // The block holds no rows until reset(): storing or adding fails.
          EXPECT_THROW(moved.store_rows(by_move, y, b), fc::Error);
          EXPECT_THROW(moved.add(std::span(raw_frame(t.source, 0).data(), rows * row_bytes)),
                       fc::Error);
        }
      }
      fc::AnyImage wrong = fc::make_image(fc::PixelType::kUint8, 0, 0, 0);
      moved.reset(1);
      EXPECT_THROW(moved.move_rows(wrong, 0, b), fc::Error);
    }
  }
}
