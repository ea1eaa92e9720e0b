// `patches`: dataset train pairs → normalised, background-filtered, shuffled patches in an .npz.
#include "flamecare/patches.hpp"

#include <algorithm>
#include <mutex>
#include <random>
#include <type_traits>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/patch_core.hpp"
#include "flamecare/sum_tiff.hpp"
#include "io/atomic_file.hpp"
#include "io/sum_tiff_internal.hpp"
#include "pipeline/dataset_manage.hpp"
#include "pipeline/patch_dataset.hpp"
#include "pipeline/patch_outputs.hpp"
#include "pipeline/patch_pairs.hpp"
#include "pipeline/patch_place.hpp"
#include "pipeline/patch_run.hpp"
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

// Reads one train pair, picks each of its samples' centres (while the ground truth is fresh in
// the cache, before the input is read) and stores their patches.
void process_pair(const detail::PatchRun& run, std::size_t pair_index, detail::SampleShare share,
                  detail::PatchStore& store, std::mutex& mutex, std::vector<PatchRecord>& records,
                  std::size_t& skipped, detail::PairWork& work, const Reporter& reporter) {
  const auto& pair = run.data.train[pair_index];
  detail::read_pair_truth(run, pair_index, work);
  detail::choose_pair_centres(run, pair_index, share, work, mutex, skipped, reporter);
  reporter.check_cancelled();
  detail::read_pair_input(run, pair_index, work);
  const bool all = run.options.all_channels;
  const int p = run.options.patch_size;
  for (int s = 0; s < run.samples_per_pair; ++s) {
    reporter.check_cancelled();
    const std::size_t sample = pair_index * std::size_t(run.samples_per_pair) + std::size_t(s);
    const auto& chosen = work.chosen[std::size_t(s)];
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      const int y0 = chosen[k].y - p / 2, x0 = chosen[k].x - p / 2;
      detail::cut_pair_patch(run, s, y0, x0, work);
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

// `<out or data root>/<name>`, absolute: summaries and logs name it whatever the working dir.
fs::path output_dir(const PatchOptions& o, const fs::path& data_root, const std::string& name) {
  return fs::absolute((o.out_dir.empty() ? data_root : o.out_dir) / name).lexically_normal();
}

PatchResult make_patches_checked(const PatchOptions& o, const Reporter& reporter) {
  const detail::PatchRun run = detail::prepare_patch_run(o, reporter);
  PatchResult result = detail::start_result(run);
  fs::create_directories(run.out_dir);
  // One run at a time per folder: the npz name is checked and taken under this lock.
  const detail::FileLock lock(run.out_dir / ".patches.lock", reporter);
  detail::remove_stale_patch_files(run.out_dir, reporter);
  detail::require_outputs_absent(run);
  detail::check_patch_resources(
      run.out_dir,
      static_cast<long double>(result.n_samples) * static_cast<long double>(run.per_sample),
      run.patch_bytes, /*stored=*/false);
  reporter.info(
      fmt::format("cutting up to {} patches per sample with seed {}", run.per_sample, run.seed));
  detail::place_patches(run, result, reporter);
  return result;
}

}  // namespace

namespace detail {

PatchRun prepare_patch_run(const PatchOptions& o, const Reporter& reporter) {
  validate(o);
  PatchRun run;
  run.data = load_patch_dataset(o.dataset, o.datasets_dir, o.data_dir);
  run.options = o;
  run.too_small = drop_images_smaller_than_patch(run.data, o.patch_size, reporter);
  run.seed = o.seed.value_or(fresh_seed());
  run.options.seed = run.seed;
  run.per_sample = patches_per_sample(run.data, o);
  run.sample_channels = o.all_channels ? run.data.channels : 1;
  run.samples_per_pair = o.all_channels ? 1 : run.data.channels;
  run.patch_bytes = std::size_t(run.sample_channels) * std::size_t(o.patch_size) *
                    std::size_t(o.patch_size) * sizeof(float);
  const std::string& name = run.data.dataset.name;
  run.out_dir = output_dir(o, run.data.data_root, name);
  run.npz = run.out_dir / fmt::format("{}_patch{}_{}PpI_{}Chan.npz", name, o.patch_size,
                                      run.per_sample, o.all_channels ? "All" : "1");
  if (o.validation_fraction > 0) {
    run.val_npz = run.out_dir / (run.npz.stem().string() + "_val.npz");
    run.validation_ids = choose_validation_ids(run.data.dataset, o.validation_fraction, run.seed);
  }
  return run;
}

void require_outputs_absent(const PatchRun& run) {
  require_absent(run.npz);
  if (!run.val_npz.empty()) require_absent(run.val_npz);
}

std::size_t share_samples(const PatchRun& run, SampleShare share) {
  const std::size_t n = run.n_samples();
  return n / share.n + (share.k < n % share.n ? 1 : 0);
}

std::vector<PatchRecord> cut_patches(const PatchRun& run, PatchStore& store, SampleShare share,
                                     std::size_t& skipped, const Reporter& reporter) {
  // The pairs holding at least one sample of the share.
  std::vector<std::size_t> pairs;
  const auto per_pair = std::size_t(run.samples_per_pair);
  for (std::size_t i = 0; i < run.data.train.size(); ++i) {
    for (std::size_t s = 0; s < per_pair; ++s) {
      if (share.has(i * per_pair + s)) {
        pairs.push_back(i);
        break;
      }
    }
  }
  std::vector<PatchRecord> records;
  std::mutex mutex;
  std::size_t done = 0;
  const std::size_t n = pairs.size();
  reporter.progress("patches", 0, n);
  std::vector<detail::PairWork> work(parallel_workers(n, run.options.threads));
  parallel_for_workers(n, run.options.threads, [&](std::size_t i, std::size_t w) {
    reporter.check_cancelled();
    process_pair(run, pairs[i], share, store, mutex, records, skipped, work[w], reporter);
    std::lock_guard lock(mutex);
    reporter.progress("patches", ++done, n);
  });
  // Canonical order first (independent of thread timing and shards); the caller shuffles.
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::tie(a.sample, a.rank) < std::tie(b.sample, b.rank);
  });
  return records;
}

