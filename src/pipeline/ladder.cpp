// Step-wise denoising datasets: consecutive rungs of a frame ladder, one shared split.
#include <fmt/format.h>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "pipeline/create_plan.hpp"
#include "util/random.hpp"

namespace flamecare {

std::vector<CreateResult> create_ladder(const CreateOptions& options, const std::vector<int>& rungs,
                                        const Reporter& reporter) {
  if (rungs.size() < 2) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("a frame ladder needs at least two rungs, got {}", rungs.size()));
  }
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    if (rungs[i] < 1 || (i > 0 && rungs[i] <= rungs[i - 1])) {
      throw Error(ErrorKind::kInvalidArgument,
                  fmt::format("frame ladder rungs must be increasing and at least 1; rung {} is {}",
                              i + 1, rungs[i]));
    }
  }
  if (options.pairing == Pairing::kDisjoint) {
    throw Error(ErrorKind::kInvalidArgument,
                "a frame ladder cannot use disjoint pairing: its rungs are nested by construction "
                "(each rung's sum contains the one below); make disjoint pairs one dataset at a "
                "time");
  }
  CreateOptions pair = options;
  // One seed and one image set for every rung pair, so all pairs split the same way.
  if (!pair.seed) pair.seed = detail::fresh_seed();
  pair.min_frames = rungs.back();
  std::vector<CreateResult> results;
  for (std::size_t i = 0; i + 1 < rungs.size(); ++i) {
    pair.input_frames = rungs[i];
    pair.gt_frames = rungs[i + 1];
    reporter.info(fmt::format("ladder rung {}/{}: {} → {} frames", i + 1, rungs.size() - 1,
                              rungs[i], rungs[i + 1]));
    try {
      results.push_back(detail::create_rung(pair, rungs, reporter));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kCancelled || results.empty()) throw;
      // The pairs made before the interruption are complete datasets and stay; say which.
      std::string done;
      for (const auto& r : results) done += (done.empty() ? "" : ", ") + r.name;
      throw Error(
          ErrorKind::kCancelled,
          fmt::format("cancelled; kept the complete datasets {}; nothing else was written", done));
    }
  }
  return results;
}

}  // namespace flamecare
