#pragma once
/// The raw image index `raw_image_index.csv` (DESIGN.md §1).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flamecare/log.hpp"
#include "flamecare/screen.hpp"

namespace flamecare {

inline constexpr const char* kIndexFileName = "raw_image_index.csv";
/// An index CSV larger than this is refused rather than read (about 5 million rows).
inline constexpr std::uint64_t kMaxIndexBytes = std::uint64_t{1} << 30;

/// Where an index row stands (CSV column `status`: "", "usable", "unusable", "missing").
enum class IndexStatus {
  kUnscreened,  ///< not screened yet, or its old result cannot be trusted (old CSV columns)
  kUsable,
  kUnusable,
  kMissing,  ///< the file is gone; the row keeps its id and last result
};

/// Size and modification time of a file, as compared to decide whether to screen again.
struct FileStamp {
  std::uint64_t size_bytes = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

/// One row of the index.
struct IndexEntry {
  std::int64_t id = 0;
  /// Path relative to the raw root, '/' separated: the exact bytes, which need not be UTF-8
  /// (the CSV keeps them in `image_bytes` when they are not).
  std::string image;
  std::optional<int> frames;  ///< imgarr_nframes: verified frames, -1 unusable, nullopt unscreened
  int channels = 0;
  int height = 0;
  int width = 0;
  std::string dtype;
  std::optional<int> bidirectional_correction;
  std::uint64_t size_bytes = 0;
  std::int64_t mtime_ns = 0;
  std::optional<FileStamp> sidecar;  ///< the sidecar when last screened; nullopt: there was none
  IndexStatus status = IndexStatus::kUnscreened;
  ScreenReason reason = ScreenReason::kNone;  ///< why unusable; kNone when usable or unscreened
  std::string reason_detail;                  ///< the reason's detail (one line, UTF-8)
  /// "<code>: <detail>" as in the CSV's `reason` column, "" without a reason.
  std::string reason_text() const;
};

struct ImageIndex {
  std::vector<IndexEntry> entries;  ///< sorted by id
};

/// Column names written by write_index_csv, in order.
extern const std::vector<std::string_view> kIndexColumns;

/// Parses index CSV text (RFC 4180). Accepts legacy pandas files: the first column named `id`
/// wins, other `id`/`id.N`/empty/`Unnamed: N` columns are dropped, unknown columns ignored; a
/// file without the status/size/mtime/sidecar columns gives unscreened rows, and so does an
/// unusable row whose reason code is unknown (both are screened again). A non-empty
/// `image_bytes` (percent-encoded) gives the exact path, else `image` does. Throws
/// Error(kCorrupt, "<source>: line N: ...") for a bad header, a malformed value (ids are
/// non-negative 64-bit integers), a duplicate id or a duplicate path. The result is sorted by id.
ImageIndex parse_index_csv(std::string_view text, std::string_view source);
/// The CSV text of `index` (header + rows sorted by id, fields quoted only when needed). The text
/// is valid UTF-8: `image` and `reason` have invalid bytes escaped as `\xNN`, and a path that is
/// not valid UTF-8 is also written exactly, percent-encoded, in `image_bytes`.
std::string format_index_csv(const ImageIndex& index);

/// Reads an index CSV, including legacy files with duplicated `id` columns (first wins). Only a
/// regular file of at most kMaxIndexBytes is read. Throws Error(kNotFound / kIo / kCorrupt with
/// file and line / kUnsupported when too large).
ImageIndex read_index_csv(const std::filesystem::path& csv);
/// Writes the index atomically (temp + rename); columns id,image,imgarr_nframes first.
/// Throws Error(kIo).
void write_index_csv(const std::filesystem::path& csv, const ImageIndex& index);

struct IndexOptions {
  std::filesystem::path raw_root;
  std::filesystem::path datasets_dir;
  int threads = 0;  ///< 0 = all cores
  /// Screening function; defaults to screen_raw_image. Tests inject their own.
  std::function<ScreenResult(const std::filesystem::path&)> screen;
  bool rescreen = false;  ///< screen every file on disk, whatever the index says
};

struct IndexSummary {
  std::filesystem::path csv;  ///< absolute
  std::size_t found = 0;      ///< .tif/.tiff regular files under the root
  std::size_t added = 0;      ///< new ids assigned this run
  std::size_t screened = 0;   ///< files screened this run (new or changed)
  std::size_t usable = 0;     ///< files on disk now that are usable (screened now or before)
  std::size_t unusable = 0;   ///< files on disk now that are unusable (screened now or before)
  std::size_t missing = 0;    ///< indexed files no longer on disk
  /// The first few (up to 5) of them, paths relative to the raw root in path order.
  std::vector<std::string> missing_images;
  /// Reason code ("frames_mismatch", "unreadable", ...) → count, over the unusable files.
  std::map<std::string, std::size_t> unusable_by_reason;
};

struct IndexResult {
  ImageIndex index;
  IndexSummary summary;
};

/// Creates or updates `<datasets_dir>/raw_image_index.csv` under a lock file (warning "no index in
/// DIR: starting a new one" when there is none yet): walks the raw root,
/// assigns new ids (max + 1, sorted path order; 0 for an empty index), screens new, reappeared and
/// never-screened files and those whose size or mtime changed, or whose sidecar appeared,
/// disappeared or changed size or mtime (all of them with options.rescreen), in parallel, and
/// writes the CSV atomically. Bad files are reported (one warning per unusable file on disk) and
/// recorded, never fatal; a `.tif` name that is not a regular file (FIFO, dangling or looping
/// symlink, device) or whose screening throws gets reason code `unreadable`. Indexed files that
/// are gone keep their row and id with status "missing".
/// Throws Error(kNotFound) for a missing root, Error(kCorrupt) for an unreadable existing CSV
/// (left untouched) or when a new id would pass the largest 64-bit id, Error(kIo) when the CSV
/// or the lock cannot be written.
IndexResult update_index(const IndexOptions& options, const Reporter& reporter);

}  // namespace flamecare
