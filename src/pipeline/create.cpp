// `create`: index → select → sum frames (parallel) → statistics → TIFFs, then publish the
// preview and JSON (create_publish.cpp).
#include <algorithm>
#include <chrono>
#include <mutex>

#include <fmt/format.h>

#include "core/group_split.hpp"
#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "flamecare/pixel_stats.hpp"
#include "flamecare/sum_tiff.hpp"
#include "flamecare/version.hpp"
#include "io/atomic_file.hpp"
#include "io/free_space.hpp"
#include "io/sum_tiff_internal.hpp"
#include "pipeline/create_plan.hpp"
#include "pipeline/create_preview.hpp"
#include "pipeline/create_publish.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/frame_sums.hpp"
#include "util/parallel.hpp"
#include "util/random.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
using detail::PlannedImage;

namespace {

bool is_calendar_date(const std::string& date) {
  if (date.size() != 8 || date.find_first_not_of("0123456789") != std::string::npos) return false;
  const std::chrono::year_month_day ymd{std::chrono::year(std::stoi(date.substr(0, 4))),
                                        std::chrono::month(unsigned(std::stoi(date.substr(4, 2)))),
                                        std::chrono::day(unsigned(std::stoi(date.substr(6, 2))))};
  return ymd.ok();
}

void validate(const CreateOptions& o) {
  auto bad = [](const std::string& what) { throw Error(ErrorKind::kInvalidArgument, what); };
  if (o.input_frames < 1)
    bad(fmt::format("input frames must be at least 1, got {}", o.input_frames));
  if (o.pairing == Pairing::kDisjoint && o.gt_frames < 1)
    bad(fmt::format("target frames must be at least 1, got {}", o.gt_frames));
  // Disjoint sums share no frame, so any counts make a pair (N = M is a balanced one).
  if (o.pairing == Pairing::kNested && o.gt_frames <= o.input_frames) {
    bad(fmt::format("ground-truth frames ({}) must be more than input frames ({})", o.gt_frames,
                    o.input_frames));
  }
  if (!(o.test_fraction >= 0.0 && o.test_fraction < 1.0))
    bad(fmt::format("test fraction must be in [0, 1), got {}", o.test_fraction));
  if (std::find(std::begin(kDatasetTypes), std::end(kDatasetTypes), o.type) ==
      std::end(kDatasetTypes)) {
    bad(fmt::format("dataset type must be one of: {}; got \"{}\"",
                    fmt::join(std::begin(kDatasetTypes), std::end(kDatasetTypes), ", "),
                    detail::printable(o.type)));
  }
  detail::check_test_ids_listed(o.test_ids);
  if (!o.test_ids.empty() && o.group_by != GroupBy::kImage) {
    bad(
        fmt::format("test ids name single images; they cannot be combined with grouping by {} "
                    "(use group by image, or a test fraction)",
                    group_by_name(o.group_by)));
  }
  if (o.channels.has_value() && *o.channels < 1)
    bad(fmt::format("channels must be at least 1, got {}", *o.channels));
  if (o.threads < 0) bad(fmt::format("threads must be 0 (all cores) or more, got {}", o.threads));
  if (!o.date.empty() && !is_calendar_date(o.date))
    bad(fmt::format("date must be a calendar date YYYYMMDD, got \"{}\"",
                    detail::printable(o.date)));
  std::error_code ec;
  if (!fs::is_directory(o.raw_root, ec)) {
    throw Error(ErrorKind::kNotFound, fmt::format("{}: raw root is not a directory",
                                                  detail::printable(o.raw_root.string())));
  }
  // Sums written inside the raw root would be indexed as raw images by the next run.
  const fs::path root = fs::weakly_canonical(o.raw_root);
  const fs::path out = fs::weakly_canonical(o.out_dir);
  const auto [root_end, out_it] = std::mismatch(root.begin(), root.end(), out.begin(), out.end());
  if (root_end == root.end()) {
    bad(
        fmt::format("output dir {} lies inside the raw root {}; its TIFFs would be indexed as raw "
                    "images",
                    detail::printable(o.out_dir.string()), detail::printable(o.raw_root.string())));
  }
}

struct Accumulated {
  std::vector<PlannedImage> images;           // summed successfully, by id
  std::map<std::int64_t, ImageShape> shapes;  // id → corrected shape
  PixelStats input;
  PixelStats truth;
  // The preview's images made while their sums are at hand (those it shows if every image is
  // summed), so publishing need not read them back.
  std::map<std::int64_t, detail::PreviewThumbnails> thumbnails;
};

// NaN sums cannot enter the statistics; such an image is unusable like an unreadable one.
void require_no_nan(const AnyImage& image, const std::string& source) {
  const bool nan = std::visit(
      [](const auto& im) {
        return std::any_of(im.pixels.begin(), im.pixels.end(), [](auto v) { return v != v; });
      },
      image);
  if (nan) throw Error(ErrorKind::kCorrupt, fmt::format("{}: pixel values are NaN", source));
}

fs::path train_tiff(const fs::path& staging, std::int64_t id, FrameRange frames, Pairing pairing) {
  return dataset_image_path(staging, Split::kTrain, id, frames, pairing);
}

FrameRange input_range(const CreateOptions& o) { return input_frame_range(o.input_frames); }

FrameRange target_range(const CreateOptions& o) {
  return target_frame_range(o.pairing, o.input_frames, o.gt_frames);
}

// What each worker keeps to itself: the sums of its current image (their memory reused image
// after image) and its share of the statistics, merged once every image is summed.
struct Worker {
  detail::FramePair pair;
  PixelStats input;
  PixelStats truth;
};

// Sums every planned image into the staging dir. An image that cannot be read is reported and
// left out; a sum that cannot be written fails the run (the disk, not the image, is at fault).
// The TIFFs are only handed to writeback here; sync_dataset makes them durable before publishing.
Accumulated sum_images(const CreateOptions& o, const std::vector<PlannedImage>& plan,
                       const fs::path& staging, int channels, std::uint64_t preview_seed,
                       const Reporter& reporter) {
  Accumulated acc{{}, {}, PixelStats(channels), PixelStats(channels), {}};
  std::vector<std::optional<ImageShape>> shapes(plan.size());
  std::vector<std::optional<detail::PreviewThumbnails>> thumbnails(plan.size());
  std::vector<char> previewed(plan.size(), 0);
  for (const std::size_t i : detail::preview_choice(plan.size(), preview_seed)) previewed[i] = 1;
  std::vector<Worker> workers;
  for (std::size_t w = 0; w < detail::parallel_workers(plan.size(), o.threads); ++w)
    workers.push_back(Worker{{}, PixelStats(channels), PixelStats(channels)});
  std::mutex mutex;
  std::size_t done = 0;
  reporter.progress("summing", 0, plan.size());
  detail::parallel_for_workers(plan.size(), o.threads, [&](std::size_t i, std::size_t w) {
    reporter.check_cancelled();
    const PlannedImage& image = plan[i];
    Worker& worker = workers[w];
    bool summed = false;
    try {
      detail::sum_frame_pair(o.raw_root / image.image, input_range(o), target_range(o),
                             image.bidirectional_correction.value_or(0), reporter, worker.pair);
      // Nested pairs: the target's frames include the input's; disjoint ones need both checks.
      if (o.pairing == Pairing::kDisjoint) require_no_nan(worker.pair.input, image.image);
      require_no_nan(worker.pair.ground_truth, image.image);
      summed = true;
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kCancelled) throw;
      reporter.warn(fmt::format("{}: skipped: {}", detail::printable(image.image), e.what()));
    }
    if (summed) {
      const auto later = detail::Durability::kDeferred;
      detail::write_sum_tiff(train_tiff(staging, image.id, input_range(o), o.pairing),
                             worker.pair.input, true, later);
      detail::write_sum_tiff(train_tiff(staging, image.id, target_range(o), o.pairing),
                             worker.pair.ground_truth, true, later);
      worker.input.add(worker.pair.input);
      worker.truth.add(worker.pair.ground_truth);
      shapes[i] = shape_of(worker.pair.input);
      if (previewed[i] != 0)
        thumbnails[i] =
            detail::make_preview_thumbnails(worker.pair.input, worker.pair.ground_truth);
    }
    std::lock_guard lock(mutex);
    reporter.progress("summing", ++done, plan.size());
  });
  for (const Worker& worker : workers) {
    acc.input.merge(worker.input);
    acc.truth.merge(worker.truth);
  }
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (!shapes[i]) continue;
    acc.images.push_back(plan[i]);
    acc.shapes[plan[i].id] = *shapes[i];
    if (thumbnails[i]) acc.thumbnails[plan[i].id] = std::move(*thumbnails[i]);
  }
  return acc;
}

