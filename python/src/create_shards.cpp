// The sharded create: plan_create, create_shard and create_merge, run through run_reported like
// create_dataset.
#include <filesystem>
#include <string>

#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>

#include "bindings.hpp"
#include "flamecare/create_shards.hpp"
#include "flamecare/dataset.hpp"
#include "reported_call.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {

void bind_create_shards(nb::module_& m) {
  nb::class_<CreatePlan>(m, "CreatePlan", "A sharded create's plan (C++ CreatePlan).")
      .def_ro("path", &CreatePlan::path, "The plan file.")
      .def_prop_ro("name", [](const CreatePlan& p) { return to_str(p.name); })
      .def_prop_ro("id", [](const CreatePlan& p) { return format_dataset_id(p.id); })
      .def_ro("seed", &CreatePlan::seed)
      .def_prop_ro("n_images", [](const CreatePlan& p) { return p.images.size(); })
      .def_ro("skipped", &CreatePlan::skipped, "Images not selected, counted by reason.")
      .def_ro("staging", &CreatePlan::staging)
      .def_ro("fingerprint", &CreatePlan::fingerprint);
  nb::class_<CreateShardResult>(m, "CreateShardResult", "What create_shard did.")
      .def_ro("shard", &CreateShardResult::shard)
      .def_ro("shards", &CreateShardResult::shards)
      .def_ro("summed", &CreateShardResult::summed)
      .def_ro("failed", &CreateShardResult::failed)
      .def_ro("state", &CreateShardResult::state);
  m.def(
      "plan_create",
      [](const CreateOptions& options, nb::handle sink) {
        CreatePlan plan;
        run_reported(sink, [&](const Reporter& r) { plan = plan_create(options, r); });
        return plan;
      },
      "options"_a, "sink"_a, "Plans a sharded create: reserves name and id, writes the plan.");
  m.def("read_create_plan", &read_create_plan, "path"_a, "Reads a plan file.");
  m.def(
      "create_shard",
      [](const std::filesystem::path& plan, int shard, int shards, int threads, nb::handle sink) {
        CreateShardResult result;
        run_reported(sink, [&](const Reporter& r) {
          result = create_shard(plan, shard, shards, threads, r);
        });
        return result;
      },
      "plan"_a, "shard"_a, "shards"_a, "threads"_a, "sink"_a,
      "Sums shard `shard` of `shards` of the plan's images and writes its state.");
  m.def(
      "create_merge",
      [](const std::filesystem::path& plan, int threads, nb::handle sink) {
        CreateResult result;
        run_reported(sink, [&](const Reporter& r) { result = create_merge(plan, threads, r); });
        return result;
      },
      "plan"_a, "threads"_a, "sink"_a, "Merges the plan's shards and publishes the dataset.");
}

}  // namespace flamecare::python
