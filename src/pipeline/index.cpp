// update_index: walk the raw root, merge with the CSV, screen what is new or changed, write back.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "flamecare/image.hpp"
#include "flamecare/index.hpp"
#include "io/atomic_file.hpp"
#include "io/regular_file.hpp"
#include "util/parallel.hpp"
#include "util/test_point.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;

// Missing files named in the summary (the count covers all of them).
constexpr std::size_t kNamedMissing = 5;

struct FoundFile {
  std::string rel;  // relative to the root, '/' separated
  FileStamp stamp;
  std::optional<FileStamp> sidecar;  // nullopt when there is none (or it cannot be stat'ed)
  std::string stat_error;            // detail of `unreadable` when the file cannot be stat'ed
};

bool has_tiff_extension(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == "tif" || ext == "tiff";
}

std::optional<FileStamp> stamp_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileStamp{static_cast<std::uint64_t>(st.st_size),
                   std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

FoundFile stat_file(const fs::path& path, std::string rel) {
  FoundFile file{std::move(rel), {}, stamp_of(tile_data_path(path)), {}};
  if (const auto stamp = stamp_of(path)) {
    file.stamp = *stamp;
  } else {
    const std::string kind = detail::non_regular_kind(path);  // "a dangling symlink", ...
    file.stat_error = kind.starts_with("a ") ? "is " + kind : "cannot stat: " + kind;
  }
  return file;
}

// One directory_iterator per directory so an unreadable or vanishing directory costs only its own
// subtree. Directory symlinks are not followed, which also rules out symlink loops.
void walk(const fs::path& root, const fs::path& dir, std::vector<FoundFile>& found,
          const Reporter& reporter) {
  std::error_code ec;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    std::error_code sec;
    const fs::file_status link_status = it->symlink_status(sec);
    if (sec) continue;
    if (fs::is_directory(link_status)) {
      walk(root, path, found, reporter);
      continue;
    }
    if (!has_tiff_extension(path.filename().string())) continue;
    // A symlink to a directory is not followed. Anything else with a TIFF name is an entry: a
    // FIFO, device or broken symlink gets a reason line instead of vanishing silently.
    if (fs::is_directory(fs::status(path, sec))) continue;
    found.push_back(stat_file(path, path.lexically_relative(root).generic_string()));
  }
  if (ec) {
    reporter.warn(fmt::format("{}: cannot list directory: {}", detail::printable(dir.native()),
                              ec.message()));
  }
}

std::vector<FoundFile> find_raw_images(const fs::path& root, const Reporter& reporter) {
  std::vector<FoundFile> found;
  walk(root, root, found, reporter);
  std::sort(found.begin(), found.end(),
            [](const FoundFile& a, const FoundFile& b) { return a.rel < b.rel; });
  return found;
}

void apply_screen_result(IndexEntry& entry, const ScreenResult& result) {
  entry.frames = result.usable() ? result.frames : -1;
  entry.status = result.usable() ? IndexStatus::kUsable : IndexStatus::kUnusable;
  entry.reason = result.usable() ? ScreenReason::kNone : result.reason;
  entry.reason_detail = result.usable() ? std::string() : result.detail;
  if (!result.usable() && entry.reason == ScreenReason::kNone) {  // an injected screener's slip
    entry.reason = ScreenReason::kUnreadable;
    entry.reason_detail = "screening gave no reason";
  }
  entry.channels = result.info ? result.info->channels : 0;
  entry.height = result.info ? result.info->height : 0;
  entry.width = result.info ? result.info->width : 0;
  entry.dtype = result.info ? std::string(pixel_type_name(result.info->pixel_type)) : "";
  entry.bidirectional_correction =
      result.tile ? result.tile->bidirectional_correction : std::nullopt;
}

ScreenResult screen_one(const IndexOptions& options, const fs::path& path) {
  try {
    return options.screen ? options.screen(path) : screen_raw_image(path);
  } catch (const std::exception& e) {
    ScreenResult result;
    result.reason = ScreenReason::kUnreadable;
    result.detail = detail::one_line(detail::printable(e.what()));
    return result;
  }
}

// The fingerprint: the TIFF's size and mtime and its sidecar's (or its absence). A sidecar that
// was fixed, added or removed changes the result as much as the TIFF does.
bool needs_screening(const IndexEntry& entry, const FoundFile& file, bool rescreen) {
  return rescreen || entry.status == IndexStatus::kUnscreened ||
         entry.status == IndexStatus::kMissing || !entry.frames ||
         entry.size_bytes != file.stamp.size_bytes || entry.mtime_ns != file.stamp.mtime_ns ||
         entry.sidecar != file.sidecar;
}

std::int64_t next_id_after(std::int64_t id) {
  if (id == std::numeric_limits<std::int64_t>::max()) {
    throw Error(
        ErrorKind::kCorrupt,
        fmt::format("the index uses id {}, the largest 64-bit id: no new id can be given", id));
  }
  return id + 1;
}

