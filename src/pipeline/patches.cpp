// `patches`: dataset train pairs → normalised, background-filtered, shuffled patches in an .npz.
#include "flamecare/patches.hpp"

#include <algorithm>
#include <mutex>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/npz.hpp"
#include "flamecare/patch_core.hpp"
#include "flamecare/sum_tiff.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/patch_dataset.hpp"
#include "pipeline/patch_samples.hpp"
#include "pipeline/patch_sampling.hpp"
#include "pipeline/patch_store.hpp"
#include "util/parallel.hpp"
#include "util/random.hpp"

namespace flamecare {
namespace fs = std::filesystem;
using detail::NormalizedImage;

namespace {

// One patch: where it came from and where its pixels wait in the store.
struct PatchRecord {
  std::size_t sample = 0;                 // index over (train pair, channel) samples
  std::size_t rank = 0;                   // position among its sample's patches
  std::size_t slot = 0;                   // store slot
  std::int32_t coords[4] = {0, 0, 0, 0};  // image id, channel or −1, y0, x0
};

void validate(const PatchOptions& o) {
  auto bad = [](const std::string& what) { throw Error(ErrorKind::kInvalidArgument, what); };
  if (o.patch_size < 2) bad(fmt::format("--patch-size must be at least 2, got {}", o.patch_size));
  if (o.patch_multiple < 1)
    bad(fmt::format("--patch-multiple must be at least 1, got {}", o.patch_multiple));
  if (o.patches_per_image && *o.patches_per_image < 1)
    bad("--patches-per-image must be at least 1");
  if (!(o.background_threshold >= 0.0 && o.background_threshold <= 1.0)) {
    bad(fmt::format("--background-threshold must be in [0, 1], got {}", o.background_threshold));
  }
}

// Copies one patch (channels [c0, c0 + n)) at (y0, x0) of size P out of a normalised image.
std::vector<float> cut(const NormalizedImage& image, int c0, int n, int y0, int x0, int p) {
  std::vector<float> out(std::size_t(n) * std::size_t(p) * std::size_t(p));
  auto it = out.begin();
  for (int c = c0; c < c0 + n; ++c) {
    for (int y = y0; y < y0 + p; ++y) {
      const float* row = &image.at(c, y, x0);
      it = std::copy(row, row + p, it);
    }
  }
  return out;
}

struct Plan {
  const detail::PatchDataset& data;
  const PatchOptions& options;
  std::size_t per_sample = 0;
  int sample_channels = 1;  // C' of each patch
  int samples_per_pair = 1;
};

// Normalises one train pair, picks each of its samples' centres and stores their patches.
void process_pair(const Plan& plan, std::size_t pair_index, detail::PatchStore& store,
                  std::mutex& mutex, std::vector<PatchRecord>& records, std::size_t& skipped,
                  const Reporter& reporter) {
  const auto& pair = plan.data.train[pair_index];
  const NormalizedImage truth = detail::normalize_image(read_sum_tiff(pair.ground_truth),
                                                        plan.data.truth_p1, plan.data.truth_p99);
  const NormalizedImage input =
      detail::normalize_image(read_sum_tiff(pair.input), plan.data.input_p1, plan.data.input_p99);
  if (truth.height != input.height || truth.width != input.width ||
      truth.channels != plan.data.channels) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: shape differs from its pair {}",
                                                 pair.ground_truth.string(), pair.input.string()));
  }
  const int p = plan.options.patch_size;
  for (int s = 0; s < plan.samples_per_pair; ++s) {
    const std::size_t sample = pair_index * std::size_t(plan.samples_per_pair) + std::size_t(s);
    const bool all = plan.options.all_channels;
    const auto centres =
        all ? detail::eligible_centres_all_channels(truth, p, plan.options.background_threshold)
            : eligible_centres(truth.plane(s), truth.height, truth.width, p,
                               plan.options.background_threshold);
    if (centres.empty()) {
      reporter.warn(fmt::format(
          "{}: {}no patch centre passes the background threshold {}; sample skipped",
          pair.ground_truth.filename().string(), all ? "" : fmt::format("channel {}: ", s),
          plan.options.background_threshold));
      std::lock_guard lock(mutex);
      ++skipped;
      continue;
    }
    std::mt19937_64 rng(detail::sample_seed(plan.options.seed, sample));
    const auto chosen = sample_centres(centres, plan.per_sample, rng);
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      const int y0 = chosen[k].y - p / 2, x0 = chosen[k].x - p / 2;
      const int c0 = all ? 0 : s;
      const auto x = cut(input, c0, plan.sample_channels, y0, x0, p);
      const auto y = cut(truth, c0, plan.sample_channels, y0, x0, p);
      PatchRecord record{sample, k, 0, {pair.id, all ? -1 : s, y0, x0}};
      {
        std::lock_guard lock(mutex);
        record.slot = records.size();
        records.push_back(record);
      }
      store.write(record.slot, x, y);
    }
  }
}

// Streams the stored patches into the npz in `order`.
std::uint64_t write_npz(const fs::path& path, const std::vector<PatchRecord>& order,
                        const detail::PatchStore& store, int channels, int p, bool force_zip64) {
  NpzWriter npz(path, force_zip64);
  const std::vector<std::size_t> shape = {order.size(), std::size_t(channels), std::size_t(p),
                                          std::size_t(p)};
  std::vector<float> patch(store.patch_bytes() / sizeof(float));
  for (int which = 0; which < 2; ++which) {
    npz.begin_array(which == 0 ? "X" : "Y", PixelType::kFloat32, shape);
    for (const auto& record : order) {
      store.read(which, record.slot, patch);
      npz.append(std::as_bytes(std::span<const float>(patch)));
    }
    npz.end_array();
  }
  npz.add_unicode_scalar("axes", "SCYX");
  npz.begin_array("coords", PixelType::kInt32, {order.size(), 4});
  for (const auto& record : order)
    npz.append(std::as_bytes(std::span<const std::int32_t>(record.coords)));
  npz.end_array();
  npz.commit();
  std::error_code ec;
  return fs::file_size(path, ec);
}

