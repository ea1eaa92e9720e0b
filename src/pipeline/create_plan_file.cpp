#include "pipeline/create_plan_file.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/json_values.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;
using Json = nlohmann::json;
using namespace json_values;  // NOLINT: the typed readers this file is made of

namespace {

constexpr const char* kPlanKey = "FLAME_CreatePlan";
constexpr const char* kStateKey = "FLAME_CreateShard";

std::string dump(const Json& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

// The plan without its path and fingerprint: what the fingerprint covers.
Json plan_body(const CreatePlan& plan) {
  Json images = Json::array();
  for (const CreatePlanImage& image : plan.images) {
    Json j{{"id", image.id},         {"image", printable(image.image)},
           {"frames", image.frames}, {"channels", image.channels},
           {"height", image.height}, {"width", image.width},
           {"dtype", image.dtype}};
    if (image.bidirectional_correction)
      j["bidirectional_correction"] = *image.bidirectional_correction;
    images.push_back(std::move(j));
  }
  return Json{{"version", 1},
              {"name", printable(plan.name)},
              {"id", format_dataset_id(plan.id)},
              {"seed", plan.seed},
              {"create_options", create_options_json(plan.options, {})},
              {"images", std::move(images)},
              {"skipped", plan.skipped},
              {"staging", printable(plan.staging.string())}};
}

// FNV-1a, 64 bits: enough to tell one plan from another (not a defence against forgery).
std::string fnv1a(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

CreatePlanImage parse_plan_image(const Json& j, std::string_view source) {
  if (!j.is_object()) corrupt(source, "an entry of \"images\" is not an object");
  CreatePlanImage image;
  image.id = as_int64(member(j, "id", source), "id", source);
  image.image = as_string(member(j, "image", source), "image", source);
  image.frames = as_int(member(j, "frames", source), "frames", source);
  image.channels = as_int(member(j, "channels", source), "channels", source);
  image.height = as_int(member(j, "height", source), "height", source);
  image.width = as_int(member(j, "width", source), "width", source);
  image.dtype = as_string(member(j, "dtype", source), "dtype", source);
  if (j.contains("bidirectional_correction"))
    image.bidirectional_correction =
        as_int(j["bidirectional_correction"], "bidirectional_correction", source);
  return image;
}

}  // namespace

std::string plan_fingerprint(const CreatePlan& plan) { return fnv1a(plan_body(plan).dump()); }

std::string format_plan(const CreatePlan& plan) {
  Json body = plan_body(plan);
  body["fingerprint"] = plan_fingerprint(plan);
  return dump(Json{{kPlanKey, std::move(body)}});
}

CreatePlan parse_plan(std::string_view text, std::string_view source) {
  const Json root = parse_json_bounded(text, source);
  if (!root.is_object() || !root.contains(kPlanKey) || !root[kPlanKey].is_object())
    corrupt(source, fmt::format("not a create plan (no \"{}\" object)", kPlanKey));
  const Json& p = root[kPlanKey];
  if (as_int(member(p, "version", source), "version", source) != 1)
    corrupt(source, "plan version is not 1 (made by another flamecare version)");
  CreatePlan plan;
  plan.name = as_string(member(p, "name", source), "name", source);
  const auto id = dataset_id_of(Json{{"FLAME_Dataset", {{"id", member(p, "id", source)}}}});
  if (!id) corrupt(source, "\"id\" is not a dataset id");
  plan.id = *id;
  plan.seed = as_uint64(member(p, "seed", source), "seed", source);
  plan.options = parse_create_options(member(p, "create_options", source), source);
  const Json& images = member(p, "images", source);
  if (!images.is_array() || images.empty()) corrupt(source, "\"images\" is not a non-empty list");
  for (const Json& j : images) plan.images.push_back(parse_plan_image(j, source));
  const Json& skipped = member(p, "skipped", source);
  if (!skipped.is_object()) corrupt(source, "\"skipped\" is not an object");
  for (const auto& [reason, count] : skipped.items())
    plan.skipped[reason] = as_uint64(count, "skipped", source);
  plan.staging = as_string(member(p, "staging", source), "staging", source);
  plan.fingerprint = as_string(member(p, "fingerprint", source), "fingerprint", source);
  if (plan.fingerprint != plan_fingerprint(plan)) {
    corrupt(source, fmt::format("fingerprint {} does not match the plan's content ({}): the plan "
                                "was changed after it was made",
                                printable(plan.fingerprint), plan_fingerprint(plan)));
  }
  return plan;
}

namespace {

Json stats_state_json(const PixelStatsState& s) {
  Json channels = Json::array();
  const bool floats = s.type == PixelType::kFloat32;
  for (const auto& c : s.channel) {
    if (floats) {
      channels.push_back(Json{{"count", c.count},
                              {"min", c.min},
                              {"max", c.max},
                              {"sum", c.sum},
                              {"compensation", c.compensation},
                              {"high", c.high}});
    } else {
      channels.push_back(Json{{"values", c.values}});
    }
  }
  return Json{{"channels", s.channels},
              {"type", s.type ? Json(pixel_type_name(*s.type)) : Json()},
              {"channel", std::move(channels)}};
}

PixelStatsState parse_stats_state(const Json& j, const char* side, std::string_view source) {
  if (!j.is_object()) corrupt(source, fmt::format("\"{}\" is not an object", side));
  PixelStatsState s;
  s.channels = as_int(member(j, "channels", source), "channels", source);
  const Json& type = member(j, "type", source);
  if (!type.is_null()) {
    s.type = parse_pixel_type(as_string(type, "type", source));
    if (!s.type) corrupt(source, fmt::format("\"{}\" has an unknown pixel type", side));
  }
  const Json& channel = member(j, "channel", source);
  if (!channel.is_array()) corrupt(source, fmt::format("\"{}.channel\" is not a list", side));
  try {
    for (const Json& c : channel) {
      PixelStatsState::Channel saved;
      if (c.contains("values")) {
        saved.values = c.at("values").get<decltype(saved.values)>();
      } else {
        saved.count = c.at("count").get<std::uint64_t>();
        saved.min = static_cast<float>(c.at("min").get<double>());
        saved.max = static_cast<float>(c.at("max").get<double>());
        saved.sum = c.at("sum").get<double>();
        saved.compensation = c.at("compensation").get<double>();
        saved.high = c.at("high").get<decltype(saved.high)>();
      }
      s.channel.push_back(std::move(saved));
    }
  } catch (const Json::exception& e) {
    corrupt(source, fmt::format("\"{}\" statistics are malformed: {}", side, e.what()));
  }
  return s;
}

}  // namespace

std::string format_shard_state(const ShardState& state) {
  Json summed = Json::array();
  for (const auto& [id, shape] : state.summed)
    summed.push_back(Json{{"id", id},
                          {"channels", shape.channels},
                          {"height", shape.height},
                          {"width", shape.width}});
  Json failed = Json::array();
  for (const FailedImage& f : state.failed)
    failed.push_back(
        Json{{"id", f.id}, {"image", printable(f.image)}, {"reason", printable(f.reason)}});
  // One line: the histograms make up most of it, and indenting them would double its size.
  return Json{{kStateKey,
               {{"fingerprint", state.fingerprint},
                {"shard", state.shard},
                {"shards", state.shards},
                {"summed", std::move(summed)},
                {"failed", std::move(failed)},
                {"input", stats_state_json(state.input)},
                {"truth", stats_state_json(state.truth)}}}}
             .dump(-1, ' ', false, Json::error_handler_t::replace) +
         "\n";
}

ShardState parse_shard_state(std::string_view text, std::string_view source) {
  const Json root = parse_json_bounded(text, source);
  if (!root.is_object() || !root.contains(kStateKey) || !root[kStateKey].is_object())
    corrupt(source, fmt::format("not a shard state (no \"{}\" object)", kStateKey));
  const Json& j = root[kStateKey];
  ShardState s;
  s.fingerprint = as_string(member(j, "fingerprint", source), "fingerprint", source);
  s.shard = as_int(member(j, "shard", source), "shard", source);
  s.shards = as_int(member(j, "shards", source), "shards", source);
  const Json& summed = member(j, "summed", source);
  const Json& failed = member(j, "failed", source);
  if (!summed.is_array() || !failed.is_array())
    corrupt(source, "\"summed\" or \"failed\" not a list");
  for (const Json& e : summed) {
    ImageShape shape{as_int(member(e, "channels", source), "channels", source),
                     as_int(member(e, "height", source), "height", source),
                     as_int(member(e, "width", source), "width", source)};
    s.summed.emplace_back(as_int64(member(e, "id", source), "id", source), shape);
  }
  for (const Json& e : failed) {
    s.failed.push_back({as_int64(member(e, "id", source), "id", source),
                        as_string(member(e, "image", source), "image", source),
                        as_string(member(e, "reason", source), "reason", source)});
  }
  s.input = parse_stats_state(member(j, "input", source), "input", source);
  s.truth = parse_stats_state(member(j, "truth", source), "truth", source);
  return s;
}

fs::path shard_state_path(const fs::path& staging, int shard, int shards) {
  return staging / "shards" / fmt::format("shard-{}-of-{}.json", shard, shards);
}

std::optional<std::pair<int, int>> parse_shard_state_name(const std::string& filename) {
  int k = 0, n = 0;
  char tail = 0;
  if (std::sscanf(filename.c_str(), "shard-%d-of-%d.json%c", &k, &n, &tail) != 2) return {};
  if (filename != fmt::format("shard-{}-of-{}.json", k, n)) return {};
  return std::pair{k, n};
}

fs::path plan_data_dir(const CreatePlan& plan) { return plan.staging / "data"; }

std::optional<std::string> merged_into(const CreatePlan& plan) {
  for (const Dataset& d : list_datasets(plan.options.datasets_dir))
    if (d.id == plan.id) return d.name;
  return std::nullopt;
}

}  // namespace flamecare::detail
