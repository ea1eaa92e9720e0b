#include "pipeline/dataset_json.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "pipeline/json_values.hpp"
#include "util/json_text.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

using Json = nlohmann::json;
using namespace json_values;  // NOLINT: the typed readers this file is made of

// Deeper nesting than any dataset JSON has; bounds the parser's work on hostile files.
constexpr int kMaxJsonDepth = 64;

// Key for each percentile of DatasetStats, as the original notebooks named them.
constexpr std::array<const char*, 6> kPercentileKeys = {
    "pixel_p1pct", "pixel_1pct", "pixel_5pct", "pixel_95pct", "pixel_99pct", "pixel_99p9pct"};

constexpr std::array<const char*, 20> kDatasetKeys = {
    "name",     "type",      "id",       "image_shapes",   "input",
    "output",   "image_ids", "test_ids", "seed",           "test_fraction",
    "raw_root", "data_dir",  "images",   "tool",           "created",
    "pairing",  "frames",    "group_by", "create_options", "npz_files"};

std::array<std::vector<double>*, 6> percentiles(DatasetStats& s) {
  return {&s.p0_1, &s.p1, &s.p5, &s.p95, &s.p99, &s.p99_9};
}

std::array<const std::vector<double>*, 6> percentiles(const DatasetStats& s) {
  return {&s.p0_1, &s.p1, &s.p5, &s.p95, &s.p99, &s.p99_9};
}

DatasetStats parse_stats(const Json& block, const char* side, std::string_view source) {
  if (!block.is_object()) corrupt(source, fmt::format("\"{}\" is not an object", side));
  DatasetStats s;
  s.n_frames = as_int(member(block, "n_frames", source), "n_frames", source);
  s.mean = as_double(member(block, "pixel_mean", source), "pixel_mean", source);
  s.min = as_double(member(block, "pixel_min", source), "pixel_min", source);
  s.max = as_double(member(block, "pixel_max", source), "pixel_max", source);
  s.std = as_double(member(block, "pixel_std", source), "pixel_std", source);
  const auto lists = percentiles(s);
  for (std::size_t q = 0; q < lists.size(); ++q) {
    *lists[q] = as_doubles(member(block, kPercentileKeys[q], source), kPercentileKeys[q], source);
    if (lists[q]->size() != s.p0_1.size())
      corrupt(source, fmt::format("\"{}\" percentile lists differ in length", side));
  }
  if (block.contains("channel_mean"))
    s.channel_mean = as_doubles(block["channel_mean"], "channel_mean", source);
  if (block.contains("channel_std"))
    s.channel_std = as_doubles(block["channel_std"], "channel_std", source);
  if (block.contains("n_pixels")) {
    const std::int64_t n = as_int64(block["n_pixels"], "n_pixels", source);
    if (n < 0) corrupt(source, "\"n_pixels\" is negative");
    s.n_pixels = std::uint64_t(n);
  }
  return s;
}

Json stats_json(const DatasetStats& s) {
  Json block;
  block["n_frames"] = s.n_frames;
  block["pixel_mean"] = s.mean;
  block["pixel_min"] = s.min;
  block["pixel_max"] = s.max;
  block["pixel_std"] = s.std;
  const auto lists = percentiles(s);
  for (std::size_t q = 0; q < lists.size(); ++q) block[kPercentileKeys[q]] = *lists[q];
  if (!s.channel_mean.empty()) block["channel_mean"] = s.channel_mean;
  if (!s.channel_std.empty()) block["channel_std"] = s.channel_std;
  if (s.n_pixels) block["n_pixels"] = *s.n_pixels;
  return block;
}

