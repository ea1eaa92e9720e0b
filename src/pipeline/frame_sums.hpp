#pragma once
// Reading a raw stack's first frames and summing them: the I/O half of `create`.
#include <filesystem>
#include <memory>

#include "flamecare/dataset.hpp"
#include "flamecare/image.hpp"
#include "flamecare/log.hpp"

namespace flamecare::detail {

/// Sums of the input's and the target's frames of every channel of a raw stack, after
/// bidirectional correction by `bidirectional` pixels.
struct FramePair {
  AnyImage input;
  AnyImage ground_truth;
};

/// What a file's sums will be, known before the first block of them.
struct SumLayout {
  ImageShape shape;       ///< channels × height × corrected width of both sums
  PixelType input_type;   ///< the input sum's pixel type
  PixelType target_type;  ///< the target sum's pixel type
  int block_rows = 0;     ///< rows of every block but a channel's last
};

/// Which sum a block belongs to.
enum class SumKind { kInput, kTarget };

/// Where sum_frame_blocks hands the sums, block by block.
class SumSink {
 public:
  virtual ~SumSink() = default;
  /// Once, before any block.
  virtual void begin(const SumLayout& layout) = 0;
  /// Rows [first_row, first_row + height of `rows`) of channel `channel` of one sum, final and
  /// corrected, as a one-channel image of the sum's type (valid only during the call). Blocks
  /// come channel by channel, top to bottom, each block's input rows before its target rows.
  virtual void block(SumKind kind, int channel, int first_row, const AnyImage& rows) = 0;
};

/// Sums frames [input.begin, input.end) into the input and [target.begin, target.end) into the
/// target (nested: [0, N) and [0, M), M > N; disjoint: [0, N) and [N', N' + M) with N' ≥ N). Reads
/// only the pages of frames [0, max end), after checking they exist, so nothing is allocated for a
/// file that cannot be read. Sums in blocks of rows (core/frame_block.hpp): each block reads its
/// rows of every frame, then stores the input and target sums once, already corrected; checks
/// `reporter` for cancellation before each block (a few ms of work). Sum types follow each
/// range's frame count. Throws Error(kInvalidArgument) for ranges of another shape, and Error
/// naming the file: a RawFileError (kNotFound, kIo, kCorrupt, kUnsupported) when the reader
/// refuses it, Error(kCorrupt) when the pages are missing or it holds fewer frames than the ranges
/// need (it changed since screening), Error(kCancelled). Any failure but kCancelled concerns this
/// image only: callers skip it.
FramePair sum_frame_pair(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                         int bidirectional, const Reporter& reporter);
/// The same into `out`, whose memory is reused when its types and shapes fit. On a throw `out`
/// holds partial sums. (`create` itself takes the sums block by block: sum_frame_blocks.)
void sum_frame_pair(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                    int bidirectional, const Reporter& reporter, FramePair& out);
/// The memory sum_frame_blocks works in (the block's sums, its rows as the sums' types, rows that
/// cannot be read in place), kept from one file to the next by a worker that sums many: fresh
/// memory costs a page fault (and zeroing) per 4 KiB, 1.5 MB per file at 512 x 512. One thread at
/// a time (one per worker).
class SumBuffers {
 public:
  SumBuffers();
  SumBuffers(const SumBuffers&) = delete;
  SumBuffers& operator=(const SumBuffers&) = delete;
  ~SumBuffers();

  struct Parts;
  Parts& parts() { return *parts_; }

 private:
  std::unique_ptr<Parts> parts_;
};

/// The same sums handed to `sink` block by block as they are made (each block still in cache),
/// instead of into whole images. Throws as sum_frame_pair, and whatever `sink` throws; on a throw
/// `sink` has had part of the blocks.
void sum_frame_blocks(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                      int bidirectional, const Reporter& reporter, SumSink& sink);
/// The same in `buffers`, reused.
void sum_frame_blocks(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                      int bidirectional, const Reporter& reporter, SumSink& sink,
                      SumBuffers& buffers);

}  // namespace flamecare::detail
