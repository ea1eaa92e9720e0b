// `flamecare create`: options → create_dataset → summary.
#include <set>

#include <fmt/format.h>

#include "commands.hpp"
#include "config_file.hpp"
#include "flamecare/create_shards.hpp"
#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/text.hpp"
#include "interrupt.hpp"
#include "validators.hpp"

namespace flamecare::cli {
namespace {

std::size_t test_groups(const Dataset& d) {
  std::set<std::string> groups;
  for (const DatasetImage& image : d.images) {
    if (image.split == Split::kTest) groups.insert(image.group);
  }
  return groups.size();
}

}  // namespace

void print_create_summary(const CreateResult& r) {
  fmt::print("dataset {} (id {}), seed {}\n", r.name, r.id, r.seed);
  const Dataset& d = r.dataset;
  fmt::print("  frames:  input [{}, {}), target [{}, {}) ({} pairing)\n", d.input_frames().begin,
             d.input_frames().end, d.target_frames().begin, d.target_frames().end,
             pairing_name(d.pairing));
  if (d.group_by != GroupBy::kImage)
    fmt::print("  split:   whole {}s (test holds {} group{})\n", group_by_name(d.group_by),
               test_groups(d), test_groups(d) == 1 ? "" : "s");
  fmt::print("  images:  {} (train {}, test {})\n", r.n_train + r.n_test, r.n_train, r.n_test);
  std::string skipped;
  for (const auto& [reason, count] : r.skipped_by_reason)
    skipped += fmt::format(" {} {},", reason, count);
  if (!skipped.empty()) skipped.pop_back();
  fmt::print("  skipped:{}\n", skipped.empty() ? " none" : skipped);
  fmt::print("  train:   {}\n", printable((r.data_dir / "train").string()));
  fmt::print("  test:    {}\n", printable((r.data_dir / "test").string()));
  fmt::print("  json:    {}\n", printable(r.json.string()));
  fmt::print("  preview: {}\n", printable(r.preview.string()));
  fmt::print("  log:     {}\n", printable((r.data_dir / "create.log").string()));
}

namespace {

// Everything the parsed command line holds; shared by the parser and the runner.
struct CreateArgs {
  CreateOptions options;
  std::uint64_t seed = 0;
  int channels = 0;
  std::vector<int> ladder;
  std::string pairing = "nested";
  std::string group_by = "image";
  std::string config;
  bool plan_only = false;
  CLI::App* command = nullptr;
  CLI::Option* raw_root_option = nullptr;
  CLI::Option* datasets_option = nullptr;
  CLI::Option* out_option = nullptr;
  CLI::Option* seed_option = nullptr;
  CLI::Option* channels_option = nullptr;
};

// Checks across options, which CLI11's per-option validators cannot see.
void check_options(const CreateArgs& args) {
  require_option(args.raw_root_option, "RAW_ROOT", "raw-root");
  require_option(args.datasets_option, "--datasets", "datasets");
  require_option(args.out_option, "--out", "out");
  check_exclusions(*args.command);
  const CreateOptions& o = args.options;
  if (!args.ladder.empty() && o.pairing == Pairing::kDisjoint) {
    throw Error(ErrorKind::kInvalidArgument,
                "--ladder cannot be combined with --pairing disjoint: a ladder's rungs are nested "
                "by construction; make disjoint pairs one dataset at a time");
  }
  if (args.ladder.empty() && o.pairing == Pairing::kNested && o.gt_frames <= o.input_frames) {
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("--gt-frames ({}) must be larger than --input-frames ({})", o.gt_frames,
                            o.input_frames));
  }
}

int run_create(CreateArgs& args, Console& console) {
  if (!args.config.empty()) {
    for (const auto& line : apply_config_file(*args.command, args.config))
      console.note(fmt::format("config {}: {}", printable(args.config), line));
  }
  CreateOptions& options = args.options;
  // CLI11's IsMember checks already limited these to the known names.
  options.pairing = parse_pairing(args.pairing).value_or(Pairing::kNested);
  options.group_by = parse_group_by(args.group_by).value_or(GroupBy::kImage);
  check_options(args);
  if (args.seed_option->count() > 0) options.seed = args.seed;
  if (args.channels_option->count() > 0) options.channels = args.channels;
  catch_interrupts();
  std::vector<CreateResult> results;
  try {
    if (args.plan_only) {
      const CreatePlan plan = plan_create(options, console.reporter());
      fmt::print("plan {} (id {}), seed {}: {} images\n", printable(plan.name),
                 format_dataset_id(plan.id), plan.seed, plan.images.size());
      fmt::print("{}\n", printable(plan.path.string()));  // last line: for scripts and workflows
      return 0;
    }
    if (args.ladder.empty()) {
      results.push_back(create_dataset(options, console.reporter()));
    } else {
      results = create_ladder(options, args.ladder, console.reporter());
    }
  } catch (const Error& e) {
    console.save_log_failed(options.datasets_dir / "create.log", e.what());
    throw;
  }
  for (const auto& result : results) {
    try {
      console.save_log_done(result.data_dir / "create.log");
    } catch (const Error& e) {
      throw Error(e.kind(),
                  fmt::format("{} (dataset {} itself is complete)", e.what(), result.name));
    }
    print_create_summary(result);
  }
  return 0;
}

void add_split_options(CLI::App* cmd, CreateArgs& args) {
  CreateOptions& o = args.options;
  auto* fraction =
      cmd->add_option("--test-fraction", o.test_fraction, "Fraction of images held out for testing")
          ->capture_default_str()
          ->check(number_in(0, 1, /*hi_open=*/true));
  // --test-ids with --group-by mosaic|sample is refused by the library (it names the images).
  cmd->add_option("--test-ids", o.test_ids,
                  "Exactly these images (index ids, e.g. 3,7) form the test set; the rest train")
      ->delimiter(',')
      ->check(id_value())
      ->excludes(fraction);
  args.seed_option =
      cmd->add_option("--seed", args.seed, "Random seed for the split (default: fresh, recorded)")
          ->check(seed_value());
}

}  // namespace