// image_ids, image_shapes and test_ids (the original schema) decide the images; the optional
// per-image records add the raw path and the correction.
std::vector<DatasetImage> parse_images(const Json& d, std::string_view source) {
  const auto ids = as_ids(member(d, "image_ids", source), "image_ids", source);
  const auto test = as_ids(member(d, "test_ids", source), "test_ids", source);
  const Json& shapes = member(d, "image_shapes", source);
  if (!shapes.is_array() || shapes.size() != ids.size()) {
    corrupt(source, fmt::format("{} image_shapes for {} image_ids",
                                shapes.is_array() ? shapes.size() : 0, ids.size()));
  }
  const Json* records = d.contains("images") ? &d["images"] : nullptr;
  if (records != nullptr && (!records->is_array() || records->size() != ids.size()))
    corrupt(source, "\"images\" does not list every image of image_ids");
  const std::set<std::int64_t> test_set(test.begin(), test.end());
  std::vector<DatasetImage> images;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const Json& shape = shapes[i];
    if (!shape.is_array() || shape.size() != 4)
      corrupt(source, fmt::format("image_shapes[{}] is not [1, C, Y, X]", i));
    DatasetImage image;
    image.id = ids[i];
    image.channels = as_int(shape[1], "image_shapes", source);
    image.height = as_int(shape[2], "image_shapes", source);
    image.width = as_int(shape[3], "image_shapes", source);
    if (image.channels < 1 || image.height < 1 || image.width < 1)
      corrupt(source, fmt::format("image_shapes[{}] has an empty axis", i));
    image.split = test_set.count(image.id) > 0 ? Split::kTest : Split::kTrain;
    if (records != nullptr) {
      const Json& r = (*records)[i];
      if (!r.is_object() || as_int64(member(r, "id", source), "id", source) != image.id)
        corrupt(source, fmt::format("images[{}] is not image {}", i, image.id));
      if (r.contains("image")) image.image = as_string(r["image"], "image", source);
      if (r.contains("bidirectional_correction")) {
        image.bidirectional_correction =
            as_int(r["bidirectional_correction"], "bidirectional_correction", source);
      }
      if (r.contains("group")) image.group = as_string(r["group"], "group", source);
    }
    images.push_back(std::move(image));
  }
  for (const std::int64_t id : test_set) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      corrupt(source, fmt::format("test id {} is not in image_ids", id));
  }
  return images;
}

std::optional<std::uint64_t> id_from(const Json& id) {
  if (id.is_number_unsigned()) return id.get<std::uint64_t>();
  if (id.is_number_integer() && id.get<std::int64_t>() >= 0) return id.get<std::uint64_t>();
  if (!id.is_string()) return std::nullopt;
  const std::string text = id.get<std::string>();
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits = hex ? text.substr(2) : text;
  if (digits.empty() || digits.size() > 16 + (hex ? 0 : 4) ||
      digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos)
    return std::nullopt;
  errno = 0;
  const unsigned long long value = std::strtoull(digits.c_str(), nullptr, hex ? 16 : 10);
  if (errno == ERANGE) return std::nullopt;
  return value;
}

}  // namespace

// "create_options": every option of `create` as it ran, under the names of its config keys.
CreateOptions parse_create_options(const Json& o, std::string_view source) {
  if (!o.is_object()) corrupt(source, "\"create_options\" is not an object");
  CreateOptions out;
  out.raw_root = as_string(member(o, "raw_root", source), "raw_root", source);
  out.datasets_dir = as_string(member(o, "datasets", source), "datasets", source);
  out.out_dir = as_string(member(o, "out", source), "out", source);
  out.type = as_string(member(o, "type", source), "type", source);
  out.input_frames = as_int(member(o, "input_frames", source), "input_frames", source);
  out.gt_frames = as_int(member(o, "gt_frames", source), "gt_frames", source);
  if (o.contains("test_fraction"))
    out.test_fraction = as_double(o["test_fraction"], "test_fraction", source);
  if (o.contains("test_ids")) out.test_ids = as_ids(o["test_ids"], "test_ids", source);
  out.seed = as_uint64(member(o, "seed", source), "seed", source);
  if (o.contains("threads")) out.threads = as_int(o["threads"], "threads", source);
  if (o.contains("channels")) out.channels = as_int(o["channels"], "channels", source);
  out.date = as_string(member(o, "date", source), "date", source);
  if (o.contains("min_frames")) out.min_frames = as_int(o["min_frames"], "min_frames", source);
  if (o.contains("pairing")) {
    const std::string name = as_string(o["pairing"], "pairing", source);
    const auto pairing = parse_pairing(name);
    if (!pairing) corrupt(source, fmt::format("unknown \"pairing\" \"{}\"", printable(name)));
    out.pairing = *pairing;
  }
  if (o.contains("group_by")) {
    const std::string name = as_string(o["group_by"], "group_by", source);
    const auto group_by = parse_group_by(name);
    if (!group_by) corrupt(source, fmt::format("unknown \"group_by\" \"{}\"", printable(name)));
    out.group_by = *group_by;
  }
  return out;
}

