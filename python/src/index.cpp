// update_index: the library's index update, run through run_reported, returning the index as
// the CSV text the library writes (flamecare/_index.py parses it with pandas, as the notebooks
// read raw_image_index.csv) and the run's summary.
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nanobind/stl/filesystem.h>

#include "bindings.hpp"
#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "reported_call.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {
namespace {

nb::dict summary_dict(const IndexSummary& s) {
  nb::dict reasons;
  for (const auto& [code, count] : s.unusable_by_reason) reasons[to_str(code)] = count;
  nb::dict out;
  out["csv"] = to_str(s.csv.string());
  out["found"] = s.found;
  out["added"] = s.added;
  out["screened"] = s.screened;
  out["usable"] = s.usable;
  out["unusable"] = s.unusable;
  out["missing"] = s.missing;
  out["unusable_by_reason"] = reasons;
  return out;
}

nb::typed<nb::tuple, nb::bytes, nb::dict> update_index(const std::filesystem::path& raw_root,
                                                       const std::filesystem::path& datasets_dir,
                                                       int threads, nb::handle sink) {
  if (threads < 0)
    throw Error(ErrorKind::kInvalidArgument,
                fmt::format("threads must be 0 (all cores) or more, got {}", threads));
  IndexOptions options;
  options.raw_root = raw_root;
  options.datasets_dir = datasets_dir;
  options.threads = threads;
  IndexResult result;
  run_reported(
      sink, [&](const Reporter& reporter) { result = flamecare::update_index(options, reporter); });
  const std::string csv = format_index_csv(result.index);
  return nb::typed<nb::tuple, nb::bytes, nb::dict>(
      nb::make_tuple(nb::bytes(csv.data(), csv.size()), summary_dict(result.summary)));
}

}  // namespace

void bind_index(nb::module_& m) {
  m.def("update_index", &update_index, "raw_root"_a, "datasets_dir"_a, "threads"_a, "sink"_a,
        "Creates or updates <datasets_dir>/raw_image_index.csv (screening on `threads` threads, "
        "0 = all cores) and returns (csv_bytes, summary). Log lines and progress go to `sink`.");
}

}  // namespace flamecare::python
