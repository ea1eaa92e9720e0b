#pragma once
// The parts of flamecare._core, one bind_* function per area, all called from module.cpp. Phase 2
// of issue 8 adds bind_dataset (Dataset, stats, pair), bind_create and bind_patches beside these.
#include <string_view>

#include <nanobind/nanobind.h>

namespace flamecare::python {

/// Library errors → the exception classes of flamecare/_errors.py, by kind.
void bind_errors(nanobind::module_& m);
/// RawReader (one raw ScanImage stack, read on demand) and read_sidecar.
void bind_raw(nanobind::module_& m);
/// update_index.
void bind_index(nanobind::module_& m);

/// A Python str from library text (messages, paths, header values), which is UTF-8 by contract;
/// stray bytes from a damaged file become U+FFFD instead of failing the conversion.
nanobind::str to_str(std::string_view text);

}  // namespace flamecare::python
