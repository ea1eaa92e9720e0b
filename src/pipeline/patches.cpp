// `patches`: dataset train pairs → normalised, background-filtered, shuffled patches in an .npz.
#include "flamecare/patches.hpp"

#include <algorithm>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/patch_core.hpp"
#include "flamecare/sum_tiff.hpp"
#include "io/atomic_file.hpp"
#include "io/sum_tiff_internal.hpp"
#include "pipeline/dataset_manage.hpp"
#include "pipeline/patch_dataset.hpp"
#include "pipeline/patch_outputs.hpp"
#include "pipeline/patch_sampling.hpp"
#include "pipeline/patch_store.hpp"
#include "util/parallel.hpp"
#include "util/random.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
using detail::NormalizedImage;
using detail::PatchRecord;

namespace {

void validate(const PatchOptions& o) {
  auto bad = [](const std::string& what) { throw Error(ErrorKind::kInvalidArgument, what); };
  if (o.patch_size < 2) bad(fmt::format("patch size must be at least 2, got {}", o.patch_size));
  if (o.patch_multiple < 1)
    bad(fmt::format("patch multiple must be at least 1, got {}", o.patch_multiple));
  if (o.patches_per_image && *o.patches_per_image < 1)
    bad(fmt::format("patches per image must be at least 1, got {}", *o.patches_per_image));
  if (!(o.background_threshold >= 0.0 && o.background_threshold <= 1.0)) {
    bad(fmt::format("background threshold must be in [0, 1], got {}", o.background_threshold));
  }
  if (o.threads < 0) bad(fmt::format("threads must be 0 (all cores) or more, got {}", o.threads));
  if (!(o.validation_fraction >= 0.0 && o.validation_fraction < 1.0))
    bad(fmt::format("validation fraction must be in [0, 1), got {}", o.validation_fraction));
}

// Moves the patches of the validation images out of `records` (keeping both in order).
std::vector<PatchRecord> take_validation(std::vector<PatchRecord>& records,
                                         const std::vector<std::int64_t>& validation_ids) {
  std::vector<PatchRecord> train, validation;
  for (const PatchRecord& r : records) {
    const bool held =
        std::binary_search(validation_ids.begin(), validation_ids.end(), std::int64_t(r.coords[0]));
    (held ? validation : train).push_back(r);
  }
  records = std::move(train);
  return validation;
}

// Refuses to overwrite an npz, before any work.
void require_absent(const fs::path& npz) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(npz, ec))) {
    throw Error(ErrorKind::kAlreadyExists, fmt::format("{}: already exists; not overwriting",
                                                       detail::printable(npz.string())));
  }
}

// Copies one patch (channels [c0, c0 + n)) at (y0, x0) of size P out of a normalised image.
void cut(const NormalizedImage& image, int c0, int n, int y0, int x0, int p, float* out) {
  for (int c = c0; c < c0 + n; ++c) {
    for (int y = y0; y < y0 + p; ++y) {
      const float* row = &image.at(c, y, x0);
      out = std::copy(row, row + p, out);
    }
  }
}

// What a worker keeps from pair to pair: sums, normalised ground truth, filter scratch, one
// patch of each side. Nothing is allocated per pair or sample once the first pair is done.
struct PairWork {
  AnyImage truth_sums;
  AnyImage input_sums;
  NormalizedImage truth;
  detail::PatchWork patch;
  std::vector<float> x;
  std::vector<float> y;
};

struct Plan {
  const detail::PatchDataset& data;
  const PatchOptions& options;
  std::uint64_t seed = 0;
  std::size_t per_sample = 0;
  int sample_channels = 1;  // C' of each patch
  int samples_per_pair = 1;
};