// Merges the walk into the index: new rows get ids after the largest ever used. Returns the
// positions (into index.entries) of the rows to screen, in path order.
std::vector<std::size_t> merge_found(ImageIndex& index, const std::vector<FoundFile>& found,
                                     bool rescreen, IndexSummary& summary) {
  std::unordered_map<std::string, std::size_t> by_path;
  std::optional<std::int64_t> largest;
  for (std::size_t i = 0; i < index.entries.size(); ++i) {
    by_path.emplace(index.entries[i].image, i);
    largest = std::max(largest.value_or(0), index.entries[i].id);
  }
  std::vector<bool> present(index.entries.size(), false);
  std::vector<std::size_t> to_screen;
  for (const FoundFile& file : found) {
    auto it = by_path.find(file.rel);
    if (it == by_path.end()) {
      IndexEntry entry;
      entry.id = largest ? next_id_after(*largest) : 0;
      largest = entry.id;
      entry.image = file.rel;
      index.entries.push_back(std::move(entry));
      present.push_back(false);
      it = by_path.emplace(file.rel, index.entries.size() - 1).first;
      ++summary.added;
    }
    const std::size_t pos = it->second;
    present[pos] = true;
    IndexEntry& entry = index.entries[pos];
    if (needs_screening(entry, file, rescreen)) to_screen.push_back(pos);
    entry.size_bytes = file.stamp.size_bytes;
    entry.mtime_ns = file.stamp.mtime_ns;
    entry.sidecar = file.sidecar;
  }
  for (std::size_t i = 0; i < index.entries.size(); ++i) {
    if (!present[i]) index.entries[i].status = IndexStatus::kMissing;
  }
  return to_screen;
}

void screen_all(ImageIndex& index, const std::vector<std::size_t>& to_screen,
                const std::unordered_map<std::string, const FoundFile*>& found_by_path,
                const IndexOptions& options, const Reporter& reporter) {
  std::mutex progress_mutex;  // so the counts a reporter sees never go backwards
  std::size_t done = 0;
  const std::size_t total = to_screen.size();
  reporter.progress("screening", 0, total);
  detail::parallel_for(total, options.threads, [&](std::size_t k) {
    reporter.check_cancelled();  // a cancelled run writes no CSV: screened results are dropped
    IndexEntry& entry = index.entries[to_screen[k]];
    const FoundFile& file = *found_by_path.at(entry.image);
    ScreenResult result;
    if (!file.stat_error.empty()) {
      result.reason = ScreenReason::kUnreadable;
      result.detail = file.stat_error;
    } else {
      result = screen_one(options, options.raw_root / fs::path(entry.image));
    }
    apply_screen_result(entry, result);
    std::lock_guard lock(progress_mutex);
    reporter.progress("screening", ++done, total);
  });
}

void remove_stale_temporaries(const fs::path& csv) {
  // A run killed while writing leaves its temporary behind; we hold the lock, so none is live.
  const std::string prefix = csv.filename().string() + ".tmp-";
  std::error_code ec;
  for (fs::directory_iterator it(csv.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().starts_with(prefix)) {
      std::error_code rec;
      fs::remove(it->path(), rec);
    }
  }
}

}  // namespace

IndexResult update_index(const IndexOptions& options, const Reporter& reporter) {
  std::error_code ec;
  if (!fs::is_directory(options.raw_root, ec)) {
    throw Error(ErrorKind::kNotFound, fmt::format("{}: raw root is not an existing directory",
                                                  detail::printable(options.raw_root.native())));
  }
  fs::create_directories(options.datasets_dir, ec);
  if (ec) {
    throw Error(ErrorKind::kIo, fmt::format("{}: cannot create directory: {}",
                                            options.datasets_dir.string(), ec.message()));
  }
  IndexResult result;
  IndexSummary& summary = result.summary;
  summary.csv = fs::absolute(options.datasets_dir / kIndexFileName).lexically_normal();
  fs::path lock_path = summary.csv;
  lock_path += ".lock";
  detail::FileLock lock(lock_path, reporter);
  remove_stale_temporaries(summary.csv);

  ImageIndex& index = result.index;
  std::string on_disk;  // the CSV's bytes as read, to leave an unchanged index untouched
  if (fs::exists(fs::symlink_status(summary.csv, ec))) {
    on_disk = detail::read_regular_file(summary.csv, kMaxIndexBytes);
    index = parse_index_csv(on_disk, detail::printable(summary.csv.native()));
  } else {
    // New ids would be given to every image: say so, in case the wrong folder was named.
    reporter.warn(fmt::format("no index in {}: starting a new one",
                              detail::printable(summary.csv.parent_path().native())));
  }
  const std::vector<FoundFile> found = find_raw_images(options.raw_root, reporter);
  summary.found = found.size();
  const std::vector<std::size_t> to_screen = merge_found(index, found, options.rescreen, summary);
  std::unordered_map<std::string, const FoundFile*> found_by_path;
  for (const FoundFile& file : found) found_by_path.emplace(file.rel, &file);
  detail::test_point("index:screening");
  screen_all(index, to_screen, found_by_path, options, reporter);
  summary.screened = to_screen.size();

  std::sort(index.entries.begin(), index.entries.end(),
            [](const IndexEntry& a, const IndexEntry& b) { return a.image < b.image; });
  for (const IndexEntry& entry : index.entries) {
    if (entry.status == IndexStatus::kMissing) {
      ++summary.missing;
      if (summary.missing_images.size() < kNamedMissing)
        summary.missing_images.push_back(entry.image);
    } else if (entry.status == IndexStatus::kUsable) {
      ++summary.usable;
    } else {
      ++summary.unusable;
      ++summary.unusable_by_reason[std::string(to_string(entry.reason))];
      reporter.warn(fmt::format("{}: {}", detail::printable(entry.image), entry.reason_text()));
    }
  }
  std::sort(index.entries.begin(), index.entries.end(),
            [](const IndexEntry& a, const IndexEntry& b) { return a.id < b.id; });
  // An index whose every file kept its fingerprint comes out byte for byte as it was read:
  // nothing to write, no fsync to wait for (the usual case when `create` indexes first).
  if (const std::string text = format_index_csv(index); text != on_disk || on_disk.empty()) {
    detail::write_file_atomic(summary.csv, text);
  }
  reporter.info(fmt::format("{}: {} files, {} new, {} screened, {} usable, {} unusable, {} missing",
                            detail::printable(summary.csv.native()), summary.found, summary.added,
                            summary.screened, summary.usable, summary.unusable, summary.missing));
  return result;
}

}  // namespace flamecare
