#pragma once
// What other stages tell a dataset about the files they cut from it.
#include <filesystem>

#include "flamecare/dataset.hpp"
#include "flamecare/log.hpp"

namespace flamecare::detail {

/// Adds `npz` (absolute) to the "npz_files" of the dataset's JSON (dataset.json_path), re-read and
/// rewritten atomically under the datasets dir's lock, so `datasets`, `show` and `remove` find it
/// wherever it was written. A JSON that is gone is not written again; a failure to record is a
/// warning (the npz itself is complete).
void record_npz(const Dataset& dataset, const std::filesystem::path& npz, const Reporter& reporter);

}  // namespace flamecare::detail
