// create: CreateOptions and create_dataset / create_ladder, run through run_reported (progress,
// log lines and Ctrl-C on the calling thread, the work without the GIL).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <fmt/format.h>
#include "bindings.hpp"

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/text.hpp"
#include "reported_call.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {

void bind_create(nb::module_& m) {
  nb::class_<CreateOptions>(m, "CreateOptions", "Options of create_dataset (C++ CreateOptions).")
      .def(nb::init<>())
      .def_rw("raw_root", &CreateOptions::raw_root)
      .def_rw("datasets_dir", &CreateOptions::datasets_dir)
      .def_rw("out_dir", &CreateOptions::out_dir)
      .def_rw("type", &CreateOptions::type)
      .def_rw("input_frames", &CreateOptions::input_frames)
      .def_rw("gt_frames", &CreateOptions::gt_frames)
      .def_rw("test_fraction", &CreateOptions::test_fraction)
      .def_rw("test_ids", &CreateOptions::test_ids,
              "Exactly these image ids form the test set (empty: test_fraction decides).")
      .def_rw("min_frames", &CreateOptions::min_frames,
              "Select only images with at least this many frames (0: the frames needed).")
      .def_rw("seed", &CreateOptions::seed, "None: a fresh seed, recorded in the JSON.")
      .def_rw("threads", &CreateOptions::threads, "0 = all cores.")
      .def_rw("channels", &CreateOptions::channels, "Keep only images with this many channels.")
      .def_rw("date", &CreateOptions::date, "YYYYMMDD for the name; \"\" = today.")
      .def_prop_rw(
          "pairing", [](const CreateOptions& o) { return std::string(pairing_name(o.pairing)); },
          [](CreateOptions& o, const std::string& name) {
            const auto pairing = parse_pairing(name);
            if (!pairing) {
              throw Error(ErrorKind::kInvalidArgument,
                          fmt::format("pairing must be \"nested\" or \"disjoint\", got \"{}\"",
                                      printable(name)));
            }
            o.pairing = *pairing;
          },
          "\"nested\" (target = frames [0, M)) or \"disjoint\" (target = frames [N, N + M)).")
      .def_prop_rw(
          "group_by", [](const CreateOptions& o) { return std::string(group_by_name(o.group_by)); },
          [](CreateOptions& o, const std::string& name) {
            const auto group_by = parse_group_by(name);
            if (!group_by) {
              throw Error(ErrorKind::kInvalidArgument,
                          fmt::format("group_by must be \"image\", \"mosaic\" or \"sample\", got "
                                      "\"{}\"",
                                      printable(name)));
            }
            o.group_by = *group_by;
          },
          "Which images stay together in the split: \"image\", \"mosaic\" or \"sample\".");
  nb::class_<CreateResult>(m, "CreateResult", "What create_dataset made.")
      .def_prop_ro("name", [](const CreateResult& r) { return to_str(r.name); })
      .def_ro("id", &CreateResult::id)
      .def_ro("seed", &CreateResult::seed)
      .def_ro("json", &CreateResult::json)
      .def_ro("preview", &CreateResult::preview)
      .def_ro("data_dir", &CreateResult::data_dir)
      .def_ro("n_train", &CreateResult::n_train)
      .def_ro("n_test", &CreateResult::n_test)
      .def_ro("skipped_by_reason", &CreateResult::skipped_by_reason,
              "Images not used, counted by reason code.")
      .def_ro("dataset", &CreateResult::dataset);
  m.def(
      "create_dataset",
      [](const CreateOptions& options, nb::handle sink) {
        CreateResult result;
        run_reported(sink, [&](const Reporter& r) { result = create_dataset(options, r); });
        return result;
      },
      "options"_a, "sink"_a, "Builds one dataset; progress and log lines go to `sink`.");
  m.def(
      "create_ladder",
      [](const CreateOptions& options, const std::vector<int>& rungs, nb::handle sink) {
        std::vector<CreateResult> results;
        run_reported(sink, [&](const Reporter& r) { results = create_ladder(options, rungs, r); });
        return results;
      },
      "options"_a, "rungs"_a, "sink"_a,
      "One dataset per consecutive pair of `rungs`, one shared split.");
}

}  // namespace flamecare::python