Json create_options_json(const CreateOptions& o, const std::vector<int>& ladder) {
  Json j;
  j["raw_root"] = printable(o.raw_root.string());
  j["datasets"] = printable(o.datasets_dir.string());
  j["out"] = printable(o.out_dir.string());
  j["type"] = printable(o.type);
  j["input_frames"] = o.input_frames;
  j["gt_frames"] = o.gt_frames;
  if (o.test_ids.empty()) {
    j["test_fraction"] = o.test_fraction;
  } else {
    j["test_ids"] = o.test_ids;
  }
  j["seed"] = o.seed.value_or(0);
  j["threads"] = o.threads;
  if (o.channels) j["channels"] = *o.channels;
  j["date"] = printable(o.date);
  if (o.min_frames > 0) j["min_frames"] = o.min_frames;
  j["pairing"] = pairing_name(o.pairing);
  j["group_by"] = group_by_name(o.group_by);
  if (!ladder.empty()) j["ladder"] = ladder;
  return j;
}

namespace {

// All images share one channel count, and each statistics list has one value per channel.
void check_channels(const Dataset& dataset, std::string_view source) {
  for (const DatasetImage& image : dataset.images) {
    if (image.channels != dataset.images.front().channels) {
      corrupt(source, fmt::format("images with {} and {} channels", dataset.images.front().channels,
                                  image.channels));
    }
  }
  const std::size_t channels = dataset.images.empty() ? 0 : std::size_t(dataset.channels());
  for (const DatasetStats* s : {&dataset.input, &dataset.output}) {
    if (channels != 0 && s->p1.size() != channels)
      corrupt(source, fmt::format("{} percentile values for {} channels", s->p1.size(), channels));
  }
}

// Everything of `json` this version does not read, so writing the dataset back keeps it.
std::string unknown_keys(const Json& json) {
  Json extra = Json::object();
  for (const auto& [key, value] : json.items()) {
    if (key != "FLAME_Dataset") extra[key] = value;
  }
  Json inner = Json::object();
  for (const auto& item : json["FLAME_Dataset"].items()) {
    const std::string& key = item.key();
    if (std::find_if(kDatasetKeys.begin(), kDatasetKeys.end(),
                     [&](const char* k) { return key == k; }) == kDatasetKeys.end())
      inner[key] = item.value();
  }
  if (!inner.empty()) extra["FLAME_Dataset"] = inner;
  return extra.empty() ? std::string() : extra.dump();
}

// "pairing", "group_by" and "frames" (absent in older JSONs: nested pairing, image grouping). The
// recorded frame ranges must be those the pairing and the frame counts give.
void parse_pairing_and_grouping(const Json& d, Dataset& out, std::string_view source) {
  if (d.contains("pairing")) {
    const std::string name = as_string(d["pairing"], "pairing", source);
    const auto pairing = parse_pairing(name);
    if (!pairing) corrupt(source, fmt::format("unknown \"pairing\" \"{}\"", printable(name)));
    out.pairing = *pairing;
  }
  if (d.contains("group_by")) {
    const std::string name = as_string(d["group_by"], "group_by", source);
    const auto group_by = parse_group_by(name);
    if (!group_by) corrupt(source, fmt::format("unknown \"group_by\" \"{}\"", printable(name)));
    out.group_by = *group_by;
  }
  if (!d.contains("frames")) return;
  const Json& frames = d["frames"];
  if (!frames.is_object()) corrupt(source, "\"frames\" is not an object");
  const std::pair<const char*, FrameRange> sides[] = {{"input", out.input_frames()},
                                                      {"target", out.target_frames()}};
  for (const auto& [side, expected] : sides) {
    const Json& range = member(frames, side, source);
    if (!range.is_array() || range.size() != 2 ||
        as_int(range[0], "frames", source) != expected.begin ||
        as_int(range[1], "frames", source) != expected.end) {
      corrupt(source,
              fmt::format("\"frames\".{} is {}, but {} pairing of {} and {} frames gives "
                          "[{}, {}]",
                          side, printable(range.dump()), pairing_name(out.pairing),
                          out.input.n_frames, out.output.n_frames, expected.begin, expected.end));
    }
  }
}

}  // namespace

