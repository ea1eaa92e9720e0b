// `create`: index → select → sum frames (parallel) → statistics → TIFFs, then publish the
// preview and JSON (create_publish.cpp).
#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

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
#include "io/png_preview_layout.hpp"
#include "io/sum_tiff_internal.hpp"
#include "pipeline/create_plan.hpp"
#include "pipeline/create_preview.hpp"
#include "pipeline/create_publish.hpp"
#include "pipeline/create_steps.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/frame_sums.hpp"
#include "util/parallel.hpp"
#include "util/random.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace detail {
namespace fs = std::filesystem;

namespace {

bool is_calendar_date(const std::string& date) {
  if (date.size() != 8 || date.find_first_not_of("0123456789") != std::string::npos) return false;
  const std::chrono::year_month_day ymd{std::chrono::year(std::stoi(date.substr(0, 4))),
                                        std::chrono::month(unsigned(std::stoi(date.substr(4, 2)))),
                                        std::chrono::day(unsigned(std::stoi(date.substr(6, 2))))};
  return ymd.ok();
}

}  // namespace

void validate_create_options(const CreateOptions& o) {
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
                    printable(o.type)));
  }
  check_test_ids_listed(o.test_ids);
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
    bad(fmt::format("date must be a calendar date YYYYMMDD, got \"{}\"", printable(o.date)));
  std::error_code ec;
  if (!fs::is_directory(o.raw_root, ec)) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: raw root is not a directory", printable(o.raw_root.string())));
  }
  // Sums written inside the raw root would be indexed as raw images by the next run.
  const fs::path root = fs::weakly_canonical(o.raw_root);
  const fs::path out = fs::weakly_canonical(o.out_dir);
  const auto [root_end, out_it] = std::mismatch(root.begin(), root.end(), out.begin(), out.end());
  if (root_end == root.end()) {
    bad(
        fmt::format("output dir {} lies inside the raw root {}; its TIFFs would be indexed as raw "
                    "images",
                    printable(o.out_dir.string()), printable(o.raw_root.string())));
  }
}

Selection select_for_dataset(const CreateOptions& o, const Reporter& reporter) {
  const IndexResult indexed =
      update_index(IndexOptions{o.raw_root, o.datasets_dir, o.threads, {}}, reporter);
  const int min_frames = frames_needed(o);
  Selection selection = select_images(indexed.index, min_frames, o.channels);
  if (selection.images.empty() && o.pairing == Pairing::kDisjoint &&
      selection.skipped.count("too_few_frames") > 0) {
    // The options, not the data, are at fault: say what the images have.
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: disjoint pairing of {} input and {} target frames needs {} frames "
                            "per image, but the {} usable image{} {} at most {}; ask for fewer "
                            "frames or use nested pairing",
                            printable(o.raw_root.string()), o.input_frames, o.gt_frames, min_frames,
                            selection.skipped.at("too_few_frames"),
                            selection.skipped.at("too_few_frames") == 1 ? "" : "s",
                            selection.skipped.at("too_few_frames") == 1 ? "has" : "have",
                            most_frames(indexed.index)));
  }
  if (selection.images.empty()) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: no usable image with at least {} frames{} ({} indexed)",
                            printable(o.raw_root.string()), min_frames,
                            o.channels ? fmt::format(" and {} channels", *o.channels) : "",
                            indexed.index.entries.size()));
  }
  for (const auto& [reason, count] : selection.skipped) {
    reporter.info(fmt::format("not used: {} image{} ({})", count, count == 1 ? "" : "s", reason));
  }
  check_channel_counts(selection.images);
  check_test_ids_selected(o.test_ids, selection.images);
  return selection;
}

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
  require_free_space(o.out_dir, bytes, fmt::format("the sums of {} images", images.size()));
}

namespace {

CreateResult create_checked(const CreateOptions& o, const std::vector<int>& ladder,
                            const Reporter& reporter) {
  validate_create_options(o);
  fs::create_directories(o.datasets_dir);
  fs::create_directories(o.out_dir);
  // One create at a time per datasets dir: ids and names are decided under this lock.
  const FileLock lock(o.datasets_dir / ".create.lock", reporter);
  clean_interrupted_creates(o.out_dir, o.datasets_dir, reporter);
  Selection selection = select_for_dataset(o, reporter);
  check_space_for_sums(o, selection.images);
  // The same steps as a plan, one shard of all images and a merge (create_shards.cpp), in memory.
  const std::uint64_t seed = o.seed.value_or(fresh_seed());
  const Staging staging(o.out_dir);
  test_point("create:staged");
  reporter.info(fmt::format("summing {} images ({} → {} frames, {} pairing) with seed {}",
                            selection.images.size(), o.input_frames, o.gt_frames,
                            pairing_name(o.pairing), seed));
  // The preview's fonts load on a thread of their own while the images are summed (unless the
  // run was asked to keep to one thread).
  std::jthread fonts;
  if (o.threads != 1) fonts = try_start_thread(load_preview_fonts);
  Accumulated acc = sum_images(o, selection.images, staging.dir, selection.images.front().channels,
                               seed, reporter);
  if (fonts.joinable()) fonts.join();
  const CreateOptions used =
      options_used(o, seed, o.date.empty() ? local_time_now("%Y%m%d") : o.date);
  const Naming naming{base_name(used, acc.images.size()), std::nullopt, {}};
  return finish_dataset(used, ladder, std::move(acc), std::move(selection.skipped),
                        selection.images.size(), staging.dir, naming, o.threads, reporter);
}

}  // namespace
}  // namespace detail

int frames_needed(const CreateOptions& o) {
  const int pair = o.pairing == Pairing::kDisjoint ? o.input_frames + o.gt_frames : o.gt_frames;
  return std::max(pair, o.min_frames);
}

namespace detail {

CreateResult create_rung(const CreateOptions& o, const std::vector<int>& ladder,
                         const Reporter& reporter) {
  return io_errors([&] { return create_checked(o, ladder, reporter); });
}

}  // namespace detail

CreateResult create_dataset(const CreateOptions& o, const Reporter& reporter) {
  return detail::create_rung(o, {}, reporter);
}

}  // namespace flamecare
