#include "pipeline/patch_place.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/npz.hpp"
#include "io/png_preview_layout.hpp"
#include "pipeline/patch_outputs.hpp"
#include "pipeline/patch_pairs.hpp"
#include "util/parallel.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace {

// Patches the sample sheets show: the first of the training npz.
constexpr std::size_t kSheetPatches = 16;

using Centres = std::vector<std::vector<PatchCentre>>;  // per sample; empty: skipped

// The records of `counts[sample]` patches per sample in canonical (sample, rank) order, slot =
// position in that order; y0 and x0 are filled in when each patch is cut.
std::vector<PatchRecord> records_for(const PatchRun& run, const std::vector<std::size_t>& counts) {
  const bool all = run.options.all_channels;
  std::vector<PatchRecord> records;
  for (std::size_t sample = 0; sample < counts.size(); ++sample) {
    const std::size_t pair = sample / std::size_t(run.samples_per_pair);
    const int s = int(sample % std::size_t(run.samples_per_pair));
    for (std::size_t k = 0; k < counts[sample]; ++k)
      records.push_back(
          {sample, k, records.size(), {std::int32_t(run.data.train[pair].id), all ? -1 : s, 0, 0}});
  }
  return records;
}

// One output npz laid out before its patches are cut: X and Y reserved (one block per patch),
// axes, then coords reserved (one block, written at the end; none when there is no patch): the
// members in the order and with the bytes a streamed npz has.
class PlacedNpz {
 public:
  PlacedNpz(const std::filesystem::path& path, const PatchRun& run, std::size_t n)
      : npz_(path, run.options.force_zip64, run.options.threads != 1), coords_(4 * n) {
    const auto p = std::size_t(run.options.patch_size);
    const std::vector<std::size_t> shape = {n, std::size_t(run.sample_channels), p, p};
    x_ = npz_.reserve_array("X", PixelType::kFloat32, shape, n);
    y_ = npz_.reserve_array("Y", PixelType::kFloat32, shape, n);
    npz_.add_unicode_scalar("axes", "SCYX");
    coords_array_ =
        npz_.reserve_array("coords", PixelType::kInt32, {n, 4}, std::min<std::size_t>(n, 1));
  }
  // Patch `index` (each once, from any thread).
  void write(std::size_t index, const std::int32_t (&coords)[4], const std::vector<float>& input,
             const std::vector<float>& target) {
    npz_.write_block(x_, index, std::as_bytes(std::span<const float>(input)));
    npz_.write_block(y_, index, std::as_bytes(std::span<const float>(target)));
    std::copy(coords, coords + 4, coords_.begin() + std::ptrdiff_t(4 * index));
  }
  const std::int32_t* coords(std::size_t index) const { return &coords_[4 * index]; }
  // Writes the coords and makes the archive durable, not yet named.
  void finish() {
    if (!coords_.empty())
      npz_.write_block(coords_array_, 0, std::as_bytes(std::span<const std::int32_t>(coords_)));
    npz_.finish();
  }
  void commit() { npz_.commit(); }

 private:
  NpzWriter npz_;
  std::size_t x_ = 0, y_ = 0, coords_array_ = 0;
  std::vector<std::int32_t> coords_;  // n × 4, filled as patches are placed
};

// The first patches of the training order, kept in memory as they are cut: what the sample sheets
// show.
class FirstPatches : public PatchSource {
 public:
  FirstPatches(const std::vector<PatchRecord>& order, std::size_t floats) {
    for (std::size_t i = 0; i < std::min(kSheetPatches, order.size()); ++i) {
      slots_.push_back(order[i].slot);
      patches_[0].emplace_back(floats);
      patches_[1].emplace_back(floats);
    }
  }
  std::size_t size() const { return slots_.size(); }
  // Called once per index, by the thread that cut that patch.
  void keep(std::size_t index, const std::vector<float>& input, const std::vector<float>& target) {
    patches_[0][index] = input;
    patches_[1][index] = target;
  }
  void read(int which, std::size_t slot, std::span<float> out) const override {
    const auto& patch = find(which, slot);
    std::copy(patch.begin(), patch.end(), out.begin());
  }
  void append_to(NpzWriter& npz, int which, std::size_t slot) const override {
    npz.append(std::as_bytes(std::span<const float>(find(which, slot))));
  }

 private:
  const std::vector<float>& find(int which, std::size_t slot) const {
    const auto it = std::find(slots_.begin(), slots_.end(), slot);
    if (it == slots_.end()) {
      throw Error(ErrorKind::kInternal,
                  fmt::format("patch {} is not among the first {} kept", slot, slots_.size()));
    }
    return patches_[which][std::size_t(it - slots_.begin())];
  }
  std::vector<std::size_t> slots_;
  std::vector<std::vector<float>> patches_[2];
};

