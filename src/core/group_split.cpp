#include "core/group_split.hpp"

#include <algorithm>
#include <map>
#include <random>

#include "util/random.hpp"

namespace flamecare::detail {
namespace {

// reach[i][t]: groups i.. (in the shuffled order) can sum to exactly t images.
std::vector<std::vector<char>> reachable_sums(const std::vector<std::size_t>& sizes,
                                              std::size_t n) {
  std::vector<std::vector<char>> reach(sizes.size() + 1, std::vector<char>(n + 1, 0));
  reach[sizes.size()][0] = 1;
  for (std::size_t i = sizes.size(); i-- > 0;) {
    for (std::size_t t = 0; t <= n; ++t) {
      reach[i][t] = reach[i + 1][t] || (t >= sizes[i] && reach[i + 1][t - sizes[i]]);
    }
  }
  return reach;
}

// The reachable total closest to `target` (ties: the smaller) in [1, n − smallest group], so at
// least one group is held out and one kept.
std::size_t best_total(const std::vector<char>& reach, std::size_t target, std::size_t max_total) {
  std::size_t best = 0;
  for (std::size_t t = 1; t <= max_total; ++t) {
    if (!reach[t]) continue;
    const auto distance = [&](std::size_t v) { return v > target ? v - target : target - v; };
    if (best == 0 || distance(t) < distance(best)) best = t;
  }
  return best;
}

}  // namespace

std::vector<std::int64_t> choose_group_ids(const std::vector<GroupedId>& images, std::size_t target,
                                           std::uint64_t seed) {
  std::map<std::string, std::vector<std::int64_t>> by_group;  // sorted by name
  for (const GroupedId& image : images) by_group[image.group].push_back(image.id);
  if (by_group.size() < 2 || target == 0) return {};
  std::vector<const std::vector<std::int64_t>*> groups;
  for (const auto& [name, ids] : by_group) groups.push_back(&ids);
  std::mt19937_64 rng(seed);
  shuffle(groups, rng);

  std::vector<std::size_t> sizes;
  std::size_t smallest = images.size();
  for (const auto* g : groups) {
    sizes.push_back(g->size());
    smallest = std::min(smallest, g->size());
  }
  const std::size_t n = images.size();
  if (smallest == 1 && sizes.size() == n) {
    // Every group one image: the first clamp(target, 1, n − 1) groups of the shuffled order, the
    // choice the general search below makes, without its n² table.
    std::vector<std::int64_t> chosen;
    for (std::size_t i = 0; i < std::min(target, n - 1); ++i) chosen.push_back(groups[i]->front());
    std::sort(chosen.begin(), chosen.end());
    return chosen;
  }
  const auto reach = reachable_sums(sizes, n);
  // Holding out every image but the smallest group's is the most that keeps one group.
  std::size_t remaining = best_total(reach[0], target, n - smallest);
  std::vector<std::int64_t> chosen;
  for (std::size_t i = 0; i < groups.size() && remaining > 0; ++i) {
    if (sizes[i] <= remaining && reach[i + 1][remaining - sizes[i]]) {
      chosen.insert(chosen.end(), groups[i]->begin(), groups[i]->end());
      remaining -= sizes[i];
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace flamecare::detail
