#pragma once
// Reading a raw stack's first frames and summing them: the I/O half of `create`.
#include <filesystem>

#include "flamecare/image.hpp"
#include "flamecare/log.hpp"

namespace flamecare::detail {

/// Sums of frames [0, input_frames) and [0, gt_frames) of every channel of a raw stack, after
/// bidirectional correction by `bidirectional` pixels.
struct FramePair {
  AnyImage input;
  AnyImage ground_truth;
};

/// Reads only the pages of frames [0, gt_frames), after checking they exist, so nothing is
/// allocated for a file that cannot be read. Sums in blocks of rows (core/frame_block.hpp): each
/// block reads its rows of every frame, then stores the input and ground-truth sums once, already
/// corrected; checks `reporter` for cancellation before each block (a few ms of work).
/// Throws Error naming the file: a RawFileError (kNotFound, kIo, kCorrupt, kUnsupported) when the
/// reader refuses it, Error(kCorrupt) when the pages are missing or it holds fewer than gt_frames
/// frames (it changed since screening), Error(kCancelled). Any failure but kCancelled concerns this
/// image only: callers skip it.
FramePair sum_frame_pair(const std::filesystem::path& tif, int input_frames, int gt_frames,
                         int bidirectional, const Reporter& reporter);
/// The same into `out`, whose memory is reused when its types and shapes fit (image after image of
/// a dataset they do): no allocation, page faults or zero fill per image. On a throw `out` holds
/// partial sums.
void sum_frame_pair(const std::filesystem::path& tif, int input_frames, int gt_frames,
                    int bidirectional, const Reporter& reporter, FramePair& out);

}  // namespace flamecare::detail