// Normalises one train pair's ground truth, picks each of its samples' centres and stores their
// patches (the input's cut from its sums and normalised patch by patch).
void process_pair(const Plan& plan, std::size_t pair_index, detail::PatchStore& store,
                  std::mutex& mutex, std::vector<PatchRecord>& records, std::size_t& skipped,
                  PairWork& work, const Reporter& reporter) {
  const auto& pair = plan.data.train[pair_index];
  const Dataset& d = plan.data.dataset;
  detail::read_sum_tiff(pair.ground_truth, work.truth_sums);
  detail::normalize_image(work.truth_sums, d.output.p1, d.output.p99, work.truth);
  reporter.check_cancelled();
  detail::read_sum_tiff(pair.input, work.input_sums);
  const NormalizedImage& truth = work.truth;
  const ImageShape input = shape_of(work.input_sums);
  if (truth.height != input.height || truth.width != input.width ||
      truth.channels != input.channels || truth.channels != plan.data.channels) {
    throw Error(ErrorKind::kCorrupt, fmt::format("{}: shape differs from its pair {}",
                                                 pair.ground_truth.string(), pair.input.string()));
  }
  const int p = plan.options.patch_size;
  const std::size_t patch_floats = std::size_t(plan.sample_channels) * std::size_t(p) * p;
  work.x.resize(patch_floats);
  work.y.resize(patch_floats);
  for (int s = 0; s < plan.samples_per_pair; ++s) {
    reporter.check_cancelled();
    const std::size_t sample = pair_index * std::size_t(plan.samples_per_pair) + std::size_t(s);
    const bool all = plan.options.all_channels;
    const double threshold = plan.options.background_threshold;
    const auto centres =
        all ? detail::eligible_centres_all_channels(truth, p, threshold, work.patch)
            : detail::eligible_centres_into(truth.plane(s), truth.height, truth.width, p, threshold,
                                            work.patch);
    if (centres.empty()) {
      reporter.warn(
          fmt::format("{}: {}no patch centre passes the background threshold {}; sample skipped",
                      pair.ground_truth.filename().string(),
                      all ? "" : fmt::format("channel {}: ", s), threshold));
      std::lock_guard lock(mutex);
      ++skipped;
      continue;
    }
    std::mt19937_64 rng(detail::sample_seed(plan.seed, sample));
    const auto chosen = detail::sample_centres(centres, plan.per_sample, rng);
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      const int y0 = chosen[k].y - p / 2, x0 = chosen[k].x - p / 2;
      const int c0 = all ? 0 : s;
      detail::normalize_window(work.input_sums, c0, plan.sample_channels, y0, x0, p, d.input.p1,
                               d.input.p99, work.x.data());
      cut(truth, c0, plan.sample_channels, y0, x0, p, work.y.data());
      PatchRecord record{sample, k, 0, {std::int32_t(pair.id), all ? -1 : s, y0, x0}};
      {
        std::lock_guard lock(mutex);
        record.slot = records.size();
        records.push_back(record);
      }
      store.write(record.slot, work.x, work.y);
    }
  }
}

// "image 12 (a/Im_2.tif) is 254 x 256 pixels (width x height, after a bidirectional correction
// of 2 columns)": an image's size as the sums have it, for messages.
std::string image_size_text(const Dataset& d, const detail::TrainPair& pair) {
  const DatasetImage& image = d.image(pair.id);
  const std::string correction =
      image.bidirectional_correction == 0
          ? ""
          : fmt::format(", after a bidirectional correction of {} columns",
                        std::abs(image.bidirectional_correction));
  return fmt::format("image {} ({}) is {} x {} pixels (width x height{})", pair.id,
                     detail::printable(image.image), pair.width, pair.height, correction);
}

// A train image smaller than the patch has no patch to give: each is named and left out; when no
// image is large enough the patch size does not fit the dataset. Returns how many were left out.
std::size_t drop_images_smaller_than_patch(detail::PatchDataset& data, int p,
                                           const Reporter& reporter) {
  std::vector<detail::TrainPair> kept;
  std::vector<std::string> small;
  for (const auto& pair : data.train) {
    if (pair.height >= p && pair.width >= p) {
      kept.push_back(pair);
    } else {
      small.push_back(image_size_text(data.dataset, pair));
    }
  }
  if (kept.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("dataset {}: every train image is smaller than the patch size {}: {}{}",
                            detail::printable(data.dataset.name), p, small.front(),
                            small.size() > 1 ? fmt::format(" (and {} more)", small.size() - 1)
                                             : std::string()));
  }
  for (const auto& text : small)
    reporter.warn(fmt::format("{}, smaller than the patch size {}; skipped", text, p));
  data.train = std::move(kept);
  return small.size();
}

// Patches per sample: the override, or ⌊Y_max / P⌋ × m.
std::size_t patches_per_sample(const detail::PatchDataset& data, const PatchOptions& o) {
  const std::size_t n = o.patches_per_image ? std::size_t(*o.patches_per_image)
                                            : std::size_t(data.max_height / o.patch_size) *
                                                  std::size_t(o.patch_multiple);
  if (n == 0) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: patch size {} is larger than the largest image height {}",
                            detail::printable(data.dataset.name), o.patch_size, data.max_height));
  }
  return n;
}

// Cuts every train pair's patches into the store (in parallel); returns them in canonical order.
std::vector<PatchRecord> cut_patches(const Plan& plan, detail::PatchStore& store,
                                     PatchResult& result, const Reporter& reporter) {
  std::vector<PatchRecord> records;
  std::mutex mutex;
  std::size_t done = 0;
  const std::size_t n = plan.data.train.size();
  reporter.progress("patches", 0, n);
  std::vector<PairWork> work(detail::parallel_workers(n, plan.options.threads));
  detail::parallel_for_workers(n, plan.options.threads, [&](std::size_t i, std::size_t w) {
    reporter.check_cancelled();
    process_pair(plan, i, store, mutex, records, result.n_skipped, work[w], reporter);
    std::lock_guard lock(mutex);
    reporter.progress("patches", ++done, n);
  });
  // Canonical order first (independent of thread timing); the caller shuffles.
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.sample, a.rank) < std::tie(b.sample, b.rank);
  });
  return records;
}