// Where every patch goes, for one set of per-sample patch counts: the shuffled orders, each
// slot's npz (0 training, 1 validation) and position there, and the laid-out npz files.
struct Layout {
  PatchOrders orders;
  std::vector<std::size_t> first_slot;              // per sample
  std::vector<std::pair<int, std::size_t>> places;  // per slot
  std::optional<PlacedNpz> npz[2];
  std::optional<FirstPatches> first;

  Layout(const PatchRun& run, const std::vector<std::size_t>& counts, PatchResult& result) {
    std::vector<PatchRecord> records = records_for(run, counts);
    places.resize(records.size());
    orders = order_patches(run, std::move(records), result);
    for (std::size_t next = 0; const std::size_t count : counts) {
      first_slot.push_back(next);
      next += count;
    }
    for (std::size_t i = 0; i < orders.train.size(); ++i) places[orders.train[i].slot] = {0, i};
    for (std::size_t i = 0; i < orders.validation.size(); ++i)
      places[orders.validation[i].slot] = {1, i};
    npz[0].emplace(run.npz, run, orders.train.size());
    if (!run.val_npz.empty()) npz[1].emplace(run.val_npz, run, orders.validation.size());
    first.emplace(orders.train, run.patch_bytes / sizeof(float));
  }

  // Puts the patch of rank k of `sample`, just cut into work.x / work.y, in its place.
  void place(std::size_t sample, std::size_t k, const std::int32_t (&coords)[4],
             const PairWork& work) {
    const auto [file, index] = places[first_slot[sample] + k];
    npz[file]->write(index, coords, work.x, work.y);
    if (file == 0 && index < first->size()) first->keep(index, work.x, work.y);
  }

  // The cut patches' y0 / x0 into the orders (the sheets' labels).
  void fill_coords() {
    for (int file = 0; file < 2; ++file) {
      auto& order = file == 0 ? orders.train : orders.validation;
      for (std::size_t i = 0; npz[file] && i < order.size(); ++i)
        std::copy_n(npz[file]->coords(i), 4, order[i].coords);
    }
  }
  // The npz files' ends, made durable.
  void finish() {
    for (auto& file : npz) {
      if (file) file->finish();
    }
  }
};

// What one worker does at a time: a train pair's sample (one channel of both sums, read alone)
// or, with all channels in each patch, the whole pair. Samples rather than pairs keep both
// workers busy to the end of a run of few large images.
struct Item {
  std::size_t pair = 0;
  int channel = -1;        // −1: every channel (one sample per pair)
  std::size_t sample = 0;  // its index over all samples
};

std::size_t item_count(const PatchRun& run) {
  return run.data.train.size() * (run.options.all_channels ? 1 : std::size_t(run.data.channels));
}

Item item(const PatchRun& run, std::size_t i) {
  if (run.options.all_channels) return {i, -1, i};
  const auto c = std::size_t(run.data.channels);
  return {i / c, int(i % c), i};  // sample i is channel i mod C of pair i / C
}

// Progress in train pairs (what a user counts), from items done in any order: a pair is done
// when its last item is. Called under the caller's mutex.
class PairProgress {
 public:
  PairProgress(const PatchRun& run, const Reporter& reporter)
      : reporter_(reporter),
        left_(run.data.train.size(),
              item_count(run) / std::max<std::size_t>(run.data.train.size(), 1)) {
    reporter_.progress("patches", 0, left_.size());
  }
  void item_done(const Item& it) {
    if (--left_[it.pair] == 0) reporter_.progress("patches", ++done_, left_.size());
  }

 private:
  const Reporter& reporter_;
  std::vector<std::size_t> left_;  // items not yet done, per pair
  std::size_t done_ = 0;
};

// Cuts the chosen patches of an item (its sums read) into their places.
void cut_into(const PatchRun& run, const Item& it, const Centres& centres, Layout& layout,
              PairWork& work, const Reporter& reporter) {
  const int p = run.options.patch_size;
  const std::int32_t id = std::int32_t(run.data.train[it.pair].id);
  reporter.check_cancelled();
  const std::size_t sample = it.sample;
  const int s = it.channel < 0 ? 0 : it.channel;
  for (std::size_t k = 0; k < centres[sample].size(); ++k) {
    const int y0 = centres[sample][k].y - p / 2, x0 = centres[sample][k].x - p / 2;
    cut_pair_patch(run, s, y0, x0, work);
    const std::int32_t coords[4] = {id, it.channel, y0, x0};
    layout.place(sample, k, coords, work);
  }
}

