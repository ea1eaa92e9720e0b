#include "pipeline/patch_outputs.hpp"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <functional>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/npz.hpp"
#include "flamecare/patch_core.hpp"
#include "flamecare/version.hpp"
#include "io/atomic_file.hpp"
#include "io/free_space.hpp"
#include "pipeline/dataset_json.hpp"
#include "pipeline/patch_samples.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;
namespace {

// Patches between two cancellation checks while streaming the npz.
constexpr std::size_t kCheckEvery = 1024;

// Streams the stored patches into the npz in `order` and commits it (never overwriting), after
// `before_commit` returned. Its writeback starts on a thread of its own unless the run keeps to
// one.
std::uint64_t write_npz(const fs::path& path, const std::vector<PatchRecord>& order,
                        const PatchSource& store, int channels, const PatchOptions& o,
                        const Reporter& reporter, const std::function<void()>& before_commit) {
  const int p = o.patch_size;
  NpzWriter npz(path, o.force_zip64, o.threads != 1);
  const std::vector<std::size_t> shape = {order.size(), std::size_t(channels), std::size_t(p),
                                          std::size_t(p)};
  for (int which = 0; which < 2; ++which) {
    npz.begin_array(which == 0 ? "X" : "Y", PixelType::kFloat32, shape);
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (i % kCheckEvery == 0) reporter.check_cancelled();
      store.append_to(npz, which, order[i].slot);
    }
    npz.end_array();
  }
  npz.add_unicode_scalar("axes", "SCYX");
  npz.begin_array("coords", PixelType::kInt32, {order.size(), 4});
  for (const auto& record : order)
    npz.append(std::as_bytes(std::span<const std::int32_t>(record.coords)));
  npz.end_array();
  test_point("patches:npz-written");
  before_commit();
  npz.commit();
  std::error_code ec;
  return fs::file_size(path, ec);
}

nlohmann::json patch_config(const PatchOutputs& out, const PatchResult& r) {
  const PatchOptions& o = out.options;
  Dataset dataset = out.data.dataset;
  dataset.npz_files.clear();  // the dataset's record of other runs' npz files, not this config's
  nlohmann::json config = dataset_to_json(dataset);
  config["Patch_Config"] = {
      {"npz_name", printable(r.npz.filename().string())},
      {"n_patches", r.n_patches},
      {"patch_size", o.patch_size},
      {"patch_axes", "SCYX"},
      {"patch_shape", {r.n_patches, out.channels, o.patch_size, o.patch_size}},
      {"patch_multiple", o.patch_multiple},
      {"n_patch_per_im", r.patches_per_image},
      {"background_patch_threshold", o.background_threshold},
      {"seed", out.seed},
      {"channels_one_by_one", !o.all_channels},
      {"n_samples", r.n_samples},
      {"n_skipped_samples", r.n_skipped},
      {"y_max", out.data.max_height},
      {"x_max", out.data.max_width},
      {"coords_columns", {"image_id", "channel", "y0", "x0"}},
      {"validation_fraction", o.validation_fraction},
      {"validation_ids", r.validation_ids},
      {"tool", fmt::format("flamecare {}", kVersion)}};
  if (!r.val_npz.empty()) {
    config["Patch_Config"]["val_npz_name"] = printable(r.val_npz.filename().string());
    config["Patch_Config"]["n_val_patches"] = r.n_val_patches;
  }
  return config;
}

// Copies `from` to `to` unless `to` exists; true when copied.
bool copy_if_absent(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(to, ec))) return false;
  try {
    write_file_atomic(to, read_file(from), /*no_clobber=*/true);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kAlreadyExists) return false;  // another run was faster
    throw;
  }
  return true;
}

// The original notebooks' names, for whoever still looks there; never overwritten.
void write_legacy_copies(const PatchOutputs& out, PatchResult& result) {
  const fs::path dir = result.npz.parent_path();
  const fs::path config =
      dir / fmt::format("{}Chan_patch_config.json", out.options.all_channels ? "All" : "1");
  if (copy_if_absent(result.config, config)) result.legacy_copies.push_back(config);
  // The two sheets are a pair: both or neither.
  std::error_code ec;
  const fs::path sheet1 = dir / "patch_samples1.png", sheet2 = dir / "patch_samples2.png";
  if (fs::exists(fs::symlink_status(sheet1, ec)) || fs::exists(fs::symlink_status(sheet2, ec)))
    return;
  if (copy_if_absent(result.samples1, sheet1)) result.legacy_copies.push_back(sheet1);
  if (copy_if_absent(result.samples2, sheet2)) result.legacy_copies.push_back(sheet2);
}

// Removes the files named after the npz unless the npz appeared: a failed run leaves no config
// or sample sheets of an npz that does not exist.
struct NamedAfterNpz {
  std::vector<fs::path> files;
  bool keep = false;
  ~NamedAfterNpz() {
    std::error_code ec;
    for (const auto& file : files) {
      if (!keep) fs::remove(file, ec);
    }
  }
};

}  // namespace