PatchResult start_result(const PatchRun& run) {
  PatchResult result;
  result.seed = run.seed;
  result.patches_per_image = run.per_sample;
  result.n_samples = (run.data.train.size() + run.too_small) * std::size_t(run.samples_per_pair);
  result.n_skipped = run.too_small * std::size_t(run.samples_per_pair);
  result.npz = run.npz;
  result.val_npz = run.val_npz;
  result.validation_ids = run.validation_ids;
  return result;
}

PatchOrders order_patches(const PatchRun& run, std::vector<PatchRecord> records,
                          PatchResult& result) {
  PatchOrders orders;
  orders.validation = take_validation(records, run.validation_ids);
  orders.train = std::move(records);
  if (orders.train.empty()) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: no sample has a patch centre above the background "
                            "threshold {}; nothing written",
                            printable(run.data.dataset.name), run.options.background_threshold));
  }
  std::mt19937_64 rng(run.seed);
  shuffle(orders.train, rng);
  shuffle(orders.validation, rng);  // after the training patches: those stay as without it
  result.n_patches = orders.train.size();
  result.n_val_patches = orders.validation.size();
  return orders;
}

void record_patch_outputs(const PatchRun& run, const PatchResult& result,
                          const Reporter& reporter) {
  record_npz(run.data.dataset, result.npz, reporter);
  if (!result.val_npz.empty()) record_npz(run.data.dataset, result.val_npz, reporter);
}

void finish_patches(const PatchRun& run, std::vector<PatchRecord> records,
                    const PatchSource& source, PatchResult& result, const Reporter& reporter) {
  if (!run.val_npz.empty()) {
    reporter.info(fmt::format("holding out {} of {} train images for validation",
                              run.validation_ids.size(), run.data.train.size()));
  }
  const PatchOrders orders = order_patches(run, std::move(records), result);
  test_point("patches:stored");
  const PatchOutputs outputs{run.data, run.options, run.seed, run.sample_channels};
  write_patch_outputs(
      outputs, orders.train, source,
      stream_npz(outputs, orders.train, orders.validation, source, result, reporter), result,
      reporter);
  record_patch_outputs(run, result, reporter);
}

}  // namespace detail

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
