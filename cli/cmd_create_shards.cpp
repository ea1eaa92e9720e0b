// `flamecare create-shard PLAN --shard K/N` and `flamecare create-merge PLAN`: the steps of a
// sharded create after `create --plan-only`.
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "flamecare/create_shards.hpp"
#include "flamecare/error.hpp"
#include "flamecare/text.hpp"
#include "interrupt.hpp"
#include "validators.hpp"

namespace flamecare::cli {
namespace {

struct ShardArgs {
  std::filesystem::path plan;
  std::string shard;  // "K/N"
  int threads = 0;
};

// "K/N" with 1 <= K <= N; anything else is a usage error.
std::pair<int, int> parse_shard(const std::string& text) {
  int k = 0, n = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &k, &n, &tail) != 2 || k < 1 || n < 1 || k > n ||
      text != fmt::format("{}/{}", k, n)) {
    throw CLI::ValidationError("--shard", fmt::format("expected K/N with 1 <= K <= N (e.g. 2/5), "
                                                      "got \"{}\"",
                                                      printable(text)));
  }
  return {k, n};
}

int run_shard(const ShardArgs& args, Console& console) {
  const auto [k, n] = parse_shard(args.shard);
  catch_interrupts();
  const CreateShardResult r = create_shard(args.plan, k, n, args.threads, console.reporter());
  fmt::print("shard {}/{}: {} images summed, {} could not be read\n", r.shard, r.shards, r.summed,
             r.failed);
  fmt::print("{}\n", printable(r.state.string()));
  return 0;
}

int run_merge(const ShardArgs& args, Console& console) {
  catch_interrupts();
  const CreateResult result = create_merge(args.plan, args.threads, console.reporter());
  try {
    console.save_log_done(result.data_dir / "create.log");
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{} (dataset {} itself is complete)", e.what(), result.name));
  }
  print_create_summary(result);
  return 0;
}

CLI::App* add_plan_command(CLI::App& app, const char* name, const char* help, ShardArgs& args) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("plan", args.plan, "The plan file (create --plan-only prints its path)")
      ->required();
  cmd->add_option("--threads", args.threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(int_at_least(0));
  return cmd;
}

}  // namespace

void add_create_shard_command(CLI::App& app, Runner& runner) {
  auto args = std::make_shared<ShardArgs>();
  auto* cmd = add_plan_command(app, "create-shard",
                               "Sum shard K of N of a create plan's images (K/N, e.g. 2/5)", *args);
  cmd->add_option("--shard", args->shard, "Which shard: K/N (1 <= K <= N)")->required();
  cmd->callback([&runner, args] {
    parse_shard(args->shard);  // a usage error before anything runs
    runner = [args](Console& console) { return run_shard(*args, console); };
  });
}

void add_create_merge_command(CLI::App& app, Runner& runner) {
  auto args = std::make_shared<ShardArgs>();
  auto* cmd = add_plan_command(
      app, "create-merge",
      "Merge a create plan's finished shards and publish the dataset as create does", *args);
  cmd->callback(
      [&runner, args] { runner = [args](Console& console) { return run_merge(*args, console); }; });
}

}  // namespace flamecare::cli
