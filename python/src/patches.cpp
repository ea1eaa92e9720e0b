// patches: PatchOptions and make_patches, run through run_reported.
#include <filesystem>
#include <string>

#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "flamecare/patches.hpp"
#include "reported_call.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {

namespace {

// The sharded steps: plan_patches, patches_shard, patches_merge.
void bind_patch_shards(nb::module_& m) {
  nb::class_<PatchesPlan>(m, "PatchesPlan", "What plan_patches decided and wrote.")
      .def_ro("path", &PatchesPlan::path)
      .def_ro("npz", &PatchesPlan::npz)
      .def_ro("seed", &PatchesPlan::seed)
      .def_ro("n_samples", &PatchesPlan::n_samples)
      .def_ro("fingerprint", &PatchesPlan::fingerprint);
  nb::class_<PatchShardResult>(m, "PatchShardResult", "What one patches_shard call wrote.")
      .def_ro("state", &PatchShardResult::state)
      .def_ro("shard", &PatchShardResult::shard)
      .def_ro("shards", &PatchShardResult::shards)
      .def_ro("n_samples", &PatchShardResult::n_samples)
      .def_ro("n_patches", &PatchShardResult::n_patches)
      .def_ro("n_skipped", &PatchShardResult::n_skipped);
  m.def(
      "plan_patches",
      [](const PatchOptions& options, nb::handle sink) {
        PatchesPlan plan;
        run_reported(sink, [&](const Reporter& r) { plan = plan_patches(options, r); });
        return plan;
      },
      "options"_a, "sink"_a, "Writes the plan of a sharded patches run.");
  m.def(
      "patches_shard",
      [](const std::filesystem::path& plan, int shard, int shards, int threads, nb::handle sink) {
        PatchShardResult result;
        run_reported(sink, [&](const Reporter& r) {
          result = patches_shard(plan, shard, shards, threads, r);
        });
        return result;
      },
      "plan"_a, "shard"_a, "shards"_a, "threads"_a, "sink"_a,
      "Cuts shard `shard` of `shards` of a plan.");
  m.def(
      "patches_merge",
      [](const std::filesystem::path& plan, nb::handle sink) {
        PatchResult result;
        run_reported(sink, [&](const Reporter& r) { result = patches_merge(plan, r); });
        return result;
      },
      "plan"_a, "sink"_a, "Merges every shard of a plan into the npz one run writes.");
}

}  // namespace

void bind_patches(nb::module_& m) {
  nb::class_<PatchOptions>(m, "PatchOptions", "Options of make_patches (C++ PatchOptions).")
      .def(nb::init<>())
      .def_rw("dataset", &PatchOptions::dataset, "Dataset name or path to its JSON.")
      .def_rw("datasets_dir", &PatchOptions::datasets_dir)
      .def_rw("data_dir", &PatchOptions::data_dir, "\"\" = the one the JSON records.")
      .def_rw("out_dir", &PatchOptions::out_dir, "\"\" = data_dir.")
      .def_rw("patch_size", &PatchOptions::patch_size)
      .def_rw("patch_multiple", &PatchOptions::patch_multiple)
      .def_rw("patches_per_image", &PatchOptions::patches_per_image)
      .def_rw("background_threshold", &PatchOptions::background_threshold)
      .def_rw("all_channels", &PatchOptions::all_channels)
      .def_rw("seed", &PatchOptions::seed, "None: a fresh seed, recorded in the config.")
      .def_rw("threads", &PatchOptions::threads, "0 = all cores.")
      .def_rw("force_zip64", &PatchOptions::force_zip64)
      .def_rw("validation_fraction", &PatchOptions::validation_fraction,
              "Fraction of the train images held out into <npz stem>_val.npz.");
  nb::class_<PatchResult>(m, "PatchResult", "What make_patches wrote.")
      .def_ro("npz", &PatchResult::npz)
      .def_ro("config", &PatchResult::config)
      .def_ro("samples1", &PatchResult::samples1)
      .def_ro("samples2", &PatchResult::samples2)
      .def_ro("legacy_copies", &PatchResult::legacy_copies)
      .def_ro("seed", &PatchResult::seed)
      .def_ro("n_samples", &PatchResult::n_samples)
      .def_ro("n_skipped", &PatchResult::n_skipped)
      .def_ro("n_patches", &PatchResult::n_patches)
      .def_ro("patches_per_image", &PatchResult::patches_per_image)
      .def_ro("npz_bytes", &PatchResult::npz_bytes)
      .def_ro("val_npz", &PatchResult::val_npz, "\"\" without a validation fraction.")
      .def_ro("validation_ids", &PatchResult::validation_ids)
      .def_ro("n_val_patches", &PatchResult::n_val_patches);
  m.def(
      "make_patches",
      [](const PatchOptions& options, nb::handle sink) {
        PatchResult result;
        run_reported(sink, [&](const Reporter& r) { result = make_patches(options, r); });
        return result;
      },
      "options"_a, "sink"_a, "Cuts patches into an npz; progress and log lines go to `sink`.");
  bind_patch_shards(m);
}

}  // namespace flamecare::python