DatasetStats stats_from_summary(int n_frames, const StatsSummary& stats) {
  DatasetStats s;
  s.n_frames = n_frames;
  s.min = stats.min;
  s.max = stats.max;
  s.mean = stats.mean;
  s.std = stats.std;
  s.n_pixels = stats.count;
  const auto lists = percentiles(s);
  for (const auto& channel : stats.channels) {
    for (std::size_t q = 0; q < lists.size(); ++q) lists[q]->push_back(channel.percentiles[q]);
    s.channel_mean.push_back(channel.mean);
    s.channel_std.push_back(channel.std);
  }
  return s;
}

nlohmann::json parse_json_bounded(std::string_view text, std::string_view source) {
  const auto depth_check = [&](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth)
      corrupt(source, fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), depth_check);
  } catch (const Json::exception& e) {
    corrupt(source, fmt::format("not valid JSON: {}", detail::json_error_text(e.what())));
  }
}

std::optional<std::uint64_t> dataset_id_of(const nlohmann::json& json) {
  if (!json.is_object()) return std::nullopt;
  const auto d = json.find("FLAME_Dataset");
  if (d == json.end() || !d->is_object()) return std::nullopt;
  const auto id = d->find("id");
  return id == d->end() ? std::nullopt : id_from(*id);
}

nlohmann::json dataset_to_json(const Dataset& dataset) {
  Json d;
  d["name"] = printable(dataset.name);
  d["type"] = printable(dataset.type);
  d["id"] = format_dataset_id(dataset.id);
  Json shapes = Json::array(), ids = Json::array(), records = Json::array();
  for (const DatasetImage& image : dataset.images) {
    const Json shape = {1, image.channels, image.height, image.width};
    shapes.push_back(shape);
    ids.push_back(image.id);
    Json record = {{"id", image.id},
                   {"image", printable(image.image)},
                   {"shape", shape},
                   {"split", split_name(image.split)},
                   {"bidirectional_correction", image.bidirectional_correction}};
    if (!image.group.empty()) record["group"] = printable(image.group);
    records.push_back(record);
  }
  d["image_shapes"] = shapes;
  d["image_ids"] = ids;
  d["test_ids"] = dataset.test_ids();
  d["images"] = records;
  d["input"] = stats_json(dataset.input);
  d["output"] = stats_json(dataset.output);
  d["pairing"] = pairing_name(dataset.pairing);
  d["frames"] = {{"input", {dataset.input_frames().begin, dataset.input_frames().end}},
                 {"target", {dataset.target_frames().begin, dataset.target_frames().end}}};
  d["group_by"] = group_by_name(dataset.group_by);
  if (dataset.seed) d["seed"] = *dataset.seed;
  if (dataset.test_fraction) d["test_fraction"] = *dataset.test_fraction;
  if (!dataset.raw_root.empty()) d["raw_root"] = printable(dataset.raw_root.string());
  if (!dataset.data_dir.empty()) d["data_dir"] = printable(dataset.data_dir.string());
  if (!dataset.tool.empty()) d["tool"] = printable(dataset.tool);
  if (!dataset.created.empty()) d["created"] = printable(dataset.created);
  if (dataset.create_options)
    d["create_options"] = create_options_json(*dataset.create_options, dataset.ladder);
  if (!dataset.npz_files.empty()) {
    d["npz_files"] = Json::array();
    for (const auto& npz : dataset.npz_files) d["npz_files"].push_back(printable(npz.string()));
  }
  Json json = {{"FLAME_Dataset", d}};
  if (!dataset.extra_json.empty()) {
    const Json extra = parse_json_bounded(dataset.extra_json, "extra_json");
    for (const auto& [key, value] : extra.items()) {
      if (key != "FLAME_Dataset") json[key] = value;
    }
    if (extra.contains("FLAME_Dataset") && extra["FLAME_Dataset"].is_object()) {
      for (const auto& [key, value] : extra["FLAME_Dataset"].items()) {
        if (!json["FLAME_Dataset"].contains(key)) json["FLAME_Dataset"][key] = value;
      }
    }
  }
  return json;
}

