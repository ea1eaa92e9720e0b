// `export --format careamics`: a dataset's sums as CAREamics's train/val/test input and target
// folders (whole images, one name per pair), with the train images' exact statistics.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/export.hpp"
#include "flamecare/pixel_stats.hpp"
#include "flamecare/sum_tiff.hpp"
#include "flamecare/version.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/create_publish.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/patch_dataset.hpp"
#include "util/parallel.hpp"
#include "util/random.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
using Json = nlohmann::json;
namespace {

std::string shown(const fs::path& path) { return detail::printable(path.string()); }

// ".export-<pid>.partial": the staging dir of a running (or killed) export.
std::optional<pid_t> staging_owner(std::string_view name) {
  int pid = 0;
  char tail = 0;
  const std::string text(name);
  if (std::sscanf(text.c_str(), ".export-%d.partial%c", &pid, &tail) != 1 || pid <= 0)
    return std::nullopt;
  if (text != fmt::format(".export-{}.partial", pid)) return std::nullopt;
  return static_cast<pid_t>(pid);
}

// The staging dir, removed with its content unless the export was moved into place.
struct Staging {
  explicit Staging(const fs::path& out_dir)
      : dir(out_dir / fmt::format(".export-{}.partial", ::getpid())) {
    fs::remove_all(dir);  // a previous process with this pid
    fs::create_directories(dir);
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  ~Staging() {
    std::error_code ec;
    if (!published) fs::remove_all(dir, ec);
  }
  fs::path dir;
  bool published = false;
};

void validate(const ExportOptions& o) {
  auto bad = [](const std::string& what) { throw Error(ErrorKind::kInvalidArgument, what); };
  if (o.format != "careamics") {
    bad(fmt::format("export format must be \"careamics\", got \"{}\"",
                    detail::printable(o.format)));
  }
  if (!(o.validation_fraction >= 0.0 && o.validation_fraction < 1.0))
    bad(fmt::format("validation fraction must be in [0, 1), got {}", o.validation_fraction));
  if (o.threads < 0) bad(fmt::format("threads must be 0 (all cores) or more, got {}", o.threads));
  if (o.out_dir.empty()) bad("the export needs an output dir");
}

// One image of the export: where its sums are and which folder it goes to.
struct Item {
  const DatasetImage* image = nullptr;
  std::string part;  // train, val or test
  fs::path input, target;
};

// Statistics of the export's train images, input and target.
struct TrainStats {
  explicit TrainStats(int channels) : input(channels), target(channels) {}
  PixelStats input, target;
  std::mutex mutex;
};

// Reads a sum and checks it has the shape the dataset records.
AnyImage read_checked(const fs::path& path, const DatasetImage& record) {
  AnyImage image = read_sum_tiff(path);
  const ImageShape s = shape_of(image);
  if (s.channels != record.channels || s.height != record.height || s.width != record.width) {
    throw Error(
        ErrorKind::kCorrupt,
        fmt::format("{}: shape ({}, {}, {}) but the dataset records ({}, {}, {})", shown(path),
                    s.channels, s.height, s.width, record.channels, record.height, record.width));
  }
  return image;
}

// Puts `source` at `dest`: a hard link when the file already has the export's layout (and the
// file system allows it), else the same pages written anew with the export's description.
// Returns true for a link.
bool place(const fs::path& source, const fs::path& dest, const AnyImage& image) {
  if (sum_tiff_has_layout(source, shape_of(image), SumTiffLayout::kPlain)) {
    std::error_code ec;
    fs::create_hard_link(source, dest, ec);
    if (!ec) return true;  // else (another file system, no links allowed): a copy
  }
  write_sum_tiff(dest, image, /*no_clobber=*/true, SumTiffLayout::kPlain);
  return false;
}

// Exports every item into the staging dir (in parallel), adding the train images to the stats.
void place_all(const std::vector<Item>& items, const fs::path& staging, int threads,
               TrainStats& stats, ExportResult& result, const Reporter& reporter) {
  std::mutex mutex;
  std::size_t done = 0;
  reporter.progress("exporting", 0, items.size());
  detail::parallel_for(items.size(), threads, [&](std::size_t i) {
    reporter.check_cancelled();
    const Item& item = items[i];
    const std::string name = fmt::format("image{}.tif", item.image->id);
    std::size_t linked = 0;
    for (const bool target : {false, true}) {
      const fs::path& source = target ? item.target : item.input;
      const AnyImage image = read_checked(source, *item.image);
      const fs::path dest = staging / item.part / (target ? "target" : "input") / name;
      linked += place(source, dest, image) ? 1 : 0;
      if (item.part == "train") {
        std::lock_guard lock(stats.mutex);
        (target ? stats.target : stats.input).add(image);
      }
    }
    std::lock_guard lock(mutex);
    result.n_linked += linked;
    result.n_copied += 2 - linked;
    reporter.progress("exporting", ++done, items.size());
  });
}

// Float sums need a second look at every train pixel for exact percentiles (see PixelStats).
void finish_stats(const std::vector<Item>& items, TrainStats& stats, const Reporter& reporter) {
  if (!stats.input.needs_second_pass() && !stats.target.needs_second_pass()) return;
  stats.input.begin_second_pass();
  stats.target.begin_second_pass();
  for (const Item& item : items) {
    if (item.part != "train") continue;
    reporter.check_cancelled();
    stats.input.add(read_sum_tiff(item.input));
    stats.target.add(read_sum_tiff(item.target));
  }
}

// Per channel: mean, std and the 1st / 99th percentiles (kStatPercentiles[1] and [4]).
Json channel_values(const StatsSummary& s, int which) {
  Json values = Json::array();
  for (const ChannelStats& c : s.channels) {
    values.push_back(which == 0   ? c.mean
                     : which == 1 ? c.std
                     : which == 2 ? c.percentiles[1]
                                  : c.percentiles[4]);
  }
  return values;
}

Json careamics_json(const Dataset& d, const ExportResult& r, const ExportOptions& o,
                    const StatsSummary& input, const StatsSummary& target) {
  const std::size_t channels = input.channels.size();
  const Json lower = std::vector<double>(channels, 0.01),
             upper = std::vector<double>(channels, 0.99);
  Json paths = {{"train_data", "train/input"}, {"train_data_target", "train/target"}};
  if (!r.val_ids.empty()) {
    paths["val_data"] = "val/input";
    paths["val_data_target"] = "val/target";
  }
  if (!r.test_ids.empty()) {
    paths["test_data"] = "test/input";
    paths["test_data_target"] = "test/target";
  }
  return {{"careamics_version", kCareamicsVersion},
          {"data_config",
           {{"data_type", "tiff"},
            {"axes", r.axes},
            {"normalization",
             {{"name", "mean_std"},
              {"per_channel", true},
              {"input_means", channel_values(input, 0)},
              {"input_stds", channel_values(input, 1)},
              {"target_means", channel_values(target, 0)},
              {"target_stds", channel_values(target, 1)}}}}},
          {"quantile_normalization",
           {{"name", "quantile"},
            {"per_channel", true},
            {"lower_quantiles", lower},
            {"upper_quantiles", upper},
            {"input_lower_quantile_values", channel_values(input, 2)},
            {"input_upper_quantile_values", channel_values(input, 3)},
            {"target_lower_quantile_values", channel_values(target, 2)},
            {"target_upper_quantile_values", channel_values(target, 3)}}},
          {"n_channels", channels},
          {"paths", paths},
          {"flamecare",
           {{"dataset", detail::printable(d.name)},
            {"dataset_json", shown(d.json_path)},
            {"pairing", pairing_name(d.pairing)},
            {"input_frames", {d.input_frames().begin, d.input_frames().end}},
            {"target_frames", {d.target_frames().begin, d.target_frames().end}},
            {"group_by", group_by_name(d.group_by)},
            {"validation_fraction", o.validation_fraction},
            {"seed", r.seed},
            {"train_ids", r.train_ids},
            {"val_ids", r.val_ids},
            {"test_ids", r.test_ids},
            {"train_pixels_per_channel", input.count / channels},
            {"tool", fmt::format("flamecare {}", kVersion)}}}};
}

// Which folder each image goes to (val: the train images in `val`), and where its sums are.
std::vector<Item> plan_items(const Dataset& d, const fs::path& data_root,
                             const std::vector<std::int64_t>& val, ExportResult& r) {
  const fs::path data_dir = data_root / d.name;
  std::vector<Item> items;
  for (const DatasetImage& image : d.images) {
    const bool held = std::binary_search(val.begin(), val.end(), image.id);
    const std::string part = image.split == Split::kTest ? "test" : held ? "val" : "train";
    (part == "test" ? r.test_ids : part == "val" ? r.val_ids : r.train_ids).push_back(image.id);
    items.push_back(
        {&image, part,
         dataset_image_path(data_dir, image.split, image.id, d.input_frames(), d.pairing),
         dataset_image_path(data_dir, image.split, image.id, d.target_frames(), d.pairing)});
  }
  return items;
}

ExportResult export_checked(const ExportOptions& o, const Reporter& reporter) {
  validate(o);
  const Dataset d = open_dataset(o.dataset, o.datasets_dir);
  if (d.images.empty() || d.train_ids().empty()) {
    throw Error(ErrorKind::kNotFound,
                fmt::format("{}: dataset has no train images to export", shown(d.json_path)));
  }
  const fs::path data_root = o.data_dir.empty() ? d.data_dir.parent_path() : o.data_dir;
  ExportResult r;
  r.seed = o.seed.value_or(detail::fresh_seed());
  r.axes = d.channels() == 1 ? "YX" : "CYX";
  const std::vector<Item> items =
      plan_items(d, data_root, detail::choose_validation_ids(d, o.validation_fraction, r.seed), r);

  fs::create_directories(o.out_dir);
  r.dir = o.out_dir / d.name;
  r.config = r.dir / "careamics.json";
  std::error_code ec;
  if (fs::exists(fs::symlink_status(r.dir, ec))) {
    throw Error(ErrorKind::kAlreadyExists,
                fmt::format("{}: already exists; not overwriting", shown(r.dir)));
  }
  detail::remove_left_by_dead(o.out_dir, staging_owner, reporter);
  Staging staging(o.out_dir);
  for (const Item& item : items) {
    fs::create_directories(staging.dir / item.part / "input");
    fs::create_directories(staging.dir / item.part / "target");
  }
  reporter.info(fmt::format("exporting {} images ({} train, {} val, {} test) with seed {}",
                            items.size(), r.train_ids.size(), r.val_ids.size(), r.test_ids.size(),
                            r.seed));
  TrainStats stats(d.channels());
  place_all(items, staging.dir, o.threads, stats, r, reporter);
  finish_stats(items, stats, reporter);
  detail::write_json_file(
      staging.dir / "careamics.json",
      careamics_json(d, r, o, stats.input.summarize(), stats.target.summarize()),
      /*no_clobber=*/true);
  detail::test_point("export:staged");
  reporter.check_cancelled();
  if (!detail::rename_no_replace(staging.dir, r.dir)) {
    throw Error(ErrorKind::kAlreadyExists,
                fmt::format("{}: already exists; not overwriting", shown(r.dir)));
  }
  staging.published = true;
  return r;
}

}  // namespace

ExportResult export_dataset(const ExportOptions& options, const Reporter& reporter) {
  try {
    return export_checked(options, reporter);
  } catch (const fs::filesystem_error& e) {
    throw Error(ErrorKind::kIo, fmt::format("{}: {}", shown(e.path1()), e.code().message()));
  }
}

}  // namespace flamecare
