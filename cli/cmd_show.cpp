// `flamecare show DATASET`: one dataset's options, split, statistics and outputs; or, with
// --config, the TOML that makes it again.
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "flamecare/dataset_files.hpp"
#include "flamecare/text.hpp"

namespace flamecare::cli {
namespace {

struct ShowArgs {
  std::string dataset;
  std::filesystem::path datasets_dir;
  bool config = false;
};

std::string path_line(const std::filesystem::path& path, bool exists) {
  return printable(path.string()) + (exists ? "" : "  (missing)");
}

std::string id_list(const std::vector<std::int64_t>& ids) {
  return ids.empty() ? "none" : fmt::format("{}", fmt::join(ids, ", "));
}

void print_options(const Dataset& d) {
  fmt::print("options:\n");
  if (!d.create_options) {
    fmt::print("  (not recorded: made before flamecare recorded its options)\n");
    fmt::print("  type {}, seed {}, test fraction {}\n", printable(d.type),
               d.seed ? std::to_string(*d.seed) : "-",
               d.test_fraction ? fmt::format("{}", *d.test_fraction) : "-");
    return;
  }
  const CreateOptions& o = *d.create_options;
  fmt::print("  raw root:    {}\n", printable(o.raw_root.string()));
  fmt::print("  datasets:    {}\n", printable(o.datasets_dir.string()));
  fmt::print("  out:         {}\n", printable(o.out_dir.string()));
  fmt::print("  type {}, input frames {}, ground-truth frames {}{}\n", printable(o.type),
             o.input_frames, o.gt_frames,
             o.min_frames > 0 ? fmt::format(", images with at least {} frames", o.min_frames) : "");
  if (!d.ladder.empty())
    fmt::print("  made as a rung pair of the ladder {}\n", fmt::join(d.ladder, ","));
  fmt::print("  split: {}, seed {}\n",
             o.test_ids.empty() ? fmt::format("test fraction {}", o.test_fraction)
                                : fmt::format("test ids {}", id_list(o.test_ids)),
             o.seed.value_or(0));
  fmt::print("  channels {}, date {}, threads {}\n",
             o.channels ? std::to_string(*o.channels) : "any", printable(o.date), o.threads);
  fmt::print("  pairing {} (input frames [{}, {}), target frames [{}, {})), split by {}\n",
             pairing_name(d.pairing), d.input_frames().begin, d.input_frames().end,
             d.target_frames().begin, d.target_frames().end, group_by_name(d.group_by));
}

void print_side(const char* title, const DatasetStats& s) {
  fmt::print(
      "{}: sums of {} frames; all channels: min {:.6g}, max {:.6g}, mean {:.6g}, std {:.6g}\n",
      title, s.n_frames, s.min, s.max, s.mean, s.std);
  fmt::print("  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}\n", "channel",
             "mean", "std", "p0.1", "p1", "p5", "p95", "p99", "p99.9");
  for (std::size_t c = 0; c < s.p1.size(); ++c) {
    const auto at = [&](const std::vector<double>& v) {
      return c < v.size() ? fmt::format("{:.6g}", v[c]) : std::string("-");
    };
    fmt::print("  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}\n", c + 1,
               at(s.channel_mean), at(s.channel_std), at(s.p0_1), at(s.p1), at(s.p5), at(s.p95),
               at(s.p99), at(s.p99_9));
  }
}

void print_dataset(const DatasetInfo& info) {
  const Dataset& d = info.dataset;
  fmt::print("dataset {} (id {})\n", printable(d.name), format_dataset_id(d.id));
  fmt::print("  created: {} by {}\n", d.created.empty() ? "-" : printable(d.created),
             d.tool.empty() ? "-" : printable(d.tool));
  fmt::print("  json:    {}\n", path_line(info.json, true));
  fmt::print("  preview: {}\n", path_line(info.preview, info.preview_exists));
  fmt::print("  data:    {}\n", info.data_dir.empty()
                                    ? std::string("-")
                                    : path_line(info.data_dir, info.data_dir_exists));
  print_options(d);
  fmt::print("split: {} images, {} train, {} test ({} channel{})\n", d.images.size(),
             d.train_ids().size(), d.test_ids().size(), d.channels(), d.channels() == 1 ? "" : "s");
  fmt::print("  train ids: {}\n", id_list(d.train_ids()));
  fmt::print("  test ids:  {}\n", id_list(d.test_ids()));
  print_side("input", d.input);
  print_side("ground truth", d.output);
  fmt::print("npz files: {}\n", info.npz_files.empty() ? "none" : "");
  for (const auto& npz : info.npz_files) fmt::print("  {}\n", printable(npz.string()));
  for (const auto& npz : info.missing_npz_files)
    fmt::print("  {}  (missing)\n", printable(npz.string()));
}

}  // namespace

void add_show_command(CLI::App& app, Runner& runner) {
  auto args = std::make_shared<ShowArgs>();
  auto* cmd = app.add_subcommand("show", "Show one dataset: options, split, statistics, outputs");
  cmd->add_option("dataset", args->dataset, "Dataset name or path to its JSON")->required();
  cmd->add_option("--datasets", args->datasets_dir, "Datasets dir holding <name>.json")
      ->capture_default_str();
  cmd->add_flag("--config", args->config,
                "Print the TOML config that makes this dataset again (`create --config FILE`)");
  cmd->callback([&runner, args] {
    runner = [args](Console&) -> int {
      const DatasetInfo info = dataset_info(args->dataset, args->datasets_dir);
      if (args->config) {
        fmt::print("{}", format_create_config(info.dataset));
      } else {
        print_dataset(info);
      }
      return 0;
    };
  });
}

}  // namespace flamecare::cli