// One pass over the items: each one's ground truth read, its centres chosen into `centres`, and,
// while `layout` holds (every sample so far got all its patches), its patches cut into place.
// Returns whether every patch was placed.
bool choose_and_cut(const PatchRun& run, Centres& centres, Layout& layout,
                    std::vector<PairWork>& work, std::size_t& skipped, const Reporter& reporter) {
  const std::size_t n = item_count(run);
  std::atomic<bool> placing{true};
  std::mutex mutex;
  PairProgress progress(run, reporter);
  parallel_for_workers(n, run.options.threads, [&](std::size_t i, std::size_t w) {
    reporter.check_cancelled();
    const Item it = item(run, i);
    read_pair_truth(run, it.pair, work[w], it.channel);
    choose_pair_centres(run, it.pair, SampleShare{}, work[w], mutex, skipped, reporter, it.channel);
    centres[it.sample] = work[w].chosen[std::size_t(std::max(it.channel, 0))];
    if (centres[it.sample].size() != run.per_sample) placing = false;
    if (placing) {
      read_pair_input(run, it.pair, work[w]);
      cut_into(run, it, centres, layout, work[w], reporter);
    }
    std::lock_guard lock(mutex);
    progress.item_done(it);
  });
  return placing;
}

// The second pass when samples were skipped: every item's chosen patches cut again into the
// places of the layout that counts them.
void cut_all(const PatchRun& run, const Centres& centres, Layout& layout,
             std::vector<PairWork>& work, const Reporter& reporter) {
  const std::size_t n = item_count(run);
  std::mutex mutex;
  PairProgress progress(run, reporter);
  parallel_for_workers(n, run.options.threads, [&](std::size_t i, std::size_t w) {
    reporter.check_cancelled();
    const Item it = item(run, n - 1 - i);  // the last first: a worker may still hold its truth
    if (!centres[it.sample].empty()) {
      if (work[w].truth_pair != it.pair || work[w].truth_channel != it.channel)
        read_pair_truth(run, it.pair, work[w], it.channel);
      read_pair_input(run, it.pair, work[w]);
      cut_into(run, it, centres, layout, work[w], reporter);
    }
    std::lock_guard lock(mutex);
    progress.item_done(it);
  });
}

// Lays out and cuts every patch: in one pass when no sample is skipped (the usual case), else
// again once the skipped samples are known.
std::unique_ptr<Layout> cut_patches_in_place(const PatchRun& run, PatchResult& result,
                                             const Reporter& reporter) {
  std::vector<PairWork> work(parallel_workers(item_count(run), run.options.threads));
  Centres centres(run.n_samples());
  auto layout = std::make_unique<Layout>(
      run, std::vector<std::size_t>(run.n_samples(), run.per_sample), result);
  test_point("patches:npz-created");
  if (!choose_and_cut(run, centres, *layout, work, result.n_skipped, reporter)) {
    layout.reset();  // its npz files are removed
    std::vector<std::size_t> counts;
    for (const auto& sample : centres) counts.push_back(sample.size());
    reporter.info(fmt::format("{} samples skipped: placing the patches of the others again",
                              result.n_skipped));
    layout = std::make_unique<Layout>(run, counts, result);
    cut_all(run, centres, *layout, work, reporter);
  }
  test_point("patches:cut");
  return layout;
}

}  // namespace

void place_patches(const PatchRun& run, PatchResult& result, const Reporter& reporter) {
  if (!run.val_npz.empty()) {
    reporter.info(fmt::format("holding out {} of {} train images for validation",
                              run.validation_ids.size(), run.data.train.size()));
  }
  // The sample sheets' fonts load on a thread of their own while the patches are cut (unless the
  // run was asked to keep to one thread).
  std::jthread fonts;
  if (run.options.threads != 1) fonts = try_start_thread(load_preview_fonts);
  const std::unique_ptr<Layout> layout = cut_patches_in_place(run, result, reporter);
  if (fonts.joinable()) fonts.join();
  layout->fill_coords();
  // The npz files are made durable on another thread while the config and the sheets are
  // written; each is named only after that (and the sheets, for the training npz).
  std::exception_ptr finish_error;
  const auto finish = [&] {
    try {
      layout->finish();
    } catch (...) {
      finish_error = std::current_exception();
    }
  };
  std::jthread finishing;
  if (run.options.threads != 1) finishing = try_start_thread(finish);
  if (!finishing.joinable()) finish();  // one thread asked for, or none to spare
  const NpzWrite commit = [&](bool validation, const std::function<void()>& before_commit) {
    if (finishing.joinable()) finishing.join();
    if (finish_error) std::rethrow_exception(finish_error);
    test_point("patches:npz-written");
    before_commit();
    const std::filesystem::path& path = validation ? run.val_npz : run.npz;
    layout->npz[validation ? 1 : 0]->commit();
    std::error_code ec;
    return std::filesystem::file_size(path, ec);
  };
  const PatchOutputs outputs{run.data, run.options, run.seed, run.sample_channels};
  write_patch_outputs(outputs, layout->orders.train, *layout->first, commit, result, reporter);
  record_patch_outputs(run, result, reporter);
}

}  // namespace flamecare::detail
