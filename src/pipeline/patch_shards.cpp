// `patches` in shards: plan_patches decides, patches_shard cuts a round-robin share of the
// samples into its own store, patches_merge streams every shard's store into the npz in the
// single run's order. Cutting, ordering and writing are the single run's own functions
// (patch_run.hpp), which is what makes the outputs identical.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/patches.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/patch_plan.hpp"
#include "pipeline/patch_run.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
using detail::PatchRecord;

namespace {

constexpr const char* kStateFormat = "flamecare patches shard";
// A state lists every patch of the shard (about 80 bytes each).
constexpr std::uint64_t kMaxStateBytes = std::uint64_t(4) << 30;

// `<out dir>/<npz stem>.shard-<k>-of-<n>` + suffix: the state (.json) and store (.X.bin, .Y.bin).
fs::path shard_file(const detail::PatchRun& run, int k, int n, const std::string& suffix) {
  return run.out_dir / fmt::format("{}.shard-{}-of-{}{}", run.npz.stem().string(), k, n, suffix);
}

// The (k, n) of a state file's name for this run, nullopt for any other name.
std::optional<std::pair<int, int>> shard_of(const detail::PatchRun& run, const std::string& name) {
  const std::string prefix = run.npz.stem().string() + ".shard-";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  int k = 0, n = 0;
  const std::string rest = name.substr(prefix.size());
  if (std::sscanf(rest.c_str(), "%d-of-%d.json", &k, &n) != 2 ||
      rest != fmt::format("{}-of-{}.json", k, n) || k < 1 || k > n)
    return std::nullopt;
  return std::pair{k, n};
}

void remove_shard_files(const detail::PatchRun& run, int k, int n) {
  std::error_code ec;
  for (const char* suffix : {".json", ".X.bin", ".Y.bin"})
    fs::remove(shard_file(run, k, n, suffix), ec);
}

// One finished shard as its state file gives it.
struct ShardState {
  int k = 0;
  int n = 0;
  std::size_t skipped = 0;
  std::vector<PatchRecord> records;  // slots are the shard store's
  std::vector<std::uint32_t> crcs[2];
};

void write_state(const fs::path& path, const std::string& fingerprint, int k, int n,
                 const std::vector<PatchRecord>& records, const detail::PatchStore& store,
                 std::size_t skipped) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : records) {
    rows.push_back({r.sample, r.rank, r.slot, r.coords[0], r.coords[1], r.coords[2], r.coords[3],
                    store.crc(0, r.slot), store.crc(1, r.slot)});
  }
  const nlohmann::json state = {
      {"format", kStateFormat},
      {"fingerprint", fingerprint},
      {"shard", k},
      {"shards", n},
      {"n_skipped", skipped},
      {"patch_bytes", store.patch_bytes()},
      {"records_columns",
       {"sample", "rank", "slot", "image_id", "channel", "y0", "x0", "crc_x", "crc_y"}},
      {"records", rows}};
  detail::write_json_file(path, state, /*no_clobber=*/false);
}