// Float sums need a second look at every pixel for exact percentiles (see PixelStats).
void finish_statistics(Accumulated& acc, const CreateOptions& o, const fs::path& staging,
                       const Reporter& reporter) {
  if (!acc.input.needs_second_pass() && !acc.truth.needs_second_pass()) return;
  acc.input.begin_second_pass();
  acc.truth.begin_second_pass();
  std::size_t done = 0;
  for (const auto& image : acc.images) {
    reporter.check_cancelled();
    acc.input.add(read_sum_tiff(train_tiff(staging, image.id, input_range(o), o.pairing)));
    acc.truth.add(read_sum_tiff(train_tiff(staging, image.id, target_range(o), o.pairing)));
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

// The options as this run used them: the seed and date chosen, paths absolute.
CreateOptions options_used(const CreateOptions& o, std::uint64_t seed, const std::string& date) {
  CreateOptions used = o;
  used.seed = seed;
  used.date = date;
  used.raw_root = fs::absolute(o.raw_root).lexically_normal();
  used.datasets_dir = fs::absolute(o.datasets_dir).lexically_normal();
  used.out_dir = fs::absolute(o.out_dir).lexically_normal();
  return used;
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
  detail::sync_paths(
      files, {staging / split_name(Split::kTrain), staging / split_name(Split::kTest), staging});
}

// Everything of the dataset but its name, id and data dir, which publishing decides.
Dataset describe_dataset(const CreateOptions& o, std::uint64_t seed, Accumulated& acc) {
  std::vector<detail::GroupedId> grouped;
  for (const auto& image : acc.images)
    grouped.push_back({image.id, image_group(image.image, o.group_by)});
  const auto test_ids = detail::choose_split(grouped, o, seed);
  Dataset d;
  d.type = o.type;
  d.seed = seed;
  if (o.test_ids.empty()) d.test_fraction = o.test_fraction;
  d.pairing = o.pairing;
  d.group_by = o.group_by;
  d.raw_root = fs::absolute(o.raw_root).lexically_normal();
  d.input = detail::stats_from_summary(o.input_frames, acc.input.summarize());
  d.output = detail::stats_from_summary(o.gt_frames, acc.truth.summarize());
  for (const auto& image : acc.images) {
    const ImageShape& s = acc.shapes.at(image.id);
    const bool test = std::binary_search(test_ids.begin(), test_ids.end(), image.id);
    d.images.push_back(DatasetImage{
        image.id, image.image, s.channels, s.height, s.width, test ? Split::kTest : Split::kTrain,
        image.bidirectional_correction.value_or(0), image_group(image.image, o.group_by)});
  }
  d.tool = fmt::format("flamecare {}", kVersion);
  d.created = detail::local_time_now("%Y-%m-%dT%H:%M:%S%z");
  return d;
}

// Updates the index and picks the images; throws when none is usable or channel counts differ.
detail::Selection select_for_dataset(const CreateOptions& o, const Reporter& reporter) {
  const IndexResult indexed =
      update_index(IndexOptions{o.raw_root, o.datasets_dir, o.threads, {}}, reporter);
  const int min_frames = frames_needed(o);
  detail::Selection selection = detail::select_images(indexed.index, min_frames, o.channels);
  if (selection.images.empty() && o.pairing == Pairing::kDisjoint &&
      selection.skipped.count("too_few_frames") > 0) {
    // The options, not the data, are at fault: say what the images have.
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: disjoint pairing of {} input and {} target frames needs {} frames "
                            "per image, but the {} usable image{} {} at most {}; ask for fewer "
                            "frames or use nested pairing",
                            detail::printable(o.raw_root.string()), o.input_frames, o.gt_frames,
                            min_frames, selection.skipped.at("too_few_frames"),
                            selection.skipped.at("too_few_frames") == 1 ? "" : "s",
                            selection.skipped.at("too_few_frames") == 1 ? "has" : "have",
                            detail::most_frames(indexed.index)));
  }
  if (selection.images.empty()) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: no usable image with at least {} frames{} ({} indexed)",
                            detail::printable(o.raw_root.string()), min_frames,
                            o.channels ? fmt::format(" and {} channels", *o.channels) : "",
                            indexed.index.entries.size()));
  }
  for (const auto& [reason, count] : selection.skipped) {
    reporter.info(fmt::format("not used: {} image{} ({})", count, count == 1 ? "" : "s", reason));
  }
  detail::check_channel_counts(selection.images);
  detail::check_test_ids_selected(o.test_ids, selection.images);
  return selection;
}

