// `create-merge`: the shards' states checked and merged, then the end of `create` (create_steps).
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "flamecare/create_shards.hpp"
#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "pipeline/create_plan_file.hpp"
#include "pipeline/create_publish.hpp"
#include "pipeline/create_steps.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
using namespace detail;  // NOLINT: this file strings the create steps together

namespace {

std::string shown(const fs::path& path) { return printable(path.string()); }

std::string ks(const std::vector<int>& shards, int n) {
  std::string text;
  for (const int k : shards) text += fmt::format("{}{}/{}", text.empty() ? "" : ", ", k, n);
  return text;
}

// The ids of shard k of n, as create_shard takes them.
std::set<std::int64_t> share_ids(const CreatePlan& plan, int k, int n) {
  std::set<std::int64_t> ids;
  for (std::size_t i = std::size_t(k - 1); i < plan.images.size(); i += std::size_t(n))
    ids.insert(plan.images[i].id);
  return ids;
}

// A state that does not belong to this plan's current shards, or the reason it does not.
std::optional<std::string> stale_reason(const CreatePlan& plan, const ShardState& s, int k, int n) {
  if (s.fingerprint != plan.fingerprint)
    return fmt::format("made for another plan (fingerprint {}, this plan's {})",
                       printable(s.fingerprint), plan.fingerprint);
  if (s.shard != k || s.shards != n) return "its content names another shard";
  std::set<std::int64_t> ids;
  for (const auto& [id, shape] : s.summed) ids.insert(id);
  for (const FailedImage& f : s.failed) ids.insert(f.id);
  if (ids != share_ids(plan, k, n)) return "its images are not the shard's share of this plan";
  for (const auto& [id, shape] : s.summed) {
    if (shape.channels != plan.images.front().channels)
      return fmt::format("image {} has {} channels, the plan's images {}", id, shape.channels,
                         plan.images.front().channels);
  }
  return std::nullopt;
}

using StatesByCount = std::map<int, std::map<int, ShardState>>;  // N → K → state

// The states in the plan's shards dir that belong to it, by N and K; throws Error(kCorrupt)
// naming the stale or unreadable ones.
StatesByCount read_states(const CreatePlan& plan) {
  const fs::path dir = plan.staging / "shards";
  StatesByCount by_n;
  std::vector<std::string> stale;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto kn = parse_shard_state_name(it->path().filename().string());
    if (!kn) continue;  // a state being written (temporary file), or not ours
    ShardState s =
        parse_shard_state(read_regular_file(it->path(), kMaxPlanBytes), it->path().string());
    if (const auto why = stale_reason(plan, s, kn->first, kn->second)) {
      stale.push_back(
          fmt::format("shard {}/{} ({}): {}", kn->first, kn->second, shown(it->path()), *why));
      continue;
    }
    by_n[kn->second][kn->first] = std::move(s);
  }
  if (!stale.empty()) {
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: stale shard state{}, nothing was written:\n  {}\nremove {} and "
                            "run those shards again",
                            shown(plan.path), stale.size() == 1 ? "" : "s",
                            fmt::join(stale, "\n  "), stale.size() == 1 ? "it" : "them"));
  }
  return by_n;
}

// Every shard state of the plan; they must be one complete set 1..N made for it.
std::vector<ShardState> complete_states(const CreatePlan& plan) {
  StatesByCount by_n = read_states(plan);
  const std::string plan_name = shown(plan.path);
  const fs::path dir = plan.staging / "shards";
  if (by_n.empty()) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: no shard has finished (no state in {}); run create-shard {} "
                            "--shard K/N for K = 1..N first; nothing was written",
                            plan_name, shown(dir), plan_name));
  }
  if (by_n.size() > 1) {
    std::vector<std::string> sets;
    for (const auto& [n, states] : by_n) {
      std::vector<int> k;
      for (const auto& [shard, state] : states) k.push_back(shard);
      sets.push_back(fmt::format("{} of {} ({})", states.size(), n, ks(k, n)));
    }
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: shard states of different shard counts: {}; the states of all "
                            "but one count are stale: remove them from {}; nothing was written",
                            plan_name, fmt::join(sets, ", "), shown(dir)));
  }
  const auto& [n, states] = *by_n.begin();
  std::vector<int> missing;
  for (int k = 1; k <= n; ++k)
    if (!states.contains(k)) missing.push_back(k);
  if (!missing.empty()) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: shard{} {} of {} not finished (no state file); run create-shard "
                            "{} --shard {}; nothing was written",
                            plan_name, missing.size() == 1 ? "" : "s", ks(missing, n), n, plan_name,
                            ks({missing.front()}, n)));
  }
  std::vector<ShardState> out;
  for (auto& [k, s] : by_n.begin()->second) out.push_back(std::move(s));
  return out;
}

std::vector<fs::path> sum_files(const CreateOptions& o, const fs::path& dir, Split split,
                                std::int64_t id) {
  return {
      dataset_image_path(dir, split, id, input_frame_range(o.input_frames), o.pairing),
      dataset_image_path(dir, split, id, target_frame_range(o.pairing, o.input_frames, o.gt_frames),
                         o.pairing)};
}