// Reads a state; a state of another plan is stale. Throws Error(kCorrupt) naming the file.
ShardState read_state(const fs::path& path, const detail::LoadedPlan& plan, int k, int n) {
  const std::string name = detail::printable(path.string());
  ShardState s;
  s.k = k;
  s.n = n;
  try {
    const auto state = nlohmann::json::parse(detail::read_regular_file(path, kMaxStateBytes));
    if (state.value("format", "") != kStateFormat || state.at("shard") != k ||
        state.at("shards") != n || state.at("patch_bytes") != plan.run.patch_bytes) {
      throw Error(ErrorKind::kCorrupt, fmt::format("{}: not the state of shard {}/{}", name, k, n));
    }
    if (state.at("fingerprint") != plan.fingerprint) {
      throw Error(ErrorKind::kCorrupt,
                  fmt::format("{}: stale: shard {}/{} was cut for another plan; run "
                              "patches-shard {} --shard {}/{} again",
                              name, k, n, detail::printable(plan.path.string()), k, n));
    }
    s.skipped = state.at("n_skipped").get<std::size_t>();
    const detail::SampleShare share{std::size_t(k - 1), std::size_t(n)};
    const auto& rows = state.at("records");
    // Slots are given in the order the threads stored patches: each once, 0 … rows − 1.
    std::vector<bool> seen(rows.size());
    for (int i = 0; i < 2; ++i) s.crcs[i].resize(rows.size());
    for (const auto& row : rows) {
      PatchRecord r{row.at(0).get<std::size_t>(), row.at(1).get<std::size_t>(),
                    row.at(2).get<std::size_t>()};
      for (int i = 0; i < 4; ++i) r.coords[i] = row.at(3 + i).get<std::int32_t>();
      if (!share.has(r.sample) || r.sample >= plan.run.n_samples() || r.slot >= rows.size() ||
          seen[r.slot]) {
        throw Error(ErrorKind::kCorrupt, fmt::format("{}: record {} does not belong to shard {}/{}",
                                                     name, s.records.size(), k, n));
      }
      seen[r.slot] = true;
      s.crcs[0][r.slot] = row.at(7).get<std::uint32_t>();
      s.crcs[1][r.slot] = row.at(8).get<std::uint32_t>();
      s.records.push_back(r);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: damaged shard state: {}", name, e.what()));
  }
  return s;
}

// The shard states next to the plan, when they form a complete set 1…n of one n.
std::vector<ShardState> complete_shards(const detail::LoadedPlan& plan) {
  const std::string plan_name = detail::printable(plan.path.string());
  std::map<int, std::set<int>> found;  // n → the k present
  for (const auto& entry : fs::directory_iterator(plan.run.out_dir)) {
    if (const auto kn = shard_of(plan.run, entry.path().filename().string()))
      found[kn->second].insert(kn->first);
  }
  if (found.empty()) {
    throw Error(
        ErrorKind::kNotFound,
        fmt::format("{}: no shard has finished (no {}); run patches-shard {} --shard K/N "
                    "for K = 1 … N first",
                    plan_name, shard_file(plan.run, 1, 1, ".json").filename().string(), plan_name));
  }
  if (found.size() > 1) {
    const int stale = found.begin()->first, other = std::next(found.begin())->first;
    throw Error(ErrorKind::kCorrupt,
                fmt::format("{}: stale shards: states of {} shards ({}) next to states of {} "
                            "shards; remove the files of the count not in use",
                            plan_name, stale,
                            shard_file(plan.run, *found.begin()->second.begin(), stale, ".json")
                                .filename()
                                .string(),
                            other));
  }
  const auto& [n, present] = *found.begin();
  for (int k = 1; k <= n; ++k) {
    if (!present.contains(k)) {
      throw Error(ErrorKind::kNotFound,
                  fmt::format("{}: shard {}/{} has not finished (no {}); run patches-shard {} "
                              "--shard {}/{}",
                              plan_name, k, n,
                              detail::printable(shard_file(plan.run, k, n, ".json").string()),
                              plan_name, k, n));
    }
  }
  std::vector<ShardState> shards;
  for (int k = 1; k <= n; ++k)
    shards.push_back(read_state(shard_file(plan.run, k, n, ".json"), plan, k, n));
  return shards;
}

// Every shard's store, seen as one: the merge's slots number the shards' slots one after another.
class ShardStores : public detail::PatchSource {
 public:
  void add(std::unique_ptr<detail::PatchStore> store, std::size_t slots) {
    starts_.push_back(total_);
    total_ += slots;
    stores_.push_back(std::move(store));
  }
  std::size_t total() const { return total_; }
  void read(int which, std::size_t slot, std::span<float> out) const override {
    const auto [i, local] = locate(slot);
    stores_[i]->read(which, local, out);
  }
  void append_to(NpzWriter& npz, int which, std::size_t slot) const override {
    const auto [i, local] = locate(slot);
    stores_[i]->append_to(npz, which, local);
  }

 private:
  std::pair<std::size_t, std::size_t> locate(std::size_t slot) const {
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), slot) - 1;
    const auto i = static_cast<std::size_t>(it - starts_.begin());
    return {i, slot - *it};
  }
  std::vector<std::unique_ptr<detail::PatchStore>> stores_;
  std::vector<std::size_t> starts_;
  std::size_t total_ = 0;
};