// The sums of every selected image must fit into the output dir (estimated from the index).
void check_space_for_sums(const CreateOptions& o, const std::vector<PlannedImage>& images) {
  constexpr long double kPerFile = 16 * 1024;  // TIFF tags, strip tables, file system blocks
  long double bytes = 0;
  for (const PlannedImage& image : images) {
    const long double pixels =
        static_cast<long double>(image.channels) * image.height * image.width;
    // Rows screened by old versions may lack the type: take FLAME's usual int16.
    const auto type = parse_pixel_type(image.dtype).value_or(PixelType::kInt16);
    bytes += pixels * static_cast<long double>(pixel_size(sum_pixel_type(type, o.input_frames)) +
                                               pixel_size(sum_pixel_type(type, o.gt_frames))) +
             2 * kPerFile;
  }
  detail::require_free_space(o.out_dir, bytes, fmt::format("the sums of {} images", images.size()));
}

CreateResult create_checked(const CreateOptions& o, const std::vector<int>& ladder,
                            const Reporter& reporter) {
  validate(o);
  fs::create_directories(o.datasets_dir);
  fs::create_directories(o.out_dir);
  // One create at a time per datasets dir: ids and names are decided under this lock.
  const detail::FileLock lock(o.datasets_dir / ".create.lock", reporter);
  detail::clean_interrupted_creates(o.out_dir, o.datasets_dir, reporter);
  detail::Selection selection = select_for_dataset(o, reporter);
  check_space_for_sums(o, selection.images);

  CreateResult result;
  result.seed = o.seed.value_or(detail::fresh_seed());
  const detail::Staging staging(o.out_dir);
  detail::test_point("create:staged");
  reporter.info(fmt::format("summing {} images ({} → {} frames, {} pairing) with seed {}",
                            selection.images.size(), o.input_frames, o.gt_frames,
                            pairing_name(o.pairing), result.seed));
  Accumulated acc = sum_images(o, selection.images, staging.dir, selection.images.front().channels,
                               result.seed, reporter);
  if (acc.images.empty()) {
    throw Error(ErrorKind::kCorrupt, "no image could be read; nothing was written");
  }
  if (acc.images.size() < selection.images.size()) {
    selection.skipped["read_failed"] = selection.images.size() - acc.images.size();
  }
  finish_statistics(acc, o, staging.dir, reporter);
  result.dataset = describe_dataset(o, result.seed, acc);
  if (o.group_by != GroupBy::kImage && o.test_fraction > 0 && result.dataset.test_ids().empty()) {
    reporter.warn(
        fmt::format("all {} images are in one {}: whole {}s cannot be split, so the "
                    "test set is empty",
                    acc.images.size(), group_by_name(o.group_by), group_by_name(o.group_by)));
  }
  split_files(result.dataset, staging.dir);
  sync_dataset(result.dataset, staging.dir);
  const std::string date = o.date.empty() ? detail::local_time_now("%Y%m%d") : o.date;
  result.dataset.create_options = options_used(o, result.seed, date);
  result.dataset.ladder = ladder;

  const std::string base =
      detail::dataset_name(date, acc.images.size(), o.type, o.input_frames, o.gt_frames, o.pairing);
  const detail::Published published =
      detail::publish_dataset(result.dataset, base, staging.dir, o.out_dir, o.datasets_dir,
                              {result.seed, o.threads, std::move(acc.thumbnails)}, reporter);
  result.name = result.dataset.name;
  result.id = format_dataset_id(result.dataset.id);
  // Absolute paths: the summary and the log say where things are whatever the working directory.
  result.data_dir = fs::absolute(published.data_dir).lexically_normal();
  result.json = fs::absolute(published.json).lexically_normal();
  result.preview = fs::absolute(published.preview).lexically_normal();
  result.dataset.json_path = result.json;
  result.n_test = result.dataset.test_ids().size();
  result.n_train = result.dataset.images.size() - result.n_test;
  result.skipped_by_reason = selection.skipped;
  return result;
}

}  // namespace

int frames_needed(const CreateOptions& o) {
  const int pair = o.pairing == Pairing::kDisjoint ? o.input_frames + o.gt_frames : o.gt_frames;
  return std::max(pair, o.min_frames);
}

namespace detail {

CreateResult create_rung(const CreateOptions& o, const std::vector<int>& ladder,
                         const Reporter& reporter) {
  try {
    return create_checked(o, ladder, reporter);
  } catch (const fs::filesystem_error& e) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: {}", detail::printable(e.path1().string()), e.code().message()));
  }
}

}  // namespace detail

CreateResult create_dataset(const CreateOptions& o, const Reporter& reporter) {
  return detail::create_rung(o, {}, reporter);
}

}  // namespace flamecare
