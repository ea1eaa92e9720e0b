#pragma once
// Private pieces of the synthetic corpus shared by the good-stack and bad-file writers.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "flamecare/log.hpp"
#include "flamecare/synth.hpp"

namespace flamecare::detail {

/// One synthetic stack: layout, content seed and acquisition quirks.
struct SynthStack {
  StackSpec spec;
  std::uint64_t seed = 0;
  int bidirectional_correction = 0;  ///< even rows shifted by this much in the raw data
  int frames_summed = 1;             ///< > 1: every page is a scope-side sum of that many frames
};

/// Writes tissue-like photon-count pages for `stack` (deterministic from stack.seed).
/// Throws Error(kIo / kInvalidArgument).
void write_synthetic_stack(const std::filesystem::path& path, const SynthStack& stack);

/// create_directories that throws Error(kIo) naming the directory.
void make_directories(const std::filesystem::path& dir);

/// Writes the deliberately unusable files beside `good_example` (a summed stack, a truncated
/// copy of `good_example`, a non-ScanImage TIFF, a stack without sidecar, a malformed sidecar);
/// returns their TIFF paths.
std::vector<std::filesystem::path> write_bad_files(const SynthOptions& options,
                                                   const StackSpec& base,
                                                   const std::filesystem::path& good_example,
                                                   const Reporter& reporter);

/// A minimal classic (non-Big) little-endian TIFF with one uint8 page: a valid TIFF that is not
/// a ScanImage file.
void write_plain_tiff(const std::filesystem::path& path, int height, int width, std::uint64_t seed);

}  // namespace flamecare::detail