// A merge killed after moving the test TIFFs (or whose publishing was taken back) left them in
// test/: back to train/, where the shards wrote them.
void undo_split(const CreatePlan& plan) {
  const fs::path data = plan_data_dir(plan);
  for (const CreatePlanImage& image : plan.images) {
    const auto test = sum_files(plan.options, data, Split::kTest, image.id);
    const auto train = sum_files(plan.options, data, Split::kTrain, image.id);
    for (std::size_t i = 0; i < test.size(); ++i) {
      std::error_code ec;
      if (fs::exists(fs::symlink_status(test[i], ec))) fs::rename(test[i], train[i]);
    }
  }
}

// Every summed image's TIFFs exist; throws Error(kNotFound) naming the shard to run again.
void require_sums(const CreatePlan& plan, const std::vector<ShardState>& states) {
  for (const ShardState& s : states) {
    for (const auto& [id, shape] : s.summed) {
      for (const fs::path& p : sum_files(plan.options, plan_data_dir(plan), Split::kTrain, id)) {
        std::error_code ec;
        if (!fs::is_regular_file(fs::symlink_status(p, ec))) {
          throw Error(ErrorKind::kNotFound,
                      fmt::format("{}: shard {}/{} finished but its sum {} is missing; run "
                                  "create-shard {} --shard {}/{} again; nothing was written",
                                  shown(plan.path), s.shard, s.shards, shown(p), shown(plan.path),
                                  s.shard, s.shards));
        }
      }
    }
  }
}

// Only the summed images' TIFFs are published: anything else under data/ (temporary files of
// killed shards, sums of images whose shard later failed them) is removed.
void sweep_data_dir(const CreatePlan& plan, const std::set<fs::path>& keep) {
  const fs::path data = plan_data_dir(plan);
  const fs::path train = data / split_name(Split::kTrain);
  std::vector<fs::path> strays;
  std::error_code ec;
  for (fs::directory_iterator it(data, ec), end; !ec && it != end; it.increment(ec))
    if (it->path() != train) strays.push_back(it->path());
  for (fs::directory_iterator it(train, ec), end; !ec && it != end; it.increment(ec))
    if (!keep.contains(it->path())) strays.push_back(it->path());
  for (const fs::path& p : strays) fs::remove_all(p);
}

Accumulated merged(const CreatePlan& plan, const std::vector<ShardState>& states) {
  const int channels = plan.images.front().channels;
  Accumulated acc{{}, {}, PixelStats(channels), PixelStats(channels), {}, {}};
  for (const ShardState& s : states) {
    acc.input.merge(PixelStats::from_state(s.input));
    acc.truth.merge(PixelStats::from_state(s.truth));
    for (const auto& [id, shape] : s.summed) acc.shapes[id] = shape;
    acc.failed.insert(acc.failed.end(), s.failed.begin(), s.failed.end());
  }
  for (const CreatePlanImage& i : plan.images) {
    if (!acc.shapes.contains(i.id)) continue;
    acc.images.push_back(i);
  }
  return acc;
}

CreateResult merge_checked(const fs::path& plan_file, int threads, const Reporter& reporter) {
  const CreatePlan plan = read_create_plan(plan_file);
  const CreateOptions& o = plan.options;
  const FileLock lock(o.datasets_dir / ".create.lock", reporter);
  clean_interrupted_creates(o.out_dir, o.datasets_dir, reporter);
  std::error_code ec;
  if (const auto name = merged_into(plan)) {
    // A merge killed after publishing, before removing the plan: finish its clean-up.
    fs::remove(plan.path, ec);
    fs::remove_all(plan.staging, ec);
    throw Error(ErrorKind::kAlreadyExists,
                fmt::format("{}: this plan was merged into dataset {} already; removed the plan",
                            shown(plan_file), printable(*name)));
  }
  if (!fs::is_directory(plan_data_dir(plan), ec)) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: the plan's sums {} are gone (removed, or taken back after a "
                            "merge was killed while publishing): run every shard again; nothing "
                            "was written",
                            shown(plan_file), shown(plan_data_dir(plan))));
  }
  const std::vector<ShardState> states = complete_states(plan);
  undo_split(plan);
  require_sums(plan, states);
  Accumulated acc = merged(plan, states);
  std::set<fs::path> keep;
  for (const PlannedImage& image : acc.images)
    for (const fs::path& p : sum_files(o, plan_data_dir(plan), Split::kTrain, image.id))
      keep.insert(p);
  sweep_data_dir(plan, keep);
  test_point("create-merge:checked");
  reporter.info(fmt::format("merging {} shards of {}: {} of {} images summed", states.size(),
                            plan.name, acc.images.size(), plan.images.size()));
  // The plan's name when every image was summed; else the name one create run would give.
  const bool all = acc.images.size() == plan.images.size();
  const Naming naming{all ? plan.name : base_name(o, acc.images.size()), plan.id, plan.path};
  CreateResult result = finish_dataset(o, {}, std::move(acc), plan.skipped, plan.images.size(),
                                       plan_data_dir(plan), naming, threads, reporter);
  test_point("create-merge:published");
  fs::remove(plan.path, ec);  // the dataset now holds the name; a plan left here fails to merge
  fs::remove_all(plan.staging, ec);
  return result;
}

}  // namespace

CreateResult create_merge(const fs::path& plan, int threads, const Reporter& reporter) {
  return io_errors([&] { return merge_checked(plan, threads, reporter); });
}

}  // namespace flamecare
