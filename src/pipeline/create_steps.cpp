// Summing images into a staging dir and finishing a dataset: the steps one `create` run and a
// sharded run (create_shards.cpp) share.
#include "pipeline/create_steps.hpp"

#include <algorithm>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/sum_tiff.hpp"
#include "flamecare/version.hpp"
#include "io/atomic_file.hpp"
#include "io/sum_tiff_internal.hpp"
#include "io/writeback.hpp"
#include "pipeline/create_publish.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/frame_sums.hpp"
#include "pipeline/sum_outputs.hpp"
#include "util/parallel.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;
namespace {

fs::path train_tiff(const fs::path& staging, std::int64_t id, FrameRange frames, Pairing pairing) {
  return dataset_image_path(staging, Split::kTrain, id, frames, pairing);
}

FrameRange input_range(const CreateOptions& o) { return input_frame_range(o.input_frames); }

FrameRange target_range(const CreateOptions& o) {
  return target_frame_range(o.pairing, o.input_frames, o.gt_frames);
}

// What each worker keeps to itself: its share of the statistics, merged once every image is
// summed, the outputs of its current image and the memory it sums in.
struct Worker {
  PixelStats input;
  PixelStats truth;
  std::unique_ptr<SumOutputs> out;
  std::unique_ptr<SumBuffers> buffers;
};

std::vector<Worker> make_workers(std::size_t n, int channels, Writeback& writeback) {
  std::vector<Worker> workers;
  for (std::size_t w = 0; w < n; ++w)
    workers.push_back(Worker{PixelStats(channels), PixelStats(channels),
                             std::make_unique<SumOutputs>(channels, &writeback),
                             std::make_unique<SumBuffers>()});
  return workers;
}

// Sums one image into its worker's outputs; the failure's message when it cannot be read or
// summed (it is skipped). A sum that cannot be written throws SumWriteFailed.
std::optional<std::string> sum_one(const CreateOptions& o, const PlannedImage& image,
                                   SumOutputs& out, SumBuffers& buffers, const Reporter& reporter) {
  try {
    sum_frame_blocks(o.raw_root / image.image, input_range(o), target_range(o),
                     image.bidirectional_correction.value_or(0), reporter, out, buffers);
    return std::nullopt;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kCancelled) throw;
    reporter.warn(fmt::format("{}: skipped: {}", printable(image.image), e.what()));
    return std::string(e.what());
  }
}

}  // namespace

// A sum that cannot be written fails the run (the disk, not the image, is at fault). The TIFFs
// are only handed to writeback here; sync_paths makes them durable before anything calls them
// complete.
Accumulated sum_images(const CreateOptions& o, const std::vector<PlannedImage>& plan,
                       const fs::path& staging, int channels,
                       std::optional<std::uint64_t> preview_seed, const Reporter& reporter) {
  Accumulated acc{{}, {}, PixelStats(channels), PixelStats(channels), {}, {}};
  std::vector<std::optional<ImageShape>> shapes(plan.size());
  std::vector<std::optional<PreviewThumbnails>> thumbnails(plan.size());
  std::vector<std::optional<std::string>> failures(plan.size());
  std::vector<char> previewed(plan.size(), 0);
  if (preview_seed)
    for (const std::size_t i : preview_choice(plan.size(), *preview_seed)) previewed[i] = 1;
  // The workers' TIFFs are handed to writeback on a thread of its own (unless the run keeps to
  // one), which waits in their stead while the device's queue is full.
  Writeback writeback(o.threads != 1);
  std::vector<Worker> workers =
      make_workers(parallel_workers(plan.size(), o.threads), channels, writeback);
  std::mutex mutex;
  std::size_t done = 0;
  reporter.progress("summing", 0, plan.size());
  parallel_for_workers(plan.size(), o.threads, [&](std::size_t i, std::size_t w) {
    reporter.check_cancelled();
    const PlannedImage& image = plan[i];
    Worker& worker = workers[w];
    SumOutputs& out = *worker.out;
    out.start(image.image, train_tiff(staging, image.id, input_range(o), o.pairing),
              train_tiff(staging, image.id, target_range(o), o.pairing), previewed[i] != 0);
    try {
      failures[i] = sum_one(o, image, out, *worker.buffers, reporter);
      if (!failures[i]) out.commit(worker.input, worker.truth);
    } catch (const SumWriteFailed& failed) {
      std::rethrow_exception(failed.error);
    }
    if (!failures[i]) {
      shapes[i] = out.shape();
      thumbnails[i] = out.take_thumbnails();
    }
    std::lock_guard lock(mutex);
    reporter.progress("summing", ++done, plan.size());
  });
  for (const Worker& worker : workers) {
    acc.input.merge(worker.input);
    acc.truth.merge(worker.truth);
  }
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (failures[i]) acc.failed.push_back({plan[i].id, plan[i].image, *failures[i]});
    if (!shapes[i]) continue;
    acc.images.push_back(plan[i]);
    acc.shapes[plan[i].id] = *shapes[i];
    if (thumbnails[i]) acc.thumbnails[plan[i].id] = std::move(*thumbnails[i]);
  }
  return acc;
}

