// `create`: index → select → sum frames (parallel) → statistics → TIFFs, JSON, preview.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "flamecare/pixel_stats.hpp"
#include "flamecare/sum_tiff.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/create_plan.hpp"
#include "pipeline/create_preview.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/frame_sums.hpp"
#include "util/parallel.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
using detail::PlannedImage;

namespace {

void validate(const CreateOptions& o) {
  auto bad = [](const std::string& what) { throw Error(ErrorKind::kInvalidArgument, what); };
  if (o.input_frames < 1)
    bad(fmt::format("--input-frames must be at least 1, got {}", o.input_frames));
  if (o.gt_frames <= o.input_frames) {
    bad(fmt::format("--gt-frames ({}) must be larger than --input-frames ({})", o.gt_frames,
                    o.input_frames));
  }
  if (!(o.test_fraction >= 0.0 && o.test_fraction < 1.0)) {
    bad(fmt::format("--test-fraction must be in [0, 1), got {}", o.test_fraction));
  }
  if (o.type.empty() || o.type.find_first_of("/\\ ") != std::string::npos) {
    bad(fmt::format("--type must be a non-empty word without spaces or slashes, got \"{}\"",
                    o.type));
  }
  if (o.channels.has_value() && *o.channels < 1) bad("--channels must be at least 1");
  if (!o.date.empty() &&
      (o.date.size() != 8 || o.date.find_first_not_of("0123456789") != std::string::npos)) {
    bad(fmt::format("date must be YYYYMMDD, got \"{}\"", o.date));
  }
  std::error_code ec;
  if (!fs::is_directory(o.raw_root, ec)) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: raw root is not a directory", o.raw_root.string()));
  }
  // Sums written inside the raw root would be indexed as raw images by the next run.
  const fs::path root = fs::weakly_canonical(o.raw_root);
  const fs::path out = fs::weakly_canonical(o.out_dir);
  const auto [root_end, out_it] = std::mismatch(root.begin(), root.end(), out.begin(), out.end());
  if (root_end == root.end()) {
    bad(fmt::format(
        "--out {} lies inside the raw root {}; its TIFFs would be indexed as raw images",
        o.out_dir.string(), o.raw_root.string()));
  }
}

// A staging directory removed on failure, so an interrupted run leaves nothing that looks done.
struct Staging {
  fs::path dir;
  bool keep = false;
  ~Staging() {
    std::error_code ec;
    if (!keep && !dir.empty()) fs::remove_all(dir, ec);
  }
};

fs::path tiff_path(const fs::path& dir, std::int64_t id, int frames) {
  return dir / fmt::format("image{}_frames{}.tif", id, frames);
}

struct Accumulated {
  std::vector<PlannedImage> images;           // summed successfully, by id
  std::map<std::int64_t, ImageShape> shapes;  // id → corrected shape
  PixelStats input;
  PixelStats truth;
};

// Sums every planned image into `train_dir`; an image that fails is reported and left out.
Accumulated sum_images(const CreateOptions& o, const std::vector<PlannedImage>& plan,
                       const fs::path& train_dir, int channels, const Reporter& reporter) {
  Accumulated acc{{}, {}, PixelStats(channels), PixelStats(channels)};
  std::vector<char> ok(plan.size(), 0);
  std::mutex mutex;
  std::size_t done = 0;
  reporter.progress("summing", 0, plan.size());
  detail::parallel_for(plan.size(), o.threads, [&](std::size_t i) {
    const PlannedImage& image = plan[i];
    try {
      auto pair = detail::sum_frame_pair(o.raw_root / image.image, o.input_frames, o.gt_frames,
                                         image.bidirectional_correction.value_or(0));
      write_sum_tiff(tiff_path(train_dir, image.id, o.input_frames), pair.input, true);
      write_sum_tiff(tiff_path(train_dir, image.id, o.gt_frames), pair.ground_truth, true);
      std::lock_guard lock(mutex);
      acc.input.add(pair.input);
      acc.truth.add(pair.ground_truth);
      acc.shapes[image.id] = shape_of(pair.input);
      ok[i] = 1;
    } catch (const Error& e) {
      reporter.warn(fmt::format("{}: skipped: {}", detail::printable(image.image), e.what()));
    }
    std::lock_guard lock(mutex);
    reporter.progress("summing", ++done, plan.size());
  });
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (ok[i]) acc.images.push_back(plan[i]);
  }
  return acc;
}

