#pragma once
// Reading a raw stack's first frames and summing them: the I/O half of `create`.
#include <filesystem>

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

/// Sums frames [input.begin, input.end) into the input and [target.begin, target.end) into the
/// target (nested: [0, N) and [0, M); disjoint: [0, N) and [N, N + M)). Reads only the pages of
/// frames [0, max end), after checking they exist, so nothing is allocated for a file that cannot
/// be read; checks `reporter` for cancellation after each frame. Sum types follow each range's
/// frame count. Throws Error naming the file: a RawFileError (kNotFound, kIo, kCorrupt,
/// kUnsupported) when the reader refuses it, Error(kCorrupt) when the pages are missing or it holds
/// fewer frames than the ranges need (it changed since screening), Error(kCancelled). Any failure
/// but kCancelled concerns this image only: callers skip it.
FramePair sum_frame_pair(const std::filesystem::path& tif, FrameRange input, FrameRange target,
                         int bidirectional, const Reporter& reporter);

}  // namespace flamecare::detail