namespace {

// Float sums need a second look at every pixel for exact percentiles (see PixelStats).
void finish_statistics(Accumulated& acc, const CreateOptions& o, const fs::path& staging,
                       const Reporter& reporter) {
  if (!acc.input.needs_second_pass() && !acc.truth.needs_second_pass()) return;
  acc.input.begin_second_pass();
  acc.truth.begin_second_pass();
  std::size_t done = 0;
  for (const auto& image : acc.images) {
    reporter.check_cancelled();
    acc.input.add(
        flamecare::read_sum_tiff(train_tiff(staging, image.id, input_range(o), o.pairing)));
    acc.truth.add(
        flamecare::read_sum_tiff(train_tiff(staging, image.id, target_range(o), o.pairing)));
    reporter.progress("statistics", ++done, acc.images.size());
  }
}

// Moves the test images' TIFFs from train/ to test/.
void split_files(const Dataset& dataset, const fs::path& staging) {
  fs::create_directories(staging / split_name(Split::kTest));
  for (const DatasetImage& image : dataset.images) {
    if (image.split != Split::kTest) continue;
    for (const FrameRange frames : {dataset.input_frames(), dataset.target_frames()}) {
      fs::rename(train_tiff(staging, image.id, frames, dataset.pairing),
                 dataset_image_path(staging, Split::kTest, image.id, frames, dataset.pairing));
    }
  }
}

// Every TIFF and directory of the staging dir on disk, before publishing names it complete: one
// fsync per file at the end instead of one per file as it is written (by now the device has
// written most of them back), with the same guarantee.
void sync_dataset(const Dataset& dataset, const fs::path& staging) {
  std::vector<fs::path> files;
  for (const DatasetImage& image : dataset.images) {
    for (const FrameRange frames : {dataset.input_frames(), dataset.target_frames()})
      files.push_back(dataset_image_path(staging, image.split, image.id, frames, dataset.pairing));
  }
  sync_paths(files,
             {staging / split_name(Split::kTrain), staging / split_name(Split::kTest), staging});
}

// Everything of the dataset but its name, id and data dir, which publishing decides.
Dataset describe_dataset(const CreateOptions& o, Accumulated& acc) {
  std::vector<GroupedId> grouped;
  for (const auto& image : acc.images)
    grouped.push_back({image.id, image_group(image.image, o.group_by)});
  const auto test_ids = choose_split(grouped, o, *o.seed);
  Dataset d;
  d.type = o.type;
  d.seed = o.seed;
  if (o.test_ids.empty()) d.test_fraction = o.test_fraction;
  d.pairing = o.pairing;
  d.group_by = o.group_by;
  d.raw_root = o.raw_root;
  d.input = stats_from_summary(o.input_frames, acc.input.summarize());
  d.output = stats_from_summary(o.gt_frames, acc.truth.summarize());
  for (const auto& image : acc.images) {
    const ImageShape& s = acc.shapes.at(image.id);
    const bool test = std::binary_search(test_ids.begin(), test_ids.end(), image.id);
    d.images.push_back(DatasetImage{
        image.id, image.image, s.channels, s.height, s.width, test ? Split::kTest : Split::kTrain,
        image.bidirectional_correction.value_or(0), image_group(image.image, o.group_by)});
  }
  d.tool = fmt::format("flamecare {}", kVersion);
  d.created = local_time_now("%Y-%m-%dT%H:%M:%S%z");
  return d;
}

}  // namespace

CreateOptions options_used(const CreateOptions& o, std::uint64_t seed, const std::string& date) {
  CreateOptions used = o;
  used.seed = seed;
  used.date = date;
  used.raw_root = fs::absolute(o.raw_root).lexically_normal();
  used.datasets_dir = fs::absolute(o.datasets_dir).lexically_normal();
  used.out_dir = fs::absolute(o.out_dir).lexically_normal();
  return used;
}

std::string base_name(const CreateOptions& used, std::size_t images) {
  return dataset_name(used.date, images, used.type, used.input_frames, used.gt_frames,
                      used.pairing);
}

CreateResult finish_dataset(const CreateOptions& used, const std::vector<int>& ladder,
                            Accumulated acc, std::map<std::string, std::size_t> skipped,
                            std::size_t planned, const fs::path& staging, const Naming& naming,
                            int threads, const Reporter& reporter) {
  if (acc.images.empty()) {
    throw Error(ErrorKind::kCorrupt, "no image could be read; nothing was written");
  }
  if (acc.images.size() < planned) skipped["read_failed"] = planned - acc.images.size();
  finish_statistics(acc, used, staging, reporter);
  CreateResult result;
  result.seed = *used.seed;
  result.dataset = describe_dataset(used, acc);
  if (used.group_by != GroupBy::kImage && used.test_fraction > 0 &&
      result.dataset.test_ids().empty()) {
    reporter.warn(
        fmt::format("all {} images are in one {}: whole {}s cannot be split, so the "
                    "test set is empty",
                    acc.images.size(), group_by_name(used.group_by), group_by_name(used.group_by)));
  }
  split_files(result.dataset, staging);
  sync_dataset(result.dataset, staging);
  result.dataset.create_options = used;
  result.dataset.ladder = ladder;
  const Published published =
      publish_dataset(result.dataset, naming, staging, used.out_dir, used.datasets_dir,
                      {result.seed, threads, std::move(acc.thumbnails)}, reporter);
  result.name = result.dataset.name;
  result.id = format_dataset_id(result.dataset.id);
  // Absolute paths: the summary and the log say where things are whatever the working directory.
  result.data_dir = fs::absolute(published.data_dir).lexically_normal();
  result.json = fs::absolute(published.json).lexically_normal();
  result.preview = fs::absolute(published.preview).lexically_normal();
  result.dataset.json_path = result.json;
  result.n_test = result.dataset.test_ids().size();
  result.n_train = result.dataset.images.size() - result.n_test;
  result.skipped_by_reason = std::move(skipped);
  return result;
}

}  // namespace flamecare::detail