void check_patch_resources(const fs::path& out_dir, long double max_patches,
                           std::size_t patch_bytes, bool stored) {
  const long double pixels = max_patches * 2 * static_cast<long double>(patch_bytes);
  // The npz, a store of every patch before it if any, plus 16 bytes of coords per patch.
  const long double disk = (stored ? 2 : 1) * pixels + 16 * max_patches + (1 << 20);
  // Records (twice while ordered), and per patch its centre, its place and two CRCs.
  const long double memory = max_patches * (sizeof(PatchRecord) * 2 + sizeof(PatchCentre) + 16 +
                                            2 * sizeof(std::uint32_t));
  const long double ram = static_cast<long double>(::sysconf(_SC_PHYS_PAGES)) *
                          static_cast<long double>(::sysconf(_SC_PAGE_SIZE));
  if (ram > 0 && memory > ram) {
    throw Error(
        ErrorKind::kInvalidArgument,
        fmt::format("{:.0f} patches need about {} of memory for their records, this "
                    "machine has {}; ask for fewer patches per image",
                    static_cast<double>(max_patches), format_bytes(memory), format_bytes(ram)));
  }
  require_free_space(out_dir, disk,
                     fmt::format("{:.0f} patches ({})", static_cast<double>(max_patches),
                                 stored ? "temporary store and npz" : "npz"));
}

void remove_stale_patch_files(const fs::path& dir, const Reporter& reporter) {
  remove_left_by_dead(
      dir,
      [](std::string_view name) {
        const auto store = PatchStore::owner_of(name);
        return store ? store : atomic_temp_owner(name);
      },
      reporter);
}

NpzWrite stream_npz(const PatchOutputs& out, const std::vector<PatchRecord>& order,
                    const std::vector<PatchRecord>& val_order, const PatchSource& store,
                    const PatchResult& result, const Reporter& reporter) {
  return [&out, &order, &val_order, &store, &result, &reporter](
             bool validation, const std::function<void()>& before_commit) {
    return write_npz(validation ? result.val_npz : result.npz, validation ? val_order : order,
                     store, out.channels, out.options, reporter, before_commit);
  };
}

void write_patch_outputs(const PatchOutputs& out, const std::vector<PatchRecord>& order,
                         const PatchSource& sheets, const NpzWrite& write_npz, PatchResult& result,
                         const Reporter& reporter) {
  const fs::path dir = result.npz.parent_path();
  const std::string stem = result.npz.stem().string();
  result.config = dir / (stem + ".json");
  result.samples1 = dir / (stem + "_samples1.png");
  result.samples2 = dir / (stem + "_samples2.png");
  reporter.check_cancelled();
  NamedAfterNpz named{{result.config, result.samples1, result.samples2}};
  if (!result.val_npz.empty()) named.files.push_back(result.val_npz);
  std::vector<SamplePatch> first;
  for (std::size_t i = 0; i < std::min<std::size_t>(16, order.size()); ++i) {
    const auto& c = order[i].coords;
    first.push_back({order[i].slot, {c[0], c[1], c[2], c[3]}});
  }
  // The sheets (drawing, PNG) are made on a second thread while the npz files are written and
  // made durable, which is mostly the kernel's copying and waiting for the disk. They are
  // waited for before the npz is committed, so the npz still appears last; a failure of the npz
  // is reported before one of the sheets (the thread is joined and its error dropped).
  std::exception_ptr sheets_error;
  std::jthread drawing([&] {
    try {
      write_patch_samples(result.samples1, result.samples2, printable(out.data.dataset.name), first,
                          sheets, out.channels, out.options.patch_size);
    } catch (...) {
      sheets_error = std::current_exception();
    }
  });
  // The config meanwhile: its fsync waits for the data this run wrote before it (the npz's, or
  // the patch store's; ext4 commits the journal with the data it orders), some 10 ms the drawing
  // need not wait for.
  write_json_file(result.config, patch_config(out, result), /*no_clobber=*/false);
  const auto sheets_written = [&] {
    drawing.join();
    if (sheets_error) std::rethrow_exception(sheets_error);
  };
  if (!result.val_npz.empty()) {
    reporter.info(fmt::format("writing {} validation patches to {}", result.n_val_patches,
                              printable(result.val_npz.string())));
    write_npz(true, [] {});
  }
  test_point("patches:before-npz");
  reporter.info(
      fmt::format("writing {} patches to {}", order.size(), printable(result.npz.string())));
  result.npz_bytes = write_npz(false, sheets_written);
  named.keep = true;
  test_point("patches:npz-committed");
  write_legacy_copies(out, result);
}

}  // namespace flamecare::detail
