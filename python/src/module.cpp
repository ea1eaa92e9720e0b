// flamecare._core: the C++ library's Python binding (nanobind). The public Python API lives in
// python/flamecare/*.py and calls into this module.
//
// Why nanobind rather than pybind11: it is pybind11's successor by the same author, for C++17 and
// later; it compiles several times faster and gives smaller modules (this builds on 2 cores, in
// every `make test`); nb::ndarray hands numpy buffers to C++ without copies; and its stubgen
// writes the .pyi stubs the package ships from the compiled module itself.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <string>

#include "flamecare/version.hpp"

#include "bindings.hpp"

namespace nb = nanobind;

namespace flamecare::python {

nb::str to_str(std::string_view text) {
  return nb::steal<nb::str>(PyUnicode_DecodeUTF8(text.data(), Py_ssize_t(text.size()), "replace"));
}

}  // namespace flamecare::python

NB_MODULE(_core, m) {
  m.doc() = "flamecare's C++ core. Use the functions of the `flamecare` package instead.";
  // A function, not a module attribute, so the generated stubs declare it.
  m.def(
      "version", [] { return std::string(flamecare::kVersion); },
      "flamecare's version, as `flamecare --version`.");
  flamecare::python::bind_errors(m);
  flamecare::python::bind_raw(m);
  flamecare::python::bind_index(m);
  flamecare::python::bind_inspect(m);
  flamecare::python::bind_dataset(m);
  flamecare::python::bind_create(m);
  flamecare::python::bind_create_shards(m);
  flamecare::python::bind_patches(m);
  flamecare::python::bind_export(m);
  flamecare::python::bind_synth(m);
}
