// The TOML config that makes a dataset again (`flamecare show DATASET --config`): the options the
// dataset recorded, under the names `flamecare create --config` reads.
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "flamecare/dataset_files.hpp"
#include "flamecare/error.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace fs = std::filesystem;
namespace {

// A TOML basic string.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char ch : detail::printable(text)) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04X}", unsigned(c));
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// A TOML float: always with a point or exponent, so it reads back as a float.
std::string toml_float(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

template <class T>
std::string toml_array(const std::vector<T>& values) {
  return fmt::format("[{}]", fmt::join(values, ", "));
}

// The options of a JSON written before they were recorded, from what it does hold.
CreateOptions rebuilt_options(const Dataset& d) {
  const std::string source = detail::printable(d.json_path.string());
  if (d.raw_root.empty() || !d.seed || d.data_dir.empty()) {
    throw Error(ErrorKind::kUnsupported,
                fmt::format("{}: the dataset records neither its options nor its raw root, seed "
                            "and data dir (made by the original notebooks?); it cannot be made "
                            "again from a config",
                            source));
  }
  CreateOptions o;
  o.raw_root = d.raw_root;
  o.datasets_dir = fs::absolute(d.json_path).lexically_normal().parent_path();
  o.out_dir = d.data_dir.parent_path();
  o.type = d.type;
  o.input_frames = d.input.n_frames;
  o.gt_frames = d.output.n_frames;
  o.test_fraction = d.test_fraction.value_or(o.test_fraction);
  o.seed = d.seed;
  o.pairing = d.pairing;
  o.group_by = d.group_by;
  if (d.name.size() >= 8 && d.name.find_first_not_of("0123456789") >= 8)
    o.date = d.name.substr(0, 8);
  return o;
}

std::string header(const Dataset& d) {
  std::string text = fmt::format(
      "# Dataset {} ({}), made {} by {}.\n"
      "# `flamecare create --config FILE` makes it again: the same images, split and statistics\n"
      "# while its raw root and index hold the same images (the name may get a suffix: an\n"
      "# existing dataset is never overwritten).\n",
      detail::printable(d.name), format_dataset_id(d.id), detail::printable(d.created),
      detail::printable(d.tool));
  if (!d.create_options)
    text += "# Rebuilt from what its JSON records (written before options were recorded).\n";
  if (!d.ladder.empty()) {
    text += fmt::format(
        "# One rung pair of the frame ladder {}: `ladder = {}` instead of input-frames, gt-frames\n"
        "# and min-frames makes every pair again.\n",
        toml_array(d.ladder), toml_array(d.ladder));
  }
  return text;
}

}  // namespace

std::string format_create_config(const Dataset& d) {
  const CreateOptions o = d.create_options ? *d.create_options : rebuilt_options(d);
  std::string t = header(d);
  t += fmt::format("raw-root = {}\n", toml_string(o.raw_root.string()));
  t += fmt::format("datasets = {}\n", toml_string(o.datasets_dir.string()));
  t += fmt::format("out = {}\n", toml_string(o.out_dir.string()));
  t += fmt::format("type = {}\n", toml_string(o.type));
  t += fmt::format("input-frames = {}\ngt-frames = {}\n", o.input_frames, o.gt_frames);
  if (o.min_frames > 0) t += fmt::format("min-frames = {}\n", o.min_frames);
  t += fmt::format("pairing = {}\n", toml_string(std::string(pairing_name(o.pairing))));
  t += fmt::format("group-by = {}\n", toml_string(std::string(group_by_name(o.group_by))));
  if (o.test_ids.empty()) {
    t += fmt::format("test-fraction = {}\n", toml_float(o.test_fraction));
  } else {
    t += fmt::format("test-ids = {}\n", toml_array(o.test_ids));
  }
  // TOML integers are 64-bit signed: a larger seed is written as text (the option reads both).
  const std::uint64_t seed = o.seed.value_or(0);
  t += seed > std::uint64_t(std::numeric_limits<std::int64_t>::max())
           ? fmt::format("seed = \"{}\"\n", seed)
           : fmt::format("seed = {}\n", seed);
  if (o.channels) t += fmt::format("channels = {}\n", *o.channels);
  if (!o.date.empty()) t += fmt::format("date = {}\n", toml_string(o.date));
  t += fmt::format("threads = {}\n", o.threads);
  return t;
}

}  // namespace flamecare