PatchResult merge_checked(const fs::path& plan_path, const Reporter& reporter) {
  const detail::LoadedPlan plan = detail::load_patch_plan(plan_path, 0, reporter);
  const detail::PatchRun& run = plan.run;
  PatchResult result = detail::start_result(run);
  // The single run's lock: a merge and a run in the same folder never race for the npz name.
  const detail::FileLock lock(run.out_dir / ".patches.lock", reporter);
  detail::remove_stale_patch_files(run.out_dir, reporter);
  detail::require_outputs_absent(run);
  std::vector<ShardState> shards = complete_shards(plan);
  const int n = shards.front().n;
  ShardStores source;
  std::vector<PatchRecord> records;
  for (ShardState& s : shards) {
    for (PatchRecord r : s.records) {
      r.slot += source.total();
      records.push_back(r);
    }
    result.n_skipped += s.skipped;
    source.add(detail::PatchStore::open(shard_file(run, s.k, n, ".X.bin"),
                                        shard_file(run, s.k, n, ".Y.bin"), run.patch_bytes, s.crcs),
               s.records.size());
  }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.sample, a.rank) < std::tie(b.sample, b.rank);
  });
  reporter.info(
      fmt::format("merging {} patches of {} shards with seed {}", records.size(), n, run.seed));
  detail::finish_patches(run, std::move(records), source, result, reporter);
  detail::test_point("patches-merge:written");
  for (int k = 1; k <= n; ++k) remove_shard_files(run, k, n);
  return result;
}

// Filesystem errors as Error(kIo) naming the path.
template <typename F>
auto io_errors(F&& f) {
  try {
    return f();
  } catch (const fs::filesystem_error& e) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: {}", detail::printable(e.path1().string()), e.code().message()));
  }
}

}  // namespace

PatchesPlan plan_patches(const PatchOptions& options, const Reporter& reporter) {
  return io_errors([&] {
    const detail::PatchRun run = detail::prepare_patch_run(options, reporter);
    fs::create_directories(run.out_dir);
    const detail::FileLock lock(run.out_dir / ".patches.lock", reporter);
    detail::require_outputs_absent(run);
    detail::check_patch_resources(
        run.out_dir,
        static_cast<long double>(run.n_samples()) * static_cast<long double>(run.per_sample),
        run.patch_bytes, /*stored=*/true);
    PatchesPlan plan;
    plan.path = detail::patch_plan_path(run);
    plan.npz = run.npz;
    plan.seed = run.seed;
    plan.n_samples = run.n_samples();
    plan.fingerprint = detail::write_patch_plan(plan.path, run);
    reporter.info(fmt::format("planned {} samples, up to {} patches each, seed {}: {}",
                              plan.n_samples, run.per_sample, run.seed,
                              detail::printable(plan.path.string())));
    return plan;
  });
}

PatchShardResult patches_shard(const fs::path& plan_path, int shard, int shards, int threads,
                               const Reporter& reporter) {
  if (shards < 1 || shard < 1 || shard > shards) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("shard must be K/N with 1 <= K <= N, got {}/{}", shard, shards));
  }
  return io_errors([&] {
    const detail::LoadedPlan plan = detail::load_patch_plan(plan_path, threads, reporter);
    const detail::PatchRun& run = plan.run;
    const detail::SampleShare share{std::size_t(shard - 1), std::size_t(shards)};
    PatchShardResult result;
    result.state = shard_file(run, shard, shards, ".json");
    result.shard = shard;
    result.shards = shards;
    result.n_samples = detail::share_samples(run, share);
    // The state goes first: from here until the new one is written, this shard is unfinished.
    remove_shard_files(run, shard, shards);
    detail::PatchStore store(shard_file(run, shard, shards, ".X.tmp"),
                             shard_file(run, shard, shards, ".Y.tmp"), run.patch_bytes,
                             result.n_samples * run.per_sample);
    const std::vector<PatchRecord> records =
        detail::cut_patches(run, store, share, result.n_skipped, reporter);
    detail::test_point("patches-shard:cut");
    store.publish(shard_file(run, shard, shards, ".X.bin"),
                  shard_file(run, shard, shards, ".Y.bin"));
    write_state(result.state, plan.fingerprint, shard, shards, records, store, result.n_skipped);
    result.n_patches = records.size();
    return result;
  });
}

PatchResult patches_merge(const fs::path& plan, const Reporter& reporter) {
  return io_errors([&] { return merge_checked(plan, reporter); });
}

}  // namespace flamecare
