// flamecare::Error → Python exceptions, by kind, in this one place. The classes live in
// flamecare/_errors.py: each derives from FlamecareError and from the matching built-in
// (NotFoundError is a FileNotFoundError, ...), and carries the library's message.
#include <exception>

#include "bindings.hpp"
#include "flamecare/error.hpp"

namespace nb = nanobind;

namespace flamecare::python {
namespace {

// No default: a new ErrorKind fails the build (-Wswitch) until it is mapped here. kCancelled is
// handled before: a cancelled call raises the built-in KeyboardInterrupt.
const char* python_class_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "InvalidArgumentError";
    case ErrorKind::kNotFound:
      return "NotFoundError";
    case ErrorKind::kIo:
      return "IoError";
    case ErrorKind::kCorrupt:
      return "CorruptFileError";
    case ErrorKind::kUnsupported:
      return "UnsupportedFileError";
    case ErrorKind::kInternal:
      return "InternalError";
    case ErrorKind::kAlreadyExists:
      return "AlreadyExistsError";
    case ErrorKind::kCancelled:
      return "FlamecareError";
  }
  return "FlamecareError";
}

void translate(const std::exception_ptr& error, void*) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kCancelled) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
      return;
    }
    const nb::object cls =
        nb::module_::import_("flamecare._errors").attr(python_class_name(e.kind()));
    PyErr_SetObject(cls.ptr(), to_str(e.what()).ptr());
  }
}

}  // namespace

void bind_errors(nb::module_&) { nb::register_exception_translator(translate); }

}  // namespace flamecare::python