void add_create_command(CLI::App& app, Runner& runner) {
  auto args = std::make_shared<CreateArgs>();
  CreateOptions& o = args->options;
  auto* cmd = app.add_subcommand("create",
                                 "Build a dataset of few-frame / many-frame sums with statistics");
  args->command = cmd;
  args->raw_root_option = cmd->add_option(
      "raw_root", o.raw_root, "Folder of raw ScanImage stacks (required; or raw-root in --config)");
  args->datasets_option = cmd->add_option(
      "--datasets", o.datasets_dir, "Datasets dir (index, dataset JSON and preview; required)");
  args->out_option =
      cmd->add_option("--out", o.out_dir, "Where <name>/{train,test} TIFFs go (required)");
  auto* input =
      cmd->add_option("--input-frames", o.input_frames, "Frames summed for the noisy input")
          ->capture_default_str()
          ->check(int_at_least(1));
  auto* gt =
      cmd->add_option("--gt-frames", o.gt_frames, "Frames summed for the ground truth (the target)")
          ->capture_default_str()
          ->check(int_at_least(1));
  auto* min_frames =
      cmd->add_option("--min-frames", o.min_frames,
                      "Select only images with at least this many frames (default: the frames "
                      "the pairing needs)")
          ->check(int_at_least(1));
  cmd->add_option("--pairing", args->pairing,
                  "nested: target = frames [0, M); disjoint: target = frames [N, N + M), "
                  "independent of the input (Noise2Noise)")
      ->capture_default_str()
      ->check(CLI::IsMember({"nested", "disjoint"}));
  cmd->add_option("--group-by", args->group_by,
                  "Split whole groups: image, mosaic (the image's folder) or sample (the folder "
                  "above it)")
      ->capture_default_str()
      ->check(CLI::IsMember({"image", "mosaic", "sample"}));
  cmd->add_option(
         "--ladder", args->ladder,
         "Frame ladder, e.g. 5,10,20,40: one dataset per consecutive pair, one shared split")
      ->delimiter(',')
      ->check(int_at_least(1))
      ->excludes(input)
      ->excludes(gt)
      ->excludes(min_frames);
  cmd->add_option("--type", o.type, "Dataset type")
      ->capture_default_str()
      ->check(one_of({std::begin(kDatasetTypes), std::end(kDatasetTypes)}));
  add_split_options(cmd, *args);
  args->channels_option =
      cmd->add_option("--channels", args->channels, "Keep only images with this many channels")
          ->check(int_at_least(1));
  cmd->add_option("--threads", o.threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(int_at_least(0));
  cmd->add_option("--date", o.date, "YYYYMMDD used in the dataset name (default: today)")
      ->check(calendar_date());
  cmd->add_flag("--plan-only", args->plan_only,
                "Only plan: reserve the name and id, write <out>/<name>.plan.json (its path is "
                "the last line printed) for create-shard and create-merge")
      ->excludes("--ladder");
  cmd->add_option("--config", args->config,
                  "TOML file of these options (keys as the long option names, raw-root for "
                  "RAW_ROOT; command line wins)");
  cmd->callback([&runner, args] {
    runner = [args](Console& console) { return run_create(*args, console); };
  });
}

}  // namespace flamecare::cli
