#pragma once
// Publishing a dataset whose sums are complete in a staging dir, in an order that an interrupted
// run's successor recognises and undoes:
//   1. a marker `.flamecare-publishing` (pid, datasets dir) is written into the staging dir;
//   2. the staging dir is renamed to `<out>/<name>` without replacing anything (this claims the
//      name, also against runs with another datasets dir);
//   3. the preview `<datasets>/<name>.png`, then the JSON `<datasets>/<name>.json` are written;
//   4. the marker is removed.
// A data dir holding a marker of a process that is gone is half-published: when its JSON exists
// the marker is removed (publishing had finished), otherwise the data dir and the preview are
// removed. A dataset is complete exactly when its JSON exists.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "flamecare/dataset.hpp"
#include "flamecare/log.hpp"
#include "pipeline/create_preview.hpp"

namespace flamecare::detail {

/// The staging dir of this process under `out_dir` (`.create-<pid>.partial`), removed with its
/// content when this object goes away: a failed, cancelled or killed run leaves nothing that looks
/// complete (a killed run's dir is removed by the next run).
struct Staging {
  explicit Staging(const std::filesystem::path& out_dir);
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  ~Staging();
  std::filesystem::path dir;
};

/// Removes what interrupted `create` runs left: staging dirs under `out_dir` and temporary files
/// in `datasets_dir` of processes that are gone, and half-published datasets under `out_dir`
/// (finishing or undoing them as described above). Call under the datasets dir's create lock.
void clean_interrupted_creates(const std::filesystem::path& out_dir,
                               const std::filesystem::path& datasets_dir, const Reporter& reporter);

/// Renames `from` to `to` unless `to` exists (also an empty directory): true when moved, false
/// when `to` was taken. Atomic (renameat2 RENAME_NOREPLACE, or claiming `to` with mkdir where the
/// file system lacks it). Throws Error(kIo) naming `to` and the system's reason.
bool rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);

/// Where a published dataset went.
struct Published {
  std::filesystem::path data_dir;
  std::filesystem::path json;
  std::filesystem::path preview;
};

/// How the dataset is named and numbered when it is published.
struct Naming {
  std::string base;                 ///< the name wanted (the first free of base, base_2, …)
  std::optional<std::uint64_t> id;  ///< reserved by a plan; nullopt: the next free id
  std::filesystem::path own_plan;   ///< the plan reserving `base` ("" for none)
};

/// `<out_dir>/<name>.plan.json`: the plan of a sharded create reserving `name`.
std::filesystem::path plan_path(const std::filesystem::path& out_dir, const std::string& name);

/// True when `name` is free for a new dataset: no JSON or preview in the datasets dir, nothing
/// named so under `out_dir`, and no plan reserving it other than `own_plan`.
bool name_free(const std::string& name, const std::filesystem::path& out_dir,
               const std::filesystem::path& datasets_dir, const std::filesystem::path& own_plan);

/// Names the dataset (naming.base, else `base_2`, … : the first name_free one), gives it the
/// reserved id or the next dataset id, moves `staging` into place and writes the preview
/// (create_preview.hpp, from `preview`) and the JSON, as described above. Sets dataset.name, id
/// and data_dir.
/// On any failure or cancellation everything published so far is taken back (the data returns to
/// `staging`). Throws Error(kIo) naming the path and the system's reason, Error(kCancelled).
Published publish_dataset(Dataset& dataset, const Naming& naming,
                          const std::filesystem::path& staging,
                          const std::filesystem::path& out_dir,
                          const std::filesystem::path& datasets_dir, const PreviewSource& preview,
                          const Reporter& reporter);

}  // namespace flamecare::detail