Dataset read_dataset_json(const std::filesystem::path& path) {
  const std::string text = read_regular_file(path, kMaxDatasetJsonBytes);
  Dataset dataset = parse_dataset_json(text, path.string());
  dataset.json_path = path;
  return dataset;
}

void write_json_file(const std::filesystem::path& path, const nlohmann::json& json,
                     bool no_clobber) {
  write_file_atomic(path, json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n",
                    no_clobber);
}

void write_dataset_json(const std::filesystem::path& path, const Dataset& dataset,
                        bool no_clobber) {
  write_json_file(path, dataset_to_json(dataset), no_clobber);
}

}  // namespace flamecare::detail

namespace flamecare {

Dataset parse_dataset_json(std::string_view text, std::string_view source) {
  using namespace detail;               // NOLINT: this file's private readers
  using namespace detail::json_values;  // NOLINT
  const Json json = parse_json_bounded(text, source);
  if (!json.is_object() || !json.contains("FLAME_Dataset") || !json["FLAME_Dataset"].is_object())
    corrupt(source, "not a dataset JSON (no FLAME_Dataset object)");
  const Json& d = json["FLAME_Dataset"];
  Dataset out;
  out.name = as_string(member(d, "name", source), "name", source);
  if (d.contains("type")) out.type = as_string(d["type"], "type", source);
  const auto id = id_from(member(d, "id", source));
  if (!id) corrupt(source, "\"id\" is not a dataset id such as \"0x0001\"");
  out.id = *id;
  out.input = parse_stats(member(d, "input", source), "input", source);
  out.output = parse_stats(member(d, "output", source), "output", source);
  out.images = parse_images(d, source);
  if (d.contains("seed")) out.seed = as_uint64(d["seed"], "seed", source);
  if (d.contains("test_fraction"))
    out.test_fraction = as_double(d["test_fraction"], "test_fraction", source);
  if (d.contains("raw_root")) out.raw_root = as_string(d["raw_root"], "raw_root", source);
  if (d.contains("data_dir")) out.data_dir = as_string(d["data_dir"], "data_dir", source);
  if (d.contains("tool")) out.tool = as_string(d["tool"], "tool", source);
  if (d.contains("created")) out.created = as_string(d["created"], "created", source);
  if (d.contains("create_options")) {
    out.create_options = parse_create_options(d["create_options"], source);
    if (d["create_options"].contains("ladder"))
      out.ladder = as_ints(d["create_options"]["ladder"], "ladder", source);
  }
  if (d.contains("npz_files")) {
    if (!d["npz_files"].is_array()) corrupt(source, "\"npz_files\" is not a list");
    for (const auto& npz : d["npz_files"])
      out.npz_files.emplace_back(as_string(npz, "npz_files", source));
  }
  parse_pairing_and_grouping(d, out, source);
  check_channels(out, source);
  out.extra_json = unknown_keys(json);
  return out;
}

std::string format_dataset_json(const Dataset& dataset) {
  return detail::dataset_to_json(dataset).dump(2, ' ', false,
                                               nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace flamecare