// Float sums need a second look at every pixel for exact percentiles (see PixelStats).
void finish_statistics(Accumulated& acc, const CreateOptions& o, const fs::path& train_dir,
                       const Reporter& reporter) {
  if (!acc.input.needs_second_pass() && !acc.truth.needs_second_pass()) return;
  acc.input.begin_second_pass();
  acc.truth.begin_second_pass();
  std::size_t done = 0;
  for (const auto& image : acc.images) {
    acc.input.add(read_sum_tiff(tiff_path(train_dir, image.id, o.input_frames)));
    acc.truth.add(read_sum_tiff(tiff_path(train_dir, image.id, o.gt_frames)));
    reporter.progress("statistics", ++done, acc.images.size());
  }
}

// Moves the test images' TIFFs from train/ to test/.
void split_files(const fs::path& staging, const std::vector<std::int64_t>& test_ids,
                 const CreateOptions& o) {
  fs::create_directories(staging / "test");
  for (const std::int64_t id : test_ids) {
    for (const int frames : {o.input_frames, o.gt_frames}) {
      fs::rename(tiff_path(staging / "train", id, frames), tiff_path(staging / "test", id, frames));
    }
  }
}

nlohmann::json dataset_json(const CreateOptions& o, const CreateResult& r, const Accumulated& acc,
                            const std::vector<std::int64_t>& test_ids) {
  nlohmann::json d;
  d["name"] = r.name;
  d["type"] = o.type;
  d["id"] = r.id;
  nlohmann::json shapes = nlohmann::json::array(), ids = nlohmann::json::array(),
                 images = nlohmann::json::array();
  for (const auto& image : acc.images) {
    const ImageShape& s = acc.shapes.at(image.id);
    shapes.push_back({1, s.channels, s.height, s.width});
    ids.push_back(image.id);
    const bool test = std::binary_search(test_ids.begin(), test_ids.end(), image.id);
    images.push_back({{"id", image.id},
                      {"image", detail::printable(image.image)},
                      {"shape", {1, s.channels, s.height, s.width}},
                      {"split", test ? "test" : "train"},
                      {"bidirectional_correction", image.bidirectional_correction.value_or(0)}});
  }
  d["image_shapes"] = shapes;
  d["input"] = detail::stats_to_json(o.input_frames, acc.input.summarize());
  d["output"] = detail::stats_to_json(o.gt_frames, acc.truth.summarize());
  d["image_ids"] = ids;
  d["test_ids"] = test_ids;
  d["seed"] = r.seed;
  d["test_fraction"] = o.test_fraction;
  d["raw_root"] = fs::absolute(o.raw_root).lexically_normal().string();
  d["data_dir"] = fs::absolute(r.data_dir).lexically_normal().string();
  d["images"] = images;
  d["tool"] = std::string("flamecare ") + FLAMECARE_VERSION;
  d["created"] = detail::local_time_now("%Y-%m-%dT%H:%M:%S%z");
  return nlohmann::json{{"FLAME_Dataset", d}};
}

// Staging dirs of runs that were killed: their process is gone, so nothing will finish them.
void remove_stale_staging(const fs::path& out_dir, const Reporter& reporter) {
  std::error_code ec;
  for (fs::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    int pid = 0;
    if (std::sscanf(name.c_str(), ".create-%d.partial", &pid) != 1 || pid <= 0 || pid == ::getpid())
      continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code remove_ec;
    fs::remove_all(it->path(), remove_ec);
    reporter.info(fmt::format("removed {} left by an interrupted run", it->path().string()));
  }
}

std::uint64_t fresh_seed() {
  std::random_device device;
  return (std::uint64_t(device()) << 32) ^ device();
}