nlohmann::json patch_config(const detail::PatchDataset& data, const PatchOptions& o,
                            const PatchResult& r, int channels) {
  nlohmann::json config = data.json;
  config["Patch_Config"] = {{"npz_name", r.npz.filename().string()},
                            {"n_patches", r.n_patches},
                            {"patch_size", o.patch_size},
                            {"patch_axes", "SCYX"},
                            {"patch_shape", {r.n_patches, channels, o.patch_size, o.patch_size}},
                            {"patch_multiple", o.patch_multiple},
                            {"n_patch_per_im", r.patches_per_image},
                            {"background_patch_threshold", o.background_threshold},
                            {"seed", o.seed},
                            {"channels_one_by_one", !o.all_channels},
                            {"n_samples", r.n_samples},
                            {"n_skipped_samples", r.n_skipped},
                            {"y_max", data.max_height},
                            {"x_max", data.max_width},
                            {"coords_columns", {"image_id", "channel", "y0", "x0"}},
                            {"tool", std::string("flamecare ") + FLAMECARE_VERSION}};
  return config;
}

PatchResult make_patches_checked(const PatchOptions& o, const Reporter& reporter) {
  validate(o);
  const detail::PatchDataset data =
      detail::load_patch_dataset(o.dataset, o.datasets_dir, o.data_dir);
  Plan plan{data, o};
  plan.per_sample = o.patches_per_image ? std::size_t(*o.patches_per_image)
                                        : std::size_t(data.max_height / o.patch_size) *
                                              std::size_t(o.patch_multiple);
  if (plan.per_sample == 0) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: patch size {} is larger than the largest image height {}",
                            data.name, o.patch_size, data.max_height));
  }
  plan.sample_channels = o.all_channels ? data.channels : 1;
  plan.samples_per_pair = o.all_channels ? 1 : data.channels;

  PatchResult result;
  result.patches_per_image = plan.per_sample;
  result.n_samples = data.train.size() * std::size_t(plan.samples_per_pair);
  const fs::path out_dir = (o.out_dir.empty() ? data.data_root : o.out_dir) / data.name;
  fs::create_directories(out_dir);
  const std::string chan = o.all_channels ? "All" : "1";
  result.npz = out_dir / fmt::format("{}_patch{}_{}PpI_{}Chan.npz", data.name, o.patch_size,
                                     plan.per_sample, chan);
  if (fs::exists(result.npz)) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: already exists; not overwriting (remove it or use another --out)",
                            result.npz.string()));
  }
  detail::PatchStore store(out_dir, std::size_t(plan.sample_channels) * std::size_t(o.patch_size) *
                                        std::size_t(o.patch_size) * sizeof(float));
  std::vector<PatchRecord> records;
  std::mutex mutex;
  std::size_t done = 0;
  reporter.progress("patches", 0, data.train.size());
  detail::parallel_for(data.train.size(), o.threads, [&](std::size_t i) {
    process_pair(plan, i, store, mutex, records, result.n_skipped, reporter);
    std::lock_guard lock(mutex);
    reporter.progress("patches", ++done, data.train.size());
  });
  if (records.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: no sample has a patch centre above the background "
                            "threshold {}; nothing written",
                            data.name, o.background_threshold));
  }
  // Canonical order first (independent of thread timing), then one seeded shuffle.
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.sample, a.rank) < std::tie(b.sample, b.rank);
  });
  std::mt19937_64 rng(o.seed);
  detail::shuffle(records, rng);
  result.n_patches = records.size();
  reporter.info(fmt::format("writing {} patches to {}", records.size(), result.npz.string()));
  result.npz_bytes =
      write_npz(result.npz, records, store, plan.sample_channels, o.patch_size, o.force_zip64);

  const nlohmann::json config = patch_config(data, o, result, plan.sample_channels);
  result.config = out_dir / fmt::format("{}Chan_patch_config.json", chan);
  detail::write_file_atomic(result.config, config.dump(2) + "\n");
  detail::write_file_atomic(fs::path(result.npz).replace_extension(".json"), config.dump(2) + "\n");
  std::vector<detail::SamplePatch> first;
  for (std::size_t i = 0; i < std::min<std::size_t>(16, records.size()); ++i) {
    first.push_back(
        {records[i].slot,
         {records[i].coords[0], records[i].coords[1], records[i].coords[2], records[i].coords[3]}});
  }
  result.samples1 = out_dir / "patch_samples1.png";
  result.samples2 = out_dir / "patch_samples2.png";
  detail::write_patch_samples(result.samples1, result.samples2, data.name, first, store,
                              plan.sample_channels, o.patch_size);
  return result;
}

}  // namespace

PatchResult make_patches(const PatchOptions& options, const Reporter& reporter) {
  try {
    return make_patches_checked(options, reporter);
  } catch (const fs::filesystem_error& e) {
    throw Error(ErrorKind::kIo, fmt::format("{}: {}", e.path1().string(), e.code().message()));
  }
}

}  // namespace flamecare
