#pragma once
// The parts of flamecare._core, one bind_* function per area, all called from module.cpp.
#include <string_view>

#include <nanobind/nanobind.h>

namespace flamecare::python {

/// Library errors → the exception classes of flamecare/_errors.py, by kind.
void bind_errors(nanobind::module_& m);
/// RawReader (one raw ScanImage stack, read on demand) and read_sidecar.
void bind_raw(nanobind::module_& m);
/// update_index.
void bind_index(nanobind::module_& m);
/// inspect_json: what `flamecare inspect --json` prints.
void bind_inspect(nanobind::module_& m);
/// Dataset (typed, with statistics and images), open_dataset, list_datasets, read_pair.
void bind_dataset(nanobind::module_& m);
/// CreateOptions, create_dataset, create_ladder.
void bind_create(nanobind::module_& m);
/// CreatePlan, plan_create, create_shard, create_merge.
void bind_create_shards(nanobind::module_& m);
/// PatchOptions, make_patches.
void bind_patches(nanobind::module_& m);
/// ExportOptions, export_dataset.
void bind_export(nanobind::module_& m);
/// SynthOptions, write_synthetic_corpus.
void bind_synth(nanobind::module_& m);

/// A Python str from library text (messages, paths, header values), which is UTF-8 by contract;
/// stray bytes from a damaged file become U+FFFD instead of failing the conversion.
nanobind::str to_str(std::string_view text);

}  // namespace flamecare::python