// `<out or data root>/<name>`, absolute: summaries and logs name it whatever the working dir.
fs::path output_dir(const PatchOptions& o, const fs::path& data_root, const std::string& name) {
  return fs::absolute((o.out_dir.empty() ? data_root : o.out_dir) / name).lexically_normal();
}

PatchResult make_patches_checked(const PatchOptions& o, const Reporter& reporter) {
  validate(o);
  detail::PatchDataset data = detail::load_patch_dataset(o.dataset, o.datasets_dir, o.data_dir);
  const std::size_t too_small = drop_images_smaller_than_patch(data, o.patch_size, reporter);
  Plan plan{data, o, o.seed.value_or(detail::fresh_seed())};
  plan.per_sample = patches_per_sample(data, o);
  plan.sample_channels = o.all_channels ? data.channels : 1;
  plan.samples_per_pair = o.all_channels ? 1 : data.channels;
  const std::size_t patch_bytes = std::size_t(plan.sample_channels) * std::size_t(o.patch_size) *
                                  std::size_t(o.patch_size) * sizeof(float);

  PatchResult result;
  result.seed = plan.seed;
  result.patches_per_image = plan.per_sample;
  result.n_samples = (data.train.size() + too_small) * std::size_t(plan.samples_per_pair);
  result.n_skipped = too_small * std::size_t(plan.samples_per_pair);
  const fs::path out_dir = output_dir(o, data.data_root, data.dataset.name);
  fs::create_directories(out_dir);
  // One run at a time per folder: the npz name is checked and taken under this lock.
  const detail::FileLock lock(out_dir / ".patches.lock", reporter);
  detail::remove_stale_patch_files(out_dir, reporter);
  result.npz = out_dir / fmt::format("{}_patch{}_{}PpI_{}Chan.npz", data.dataset.name, o.patch_size,
                                     plan.per_sample, o.all_channels ? "All" : "1");
  require_absent(result.npz);
  if (o.validation_fraction > 0) {
    result.val_npz = out_dir / (result.npz.stem().string() + "_val.npz");
    require_absent(result.val_npz);
    result.validation_ids =
        detail::choose_validation_ids(data.dataset, o.validation_fraction, plan.seed);
    reporter.info(fmt::format("holding out {} of {} train images for validation",
                              result.validation_ids.size(), data.train.size()));
  }
  detail::check_patch_resources(
      out_dir,
      static_cast<long double>(result.n_samples) * static_cast<long double>(plan.per_sample),
      patch_bytes);
  reporter.info(
      fmt::format("cutting up to {} patches per sample with seed {}", plan.per_sample, plan.seed));
  detail::PatchStore store(out_dir, patch_bytes, result.n_samples * plan.per_sample);
  detail::test_point("patches:store-created");
  std::vector<PatchRecord> records = cut_patches(plan, store, result, reporter);
  std::vector<PatchRecord> validation = take_validation(records, result.validation_ids);
  if (records.empty()) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: no sample has a patch centre above the background "
                            "threshold {}; nothing written",
                            detail::printable(data.dataset.name), o.background_threshold));
  }
  std::mt19937_64 rng(plan.seed);
  detail::shuffle(records, rng);
  detail::shuffle(validation, rng);  // after the training patches: those stay as without it
  result.n_patches = records.size();
  result.n_val_patches = validation.size();
  detail::test_point("patches:stored");
  detail::write_patch_outputs({data, o, plan.seed, plan.sample_channels}, records, validation,
                              store, result, reporter);
  detail::record_npz(data.dataset, result.npz, reporter);
  if (!result.val_npz.empty()) detail::record_npz(data.dataset, result.val_npz, reporter);
  return result;
}

}  // namespace

fs::path patches_output_dir(const PatchOptions& options) {
  const Dataset dataset = open_dataset(options.dataset, options.datasets_dir);
  const fs::path data_root =
      options.data_dir.empty() ? dataset.data_dir.parent_path() : options.data_dir;
  return output_dir(options, data_root, dataset.name);
}

PatchResult make_patches(const PatchOptions& options, const Reporter& reporter) {
  try {
    return make_patches_checked(options, reporter);
  } catch (const fs::filesystem_error& e) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: {}", detail::printable(e.path1().string()), e.code().message()));
  }
}

}  // namespace flamecare
