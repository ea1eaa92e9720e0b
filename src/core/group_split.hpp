#pragma once
// Choosing whole groups of images for one side of a split (test images at create time, validation
// images at patch and export time), so no group is ever on both sides.
#include <cstdint>
#include <string>
#include <vector>

namespace flamecare::detail {

/// One image and the group it belongs to.
struct GroupedId {
  std::int64_t id = 0;
  std::string group;
};

/// Picks whole groups for the held-out side: their image count T is the one closest to
/// `target` (ties: the smaller T) among the counts whole groups can make with at least one group
/// held out and at least one group kept (when there are two groups or more and target ≥ 1; with
/// one group, or target 0, nothing is held out). Among the group sets reaching T the one chosen
/// follows a seeded random order of the groups (groups sorted by name, then shuffled with the
/// seed; each group is taken when the rest can still reach T), so the same ids, groups and seed
/// give the same choice. Returns the held-out ids, sorted ascending.
std::vector<std::int64_t> choose_group_ids(const std::vector<GroupedId>& images, std::size_t target,
                                           std::uint64_t seed);

}  // namespace flamecare::detail
