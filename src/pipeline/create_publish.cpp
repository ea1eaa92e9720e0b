#include "pipeline/create_publish.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "pipeline/create_plan.hpp"
#include "pipeline/create_preview.hpp"
#include "pipeline/dataset_json.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare::detail {
namespace fs = std::filesystem;
namespace {

constexpr const char* kMarker = ".flamecare-publishing";

std::string shown(const fs::path& path) { return printable(path.string()); }

std::optional<pid_t> staging_owner(std::string_view name) {
  int pid = 0;
  char tail = 0;
  const std::string text(name);
  // "%c" after the pattern must not match: the name is exactly ".create-<pid>.partial".
  if (std::sscanf(text.c_str(), ".create-%d.partial%c", &pid, &tail) != 1 || pid <= 0)
    return std::nullopt;
  if (text != fmt::format(".create-{}.partial", pid)) return std::nullopt;
  return static_cast<pid_t>(pid);
}

fs::path staging_path(const fs::path& out_dir, pid_t pid) {
  return out_dir / fmt::format(".create-{}.partial", pid);
}

// The marker of a half-published data dir: who publishes it, and where its JSON goes.
struct Marker {
  pid_t pid = 0;
  fs::path datasets_dir;
};

std::optional<Marker> read_marker(const fs::path& data_dir) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(data_dir / kMarker, ec))) return std::nullopt;
  try {
    const std::string text = read_regular_file(data_dir / kMarker, 1 << 16);
    const auto newline = text.find('\n');
    if (newline == std::string::npos || text.empty() || text.back() != '\n') return std::nullopt;
    Marker marker;
    marker.pid = static_cast<pid_t>(std::stol(text.substr(0, newline)));
    marker.datasets_dir = text.substr(newline + 1, text.size() - newline - 2);
    return marker;
  } catch (const std::exception&) {
    return std::nullopt;  // a marker being written, or not ours: left alone
  }
}

}  // namespace

bool rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  int err = errno;
  if (err == EEXIST || err == ENOTEMPTY) return false;
  if (err == EINVAL || err == ENOSYS) {
    // A file system without RENAME_NOREPLACE: claim the name with mkdir (atomic), then rename
    // over the empty directory this process owns.
    if (::mkdir(to.c_str(), 0755) != 0) {
      if (errno == EEXIST) return false;
      err = errno;
    } else if (::rename(from.c_str(), to.c_str()) == 0) {
      return true;
    } else {
      err = errno;
      ::rmdir(to.c_str());
    }
  }
  throw Error(ErrorKind::kIo, fmt::format("{}: cannot move {} into place: {}", shown(to),
                                          shown(from.filename()), std::strerror(err)));
}

namespace {

// Takes a half-published dataset back: the preview first (no preview outlives its data), then
// the data, renamed to a staging name first so that an interruption here leaves only what the
// stale-staging sweep removes. Errors are ignored: the next run tries again.
void take_back(const fs::path& data_dir, const fs::path& preview, const fs::path& staging) {
  std::error_code ec;
  fs::remove(preview, ec);
  fs::rename(data_dir, staging, ec);
  fs::remove_all(ec ? data_dir : staging, ec);
}

// Undoes a publication that did not finish, unless dismissed.
struct Publication {
  fs::path data_dir, preview, staging;
  bool done = false;
  ~Publication() {
    if (!done) take_back(data_dir, preview, staging);
  }
};

// Finishes or undoes a half-published data dir whose publisher is gone.
void settle_half_published(const fs::path& data_dir, const Marker& marker,
                           const Reporter& reporter) {
  const std::string name = data_dir.filename().string();
  std::error_code ec;
  if (fs::exists(marker.datasets_dir / (name + ".json"), ec)) {
    fs::remove(data_dir / kMarker, ec);  // only the marker's removal was missing
    return;
  }
  take_back(data_dir, marker.datasets_dir / (name + ".png"),
            staging_path(data_dir.parent_path(), marker.pid));
  reporter.warn(
      fmt::format("removed the half-published dataset {} (and its preview) left by an "
                  "interrupted run",
                  shown(data_dir)));
}

// The first free name, claimed by moving the staging dir there.
std::string claim_name(const Naming& naming, const fs::path& staging, const fs::path& out_dir,
                       const fs::path& datasets_dir) {
  for (int suffix = 1;; ++suffix) {
    const std::string name = suffix == 1 ? naming.base : fmt::format("{}_{}", naming.base, suffix);
    if (!name_free(name, out_dir, datasets_dir, naming.own_plan)) continue;
    if (rename_no_replace(staging, out_dir / name)) return name;
  }
}

}  // namespace

