// export: ExportOptions and export_dataset, run through run_reported.
#include <filesystem>
#include <string>

#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "flamecare/export.hpp"
#include "reported_call.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {

void bind_export(nb::module_& m) {
  m.attr("careamics_version") = kCareamicsVersion;
  nb::class_<ExportOptions>(m, "ExportOptions", "Options of export_dataset (C++ ExportOptions).")
      .def(nb::init<>())
      .def_rw("dataset", &ExportOptions::dataset, "Dataset name or path to its JSON.")
      .def_rw("datasets_dir", &ExportOptions::datasets_dir)
      .def_rw("data_dir", &ExportOptions::data_dir, "\"\" = the one the JSON records.")
      .def_rw("out_dir", &ExportOptions::out_dir, "The export goes to <out_dir>/<name>.")
      .def_rw("format", &ExportOptions::format, "\"careamics\".")
      .def_rw("validation_fraction", &ExportOptions::validation_fraction)
      .def_rw("seed", &ExportOptions::seed, "None: a fresh seed, recorded in careamics.json.")
      .def_rw("threads", &ExportOptions::threads, "0 = all cores.");
  nb::class_<ExportResult>(m, "ExportResult", "What export_dataset wrote.")
      .def_ro("dir", &ExportResult::dir)
      .def_ro("config", &ExportResult::config)
      .def_ro("axes", &ExportResult::axes)
      .def_ro("seed", &ExportResult::seed)
      .def_ro("train_ids", &ExportResult::train_ids)
      .def_ro("val_ids", &ExportResult::val_ids)
      .def_ro("test_ids", &ExportResult::test_ids)
      .def_ro("n_linked", &ExportResult::n_linked)
      .def_ro("n_copied", &ExportResult::n_copied);
  m.def(
      "export_dataset",
      [](const ExportOptions& options, nb::handle sink) {
        ExportResult result;
        run_reported(sink, [&](const Reporter& r) { result = export_dataset(options, r); });
        return result;
      },
      "options"_a, "sink"_a,
      "Exports a dataset for a trainer; progress and log lines go to `sink`.");
}

}  // namespace flamecare::python