// Updates the index and picks the images; throws when none is usable or channel counts differ.
detail::Selection select_for_dataset(const CreateOptions& o, const Reporter& reporter) {
  const IndexResult indexed =
      update_index(IndexOptions{o.raw_root, o.datasets_dir, o.threads, {}}, reporter);
  detail::Selection selection =
      detail::select_images(indexed.index, std::max(o.gt_frames, o.min_frames), o.channels);
  if (selection.images.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("{}: no usable image with at least {} frames{} ({} indexed)",
                            o.raw_root.string(), std::max(o.gt_frames, o.min_frames),
                            o.channels ? fmt::format(" and {} channels", *o.channels) : "",
                            indexed.index.entries.size()));
  }
  for (const auto& [reason, count] : selection.skipped) {
    reporter.info(fmt::format("not used: {} image{} ({})", count, count == 1 ? "" : "s", reason));
  }
  detail::check_channel_counts(selection.images);
  return selection;
}

// Name, id and output paths, decided once the images that made it are known.
void name_dataset(const CreateOptions& o, std::size_t n_images, CreateResult& result,
                  const Reporter& reporter) {
  const std::string base =
      detail::dataset_name(o.date.empty() ? detail::local_time_now("%Y%m%d") : o.date, n_images,
                           o.type, o.input_frames, o.gt_frames);
  result.name = detail::unused_name(base, o.datasets_dir, o.out_dir);
  if (result.name != base) {
    reporter.warn(fmt::format("{} exists already; this dataset is named {}", base, result.name));
  }
  result.id = detail::format_dataset_id(detail::next_dataset_id(o.datasets_dir));
  result.data_dir = o.out_dir / result.name;
  result.json = o.datasets_dir / (result.name + ".json");
  result.preview = o.datasets_dir / (result.name + ".png");
}

CreateResult create_checked(const CreateOptions& o, const Reporter& reporter) {
  validate(o);
  fs::create_directories(o.datasets_dir);
  fs::create_directories(o.out_dir);
  // One create at a time per datasets dir: ids and names are decided under this lock.
  const detail::FileLock lock(o.datasets_dir / ".create.lock");
  remove_stale_staging(o.out_dir, reporter);
  detail::Selection selection = select_for_dataset(o, reporter);

  CreateResult result;
  result.seed = o.seed.value_or(fresh_seed());
  Staging staging{o.out_dir / fmt::format(".create-{}.partial", ::getpid())};
  fs::remove_all(staging.dir);
  fs::create_directories(staging.dir / "train");
  reporter.info(fmt::format("summing {} images ({} → {} frames) with seed {}",
                            selection.images.size(), o.input_frames, o.gt_frames, result.seed));
  Accumulated acc = sum_images(o, selection.images, staging.dir / "train",
                               selection.images.front().channels, reporter);
  if (acc.images.empty()) {
    throw Error(ErrorKind::kCorrupt, "no image could be read; nothing was written");
  }
  if (acc.images.size() < selection.images.size()) {
    selection.skipped["read_failed"] = selection.images.size() - acc.images.size();
  }
  finish_statistics(acc, o, staging.dir / "train", reporter);

  std::vector<std::int64_t> ids;
  for (const auto& image : acc.images) ids.push_back(image.id);
  const std::vector<std::int64_t> test_ids =
      detail::choose_test_ids(ids, o.test_fraction, result.seed);
  split_files(staging.dir, test_ids, o);
  name_dataset(o, ids.size(), result, reporter);
  result.n_test = test_ids.size();
  result.n_train = ids.size() - test_ids.size();
  result.skipped_by_reason = selection.skipped;

  const nlohmann::json json = dataset_json(o, result, acc, test_ids);
  detail::write_dataset_preview(result.preview, json, staging.dir, result.seed, reporter);
  fs::rename(staging.dir, result.data_dir);
  staging.keep = true;
  // The JSON is written last: its presence marks a complete dataset.
  detail::write_file_atomic(result.json, json.dump(2) + "\n", /*no_clobber=*/true);
  return result;
}

}  // namespace

CreateResult create_dataset(const CreateOptions& o, const Reporter& reporter) {
  try {
    return create_checked(o, reporter);
  } catch (const fs::filesystem_error& e) {
    throw Error(ErrorKind::kIo, fmt::format("{}: {}", e.path1().string(), e.code().message()));
  }
}

}  // namespace flamecare
