#pragma once
// One train pair at a time: its sums read into a worker's memory, its samples' centres chosen,
// its patches cut and normalised. Shared by the single run (which places patches straight into
// the npz) and the sharded steps (which store them).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/centre_bits.hpp"
#include "core/patch_work.hpp"
#include "flamecare/image.hpp"
#include "flamecare/log.hpp"
#include "flamecare/patch_core.hpp"
#include "pipeline/patch_run.hpp"

namespace flamecare::detail {

/// What a worker keeps from pair to pair: sums, normalised ground truth (only where the integer
/// shortcut does not apply), filter scratch, chosen centres, one patch of each side. Nothing is
/// allocated per pair or sample once the first pair is done.
struct PairWork {
  AnyImage truth_sums;
  std::size_t truth_pair = SIZE_MAX;  // the train pair truth_sums holds (SIZE_MAX: none) …
  int truth_channel = -1;             // … the one channel it holds, or −1 for all
  AnyImage input_sums;
  Image<float> truth;
  bool truth_normalized = false;  // `truth` holds this pair's normalised ground truth
  PatchWork patch;
  CentreBits bits;
  OrderWork order;
  std::vector<std::vector<PatchCentre>> chosen;  // per sample of the pair
  std::vector<float> x;
  std::vector<float> y;

  /// The channel plane 0 of the sums holds (both sums hold the same planes).
  int first_channel() const { return truth_channel < 0 ? 0 : truth_channel; }
};

/// Reads the ground truth of train pair `pair_index` into work.truth_sums (only the plane of
/// `channel`, as a one-plane image, when it is ≥ 0; notes what it read in work.truth_pair /
/// truth_channel) and checks the file has the dataset's channels (its bounds were checked when
/// the dataset was loaded). Throws Error(kCorrupt / kIo) naming the file.
void read_pair_truth(const PatchRun& run, std::size_t pair_index, PairWork& work, int channel = -1);

/// Chooses the centres of the pair's samples in `share` (after read_pair_truth) into
/// work.chosen: one list per sample of the pair, empty for samples outside the share and for
/// samples without an eligible centre, which are named in a warning and counted in `skipped`
/// (under `mutex`); with `only` ≥ 0 just sample `only` of the pair (the others' lists are
/// emptied). Throws Error(kCancelled), Error(kInvalidArgument) for NaN in a float truth.
void choose_pair_centres(const PatchRun& run, std::size_t pair_index, SampleShare share,
                         PairWork& work, std::mutex& mutex, std::size_t& skipped,
                         const Reporter& reporter, int only = -1);

/// Reads the pair's input into work.input_sums (after read_pair_truth, the same planes as it);
/// Error(kCorrupt) when its shape differs from the ground truth's, else as read_sum_tiff.
void read_pair_input(const PatchRun& run, std::size_t pair_index, PairWork& work);

/// Cuts the patch of sample s (a channel, or 0 with all channels) at (y0, x0) from both sums,
/// normalised, into work.x (input) and work.y (target).
void cut_pair_patch(const PatchRun& run, int s, int y0, int x0, PairWork& work);

}  // namespace flamecare::detail
