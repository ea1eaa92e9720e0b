// synth: the synthetic FLAME corpus `flamecare synth` writes, for notebooks and tests.
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.hpp"
#include "flamecare/error.hpp"
#include "flamecare/synth.hpp"
#include "reported_call.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace flamecare::python {
namespace {

// The library refuses the types ScanImage never writes; unknown names are refused here.
PixelType pixel_type_named(const std::string& name) {
  const auto type = parse_pixel_type(name);
  if (!type)
    throw Error(ErrorKind::kInvalidArgument, fmt::format("dtype \"{}\" is not a pixel type", name));
  return *type;
}

}  // namespace

void bind_synth(nb::module_& m) {
  nb::class_<SynthOptions>(m, "SynthOptions",
                           "Options of write_synthetic_corpus (C++ SynthOptions).")
      .def(nb::init<>())
      .def_rw("out", &SynthOptions::out)
      .def_rw("images", &SynthOptions::images)
      .def_rw("size", &SynthOptions::size)
      .def_rw("frames", &SynthOptions::frames)
      .def_rw("channels", &SynthOptions::channels)
      .def_prop_rw(
          "dtype", [](const SynthOptions& o) { return std::string(pixel_type_name(o.pixel_type)); },
          [](SynthOptions& o, const std::string& name) { o.pixel_type = pixel_type_named(name); },
          "Pixel type of the raw stacks (numpy name).")
      .def_rw("seed", &SynthOptions::seed)
      .def_rw("with_bad_files", &SynthOptions::with_bad_files);
  nb::class_<SynthResult>(m, "SynthResult", "The files write_synthetic_corpus wrote.")
      .def_ro("good", &SynthResult::good, "Usable stacks.")
      .def_ro("bad", &SynthResult::bad, "Deliberately unusable files.");
  m.def(
      "write_synthetic_corpus",
      [](const SynthOptions& options, nb::handle sink) {
        SynthResult result;
        run_reported(sink, [&](const Reporter& reporter) {
          result = write_synthetic_corpus(options, reporter);
        });
        return result;
      },
      "options"_a, "sink"_a,
      "Writes a synthetic corpus of ScanImage stacks and sidecars; progress goes to `sink`.");
}

}  // namespace flamecare::python