fs::path plan_path(const fs::path& out_dir, const std::string& name) {
  return out_dir / (name + ".plan.json");
}

bool name_free(const std::string& name, const fs::path& out_dir, const fs::path& datasets_dir,
               const fs::path& own_plan) {
  std::error_code ec;
  const auto exists = [&](const fs::path& p) { return fs::exists(fs::symlink_status(p, ec)); };
  const fs::path plan = plan_path(out_dir, name);
  // A plan reserves its name until its merge publishes the dataset (or the plan is removed).
  if (exists(plan) && (own_plan.empty() || !fs::equivalent(plan, own_plan, ec))) return false;
  return !exists(datasets_dir / (name + ".json")) && !exists(datasets_dir / (name + ".png")) &&
         !exists(out_dir / name);
}

Staging::Staging(const fs::path& out_dir) : dir(staging_path(out_dir, ::getpid())) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "train");
}

Staging::~Staging() {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void clean_interrupted_creates(const fs::path& out_dir, const fs::path& datasets_dir,
                               const Reporter& reporter) {
  remove_left_by_dead(out_dir, staging_owner, reporter);
  std::error_code ec;
  for (fs::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().starts_with(".")) continue;
    std::error_code type_ec;
    if (!it->is_directory(type_ec)) continue;
    const auto marker = read_marker(it->path());
    if (marker && marker->pid != ::getpid() && !process_alive(marker->pid))
      settle_half_published(it->path(), *marker, reporter);
  }
  remove_left_by_dead(datasets_dir, atomic_temp_owner, reporter);
}

Published publish_dataset(Dataset& dataset, const Naming& naming, const fs::path& staging,
                          const fs::path& out_dir, const fs::path& datasets_dir,
                          const PreviewSource& preview, const Reporter& reporter) {
  reporter.check_cancelled();
  write_file_atomic(
      staging / kMarker,
      fmt::format("{}\n{}\n", ::getpid(), fs::absolute(datasets_dir).lexically_normal().string()));
  // A plan's id was recorded when the plan was made.
  dataset.id = naming.id ? *naming.id : next_dataset_id(datasets_dir, reporter);
  if (!naming.id) record_dataset_id(datasets_dir, dataset.id);
  dataset.name = claim_name(naming, staging, out_dir, datasets_dir);
  sync_paths({}, {out_dir});  // the data dir's new name is on disk before its JSON can be
  if (dataset.name != naming.base) {
    reporter.warn(
        fmt::format("{} exists already; this dataset is named {}", naming.base, dataset.name));
  }
  Published out{out_dir / dataset.name, datasets_dir / (dataset.name + ".json"),
                datasets_dir / (dataset.name + ".png")};
  dataset.data_dir = fs::absolute(out.data_dir).lexically_normal();
  Publication publication{out.data_dir, out.preview, staging};
  test_point("create:claimed");
  write_dataset_preview(out.preview, dataset, preview, reporter);
  test_point("create:preview");
  write_dataset_json(out.json, dataset, /*no_clobber=*/true);
  publication.done = true;
  test_point("create:published");
  std::error_code ec;
  fs::remove(out.data_dir / kMarker, ec);  // if this fails, the next run removes it
  return out;
}

}  // namespace flamecare::detail
