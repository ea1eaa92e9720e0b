#include <sys/stat.h>

#include <gtest/gtest.h>

#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "index_test_util.hpp"
#include "io/atomic_file.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;
using test_support::FakeScreener;
using test_support::TempDir;
using test_support::write_bytes;

const IndexEntry* find(const ImageIndex& index, const std::string& image) {
  for (const auto& e : index.entries) {
    if (e.image == image) return &e;
  }
  return nullptr;
}

std::map<std::string, std::int64_t> ids_by_path(const ImageIndex& index) {
  std::map<std::string, std::int64_t> ids;
  for (const auto& e : index.entries) ids[e.image] = e.id;
  return ids;
}

struct Collector {
  std::mutex mutex;
  std::vector<std::string> warnings;
  std::size_t progress_calls = 0;
  std::size_t last_done = 0;
  std::size_t last_total = 0;
  Reporter reporter() {
    return Reporter(
        [this](LogLevel level, std::string_view m) {
          std::lock_guard lock(mutex);
          if (level == LogLevel::kWarning) warnings.emplace_back(m);
        },
        [this](const ProgressEvent& e) {
          std::lock_guard lock(mutex);
          EXPECT_EQ(e.stage, "screening");
          ++progress_calls;
          EXPECT_GE(e.done, last_done) << "progress went backwards";
          last_done = e.done;
          last_total = e.total;
        });
  }
};

class UpdateIndex : public ::testing::Test {
 protected:
  fs::path root() const { return dir_.path() / "raw"; }
  fs::path datasets() const { return dir_.path() / "datasets"; }
  IndexResult run(Collector* collector = nullptr) {
    Collector local;
    Collector& c = collector ? *collector : local;
    return update_index(test_support::fake_options(root(), datasets(), screener_), c.reporter());
  }
  ImageIndex on_disk() const { return read_index_csv(datasets() / kIndexFileName); }

  TempDir dir_;
  FakeScreener screener_;
};

TEST_F(UpdateIndex, AssignsIdsInSortedPathOrderAndFillsColumns) {
  write_bytes(root() / "b/2.tif", 20);
  write_bytes(root() / "a.tif", 10);
  write_bytes(root() / "b/10.tiff", 30);
  write_bytes(root() / "b/c.bad.tif", 5);
  Collector collector;
  const IndexResult result = run(&collector);
  EXPECT_TRUE(fs::is_directory(datasets()));
  EXPECT_EQ(ids_by_path(on_disk()),
            (std::map<std::string, std::int64_t>{
                {"a.tif", 0}, {"b/10.tiff", 1}, {"b/2.tif", 2}, {"b/c.bad.tif", 3}}));
  const ImageIndex index = on_disk();
  const IndexEntry* a = find(index, "a.tif");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->frames, 10);
  EXPECT_EQ(a->status, IndexStatus::kUsable);
  EXPECT_EQ(a->channels, 2);
  EXPECT_EQ(a->height, 16);
  EXPECT_EQ(a->width, 32);
  EXPECT_EQ(a->dtype, "int16");
  EXPECT_EQ(a->bidirectional_correction, 3);
  EXPECT_EQ(a->size_bytes, 10u);
  struct stat st {};
  ASSERT_EQ(::stat((root() / "a.tif").c_str(), &st), 0);
  EXPECT_EQ(a->mtime_ns, std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
  const IndexEntry* bad = find(index, "b/c.bad.tif");
  EXPECT_EQ(bad->frames, -1);
  EXPECT_EQ(bad->status, IndexStatus::kUnusable);
  EXPECT_EQ(bad->reason, ScreenReason::kFramesMismatch);
  EXPECT_EQ(bad->reason_text(), "frames_mismatch: 1 frame on disk, sidecar says 40");

  const IndexSummary& s = result.summary;
  EXPECT_EQ(s.csv, datasets() / kIndexFileName);
  EXPECT_EQ(s.found, 4u);
  EXPECT_EQ(s.added, 4u);
  EXPECT_EQ(s.screened, 4u);
  EXPECT_EQ(s.usable, 3u);
  EXPECT_EQ(s.unusable, 1u);
  EXPECT_EQ(s.missing, 0u);
  EXPECT_EQ(s.unusable_by_reason, (std::map<std::string, std::size_t>{{"frames_mismatch", 1}}));
  EXPECT_EQ(
      collector.warnings,
      (std::vector<std::string>{"no index in " + datasets().string() + ": starting a new one",
                                "b/c.bad.tif: frames_mismatch: 1 frame on disk, sidecar says 40"}));
  EXPECT_EQ(collector.last_done, 4u);
  EXPECT_EQ(collector.last_total, 4u);
  EXPECT_EQ(collector.progress_calls, 5u);  // 0/4 then one per file
}

TEST_F(UpdateIndex, StableIdsAcrossRunsAndNewFilesAppendedSorted) {
  write_bytes(root() / "m.tif", 1);
  write_bytes(root() / "z.tif", 1);
  run();
  EXPECT_EQ(screener_.total(), 2);
  const auto first = ids_by_path(on_disk());
  write_bytes(root() / "b.tif", 1);
  write_bytes(root() / "a.tif", 1);
  const IndexResult again = run();
  EXPECT_EQ(screener_.total(), 4);  // only the two new files
  EXPECT_EQ(again.summary.added, 2u);
  EXPECT_EQ(again.summary.screened, 2u);
  EXPECT_EQ(again.summary.usable, 4u);
  EXPECT_EQ(ids_by_path(on_disk()), (std::map<std::string, std::int64_t>{
                                        {"a.tif", 2}, {"b.tif", 3}, {"m.tif", 0}, {"z.tif", 1}}));
  EXPECT_EQ(on_disk().entries.front().image, first.begin()->first);
  const IndexResult third = run();
  EXPECT_EQ(screener_.total(), 4);
  EXPECT_EQ(third.summary.screened, 0u);
  EXPECT_EQ(third.summary.added, 0u);
}

// An index of unchanged files is not written again (no temporary, rename or fsync: the same file
// stays); any change, or a legacy file to clean up, is written.
TEST_F(UpdateIndex, AnUnchangedIndexIsLeftAsItIs) {
  write_bytes(root() / "a.tif", 3);
  write_bytes(root() / "b.tif", 3);
  run();
  const fs::path csv = datasets() / kIndexFileName;
  const auto inode = [&] {
    struct stat st {};
    EXPECT_EQ(::stat(csv.c_str(), &st), 0);
    return st.st_ino;
  };
  const auto before = inode();
  const IndexResult same = run();
  EXPECT_EQ(same.summary.found, 2u);
  EXPECT_EQ(inode(), before) << "rewritten although nothing changed";
  write_bytes(root() / "c.tif", 3);
  run();
  EXPECT_NE(inode(), before) << "a new file must be written to the index";
  EXPECT_NE(find(on_disk(), "c.tif"), nullptr);
  const auto with_c = inode();
  fs::remove(root() / "a.tif");
  run();
  EXPECT_NE(inode(), with_c) << "a missing file must be written to the index";
  EXPECT_EQ(find(on_disk(), "a.tif")->status, IndexStatus::kMissing);
}

TEST_F(UpdateIndex, DeletedFileKeepsItsIdAndNewFileGetsMaxPlusOne) {
  write_bytes(root() / "a.tif", 1);
  write_bytes(root() / "b.tif", 1);
  write_bytes(root() / "c.tif", 1);
  run();
  fs::remove(root() / "c.tif");  // had the largest id, 2
  write_bytes(root() / "0.tif", 1);
  const IndexResult result = run();
  EXPECT_EQ(result.summary.missing, 1u);
  EXPECT_EQ(result.summary.found, 3u);
  const ImageIndex index = on_disk();
  EXPECT_EQ(find(index, "c.tif")->id, 2);
  EXPECT_EQ(find(index, "c.tif")->status, IndexStatus::kMissing);
  EXPECT_EQ(find(index, "c.tif")->frames, 1);  // the last result is kept
  EXPECT_EQ(find(index, "0.tif")->id, 3);
  // It comes back unchanged: same id, screened again, usable again.
  write_bytes(root() / "c.tif", 1);
  screener_.reset();
  const IndexResult back = run();
  EXPECT_EQ(screener_.calls("c.tif"), 1);
  EXPECT_EQ(screener_.total(), 1);
  EXPECT_EQ(back.summary.missing, 0u);
  EXPECT_EQ(find(on_disk(), "c.tif")->id, 2);
  EXPECT_EQ(find(on_disk(), "c.tif")->status, IndexStatus::kUsable);
}

TEST_F(UpdateIndex, ChangedSizeOrMtimeIsScreenedAgain) {
  write_bytes(root() / "same.tif", 4);
  write_bytes(root() / "grows.tif", 4);
  write_bytes(root() / "touched.tif", 4);
  run();
  write_bytes(root() / "grows.tif", 9);
  const auto t = fs::last_write_time(root() / "touched.tif");
  fs::last_write_time(root() / "touched.tif", t + std::chrono::seconds(5));
  screener_.reset();
  const IndexResult result = run();
  EXPECT_EQ(screener_.calls("same.tif"), 0);
  EXPECT_EQ(screener_.calls("grows.tif"), 1);
  EXPECT_EQ(screener_.calls("touched.tif"), 1);
  EXPECT_EQ(result.summary.screened, 2u);
  EXPECT_EQ(find(on_disk(), "grows.tif")->frames, 9);
  EXPECT_EQ(find(on_disk(), "grows.tif")->size_bytes, 9u);
}

// Issue 7: a fixed, added or removed sidecar is looked at again (it is part of the fingerprint).
TEST_F(UpdateIndex, SidecarChangesAreScreenedAgain) {
  write_bytes(root() / "a.tif", 4);
  write_bytes(root() / "a.tileData.txt", 10);
  write_bytes(root() / "b.tif", 4);
  write_bytes(root() / "c.tif", 4);
  write_bytes(root() / "c.tileData.txt", 10);
  run();
  EXPECT_EQ(find(on_disk(), "a.tif")->sidecar->size_bytes, 10u);
  EXPECT_FALSE(find(on_disk(), "b.tif")->sidecar.has_value());
  screener_.reset();
  EXPECT_EQ(run().summary.screened, 0u);
  write_bytes(root() / "a.tileData.txt", 11);  // fixed: other size
  write_bytes(root() / "b.tileData.txt", 10);  // added
  fs::remove(root() / "c.tileData.txt");       // removed
  EXPECT_EQ(run().summary.screened, 3u);
  EXPECT_EQ(screener_.total(), 3);
  EXPECT_EQ(find(on_disk(), "b.tif")->sidecar->size_bytes, 10u);
  EXPECT_FALSE(find(on_disk(), "c.tif")->sidecar.has_value());
  const auto t = fs::last_write_time(root() / "a.tileData.txt");  // same size, new mtime
  fs::last_write_time(root() / "a.tileData.txt", t + std::chrono::seconds(5));
  screener_.reset();
  EXPECT_EQ(run().summary.screened, 1u);
  EXPECT_EQ(screener_.calls("a.tif"), 1);
}

TEST_F(UpdateIndex, RescreenScreensEveryFileOnDisk) {
  write_bytes(root() / "a.tif", 4);
  write_bytes(root() / "b.bad.tif", 4);
  write_bytes(root() / "gone.tif", 4);
  run();
  fs::remove(root() / "gone.tif");
  screener_.reset();
  IndexOptions options = test_support::fake_options(root(), datasets(), screener_);
  options.rescreen = true;
  const IndexResult result = update_index(options, Reporter());
  EXPECT_EQ(result.summary.screened, 2u);
  EXPECT_EQ(screener_.calls("a.tif"), 1);
  EXPECT_EQ(screener_.calls("b.bad.tif"), 1);
  EXPECT_EQ(result.summary.missing, 1u);
}

// Issue 7: ids are 64-bit; the next id after 2147483647 is 2147483648 (it was 0 / UB as an int),
// and the largest 64-bit id is a clear error that leaves the CSV as it was.
TEST_F(UpdateIndex, IdsAre64BitAndTheLastIdIsAnError) {
  fs::create_directories(datasets());
  detail::write_file_atomic(datasets() / kIndexFileName,
                            "id,image,imgarr_nframes\n2147483647,old.tif,40\n");
  write_bytes(root() / "new.tif", 1);
  run();
  EXPECT_EQ(find(on_disk(), "new.tif")->id, 2147483648);
  const std::string last = "id,image,imgarr_nframes\n9223372036854775807,old.tif,40\n";
  detail::write_file_atomic(datasets() / kIndexFileName, last);
  try {
    run();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("id 9223372036854775807, the largest 64-bit id"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(detail::read_file(datasets() / kIndexFileName), last);
}

TEST_F(UpdateIndex, PathsThatAreNotUtf8KeepTheirBytesAndWarnPrintably) {
  write_bytes(root() / "caf\xE9.bad.tif", 3);
  Collector collector;
  run(&collector);
  const ImageIndex index = on_disk();
  ASSERT_NE(find(index, "caf\xE9.bad.tif"), nullptr);
  EXPECT_EQ(collector.warnings,
            (std::vector<std::string>{"no index in " + datasets().string() + ": starting a new one",
                                      "caf\\xE9.bad.tif: frames_mismatch: 1 "
                                      "frame on disk, sidecar says 40"}));
  screener_.reset();
  run();
  EXPECT_EQ(screener_.total(), 0);  // the exact path read back matches the walk
}

TEST_F(UpdateIndex, LegacyAndUnscreenedRowsAreScreenedKeepingTheirIds) {
  fs::create_directories(datasets());
  detail::write_file_atomic(datasets() / kIndexFileName,
                            "id,id,id.1,image,imgarr_nframes\n7,0,0,x.tif,40\n3,1,1,gone.tif,40\n");
  write_bytes(root() / "x.tif", 6);
  write_bytes(root() / "new.tif", 2);
  const IndexResult result = run();
  EXPECT_EQ(screener_.calls("x.tif"), 1);
  EXPECT_EQ(result.summary.added, 1u);
  EXPECT_EQ(result.summary.missing, 1u);
  const ImageIndex index = on_disk();
  EXPECT_EQ(ids_by_path(index),
            (std::map<std::string, std::int64_t>{{"gone.tif", 3}, {"new.tif", 8}, {"x.tif", 7}}));
  EXPECT_EQ(find(index, "x.tif")->frames, 6);
  const std::string text = detail::read_file(datasets() / kIndexFileName);
  EXPECT_TRUE(text.starts_with("id,image,imgarr_nframes,")) << text;
}

TEST_F(UpdateIndex, OnlyRegularTiffFilesAnyCaseAreEntries) {
  write_bytes(root() / "upper.TIF", 1);
  write_bytes(root() / "mixed.Tiff", 1);
  write_bytes(root() / "lower.tiff", 1);
  write_bytes(root() / "upper.tileData.txt", 1);
  write_bytes(root() / "notes.tif.txt", 1);
  write_bytes(root() / "tif", 1);
  fs::create_directories(root() / "x.tif");  // a directory with a tiff name
  write_bytes(root() / "x.tif" / "inner.tif", 1);
  fs::create_symlink("upper.TIF", root() / "link.tif");           // symlink to a file: an entry
  fs::create_directory_symlink("x.tif", root() / "dirlink.tif");  // not followed, not an entry
  run();
  EXPECT_EQ(ids_by_path(on_disk()), (std::map<std::string, std::int64_t>{{"link.tif", 0},
                                                                         {"lower.tiff", 1},
                                                                         {"mixed.Tiff", 2},
                                                                         {"upper.TIF", 3},
                                                                         {"x.tif/inner.tif", 4}}));
}

// A TIFF name that is not a regular file is an entry with a reason, not silently skipped.
TEST_F(UpdateIndex, FifoAndBrokenSymlinkTiffsAreUnreadableEntries) {
  write_bytes(root() / "ok.tif", 2);
  ASSERT_EQ(::mkfifo((root() / "fifo.tif").c_str(), 0644), 0);
  fs::create_symlink("no-such.tif", root() / "dangling.tif");
  fs::create_symlink("loop.tif", root() / "loop.tif");
  IndexOptions options;  // the real screener: it must not block on the FIFO
  options.raw_root = root();
  options.datasets_dir = datasets();
  options.threads = 2;
  Collector collector;
  const IndexResult result = update_index(options, collector.reporter());
  EXPECT_EQ(result.summary.found, 4u);
  const ImageIndex index = on_disk();
  const std::map<std::string, std::string> expected = {
      {"fifo.tif", "unreadable: is a FIFO, not a regular file"},
      {"dangling.tif", "unreadable: is a dangling symlink"},
      {"loop.tif", "unreadable: is a symlink loop"}};
  for (const auto& [name, reason] : expected) {
    const IndexEntry* e = find(index, name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_EQ(e->status, IndexStatus::kUnusable) << name;
    EXPECT_EQ(e->frames, -1) << name;
    EXPECT_EQ(e->reason_text(), reason) << name;
    EXPECT_NE(std::find(collector.warnings.begin(), collector.warnings.end(), name + ": " + reason),
              collector.warnings.end())
        << name;
  }
}

TEST_F(UpdateIndex, SymlinkLoopTerminates) {
  write_bytes(root() / "a/b/f.tif", 1);
  fs::create_directory_symlink("..", root() / "a/b/up");    // b/up → a
  fs::create_directory_symlink(root(), root() / "a/root");  // absolute loop to the root
  const IndexResult result = run();
  EXPECT_EQ(result.summary.found, 1u);
  EXPECT_EQ(ids_by_path(on_disk()), (std::map<std::string, std::int64_t>{{"a/b/f.tif", 0}}));
}

TEST_F(UpdateIndex, TrickyPathsAreIndexedAndRoundTrip) {
  const std::vector<std::string> names = {"with space/a b.tif", "comma,dir/x,y.tif",
                                          "quote\"d/\"q\".tif", "ünï/日本.tif"};
  for (const auto& n : names) write_bytes(root() / n, 3);
  run();
  const ImageIndex index = on_disk();
  ASSERT_EQ(index.entries.size(), names.size());
  for (const auto& n : names) {
    const IndexEntry* e = find(index, n);
    ASSERT_NE(e, nullptr) << n;
    EXPECT_EQ(e->status, IndexStatus::kUsable) << n;
  }
  screener_.reset();
  run();
  EXPECT_EQ(screener_.total(), 0);  // the keys read back equal the walked paths
}

TEST_F(UpdateIndex, ThrowingScreenerMarksOnlyThatFileUnreadable) {
  write_bytes(root() / "ok.tif", 2);
  write_bytes(root() / "throw.tif", 2);
  Collector collector;
  const IndexResult result = run(&collector);
  EXPECT_EQ(result.summary.usable, 1u);
  EXPECT_EQ(result.summary.unusable_by_reason,
            (std::map<std::string, std::size_t>{{"unreadable", 1}}));
  EXPECT_EQ(find(on_disk(), "throw.tif")->reason_text(), "unreadable: fake screener threw");
  EXPECT_EQ(collector.warnings,
            (std::vector<std::string>{"no index in " + datasets().string() + ": starting a new one",
                                      "throw.tif: unreadable: fake screener threw"}));
}

TEST_F(UpdateIndex, UnreadableDirectoryIsSkippedWithAWarning) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read a mode-000 directory";
  write_bytes(root() / "ok.tif", 2);
  write_bytes(root() / "locked/hidden.tif", 2);
  fs::permissions(root() / "locked", fs::perms::none);
  const IndexResult result = run();
  fs::permissions(root() / "locked", fs::perms::owner_all);
  EXPECT_EQ(result.summary.found, 1u);
}

TEST_F(UpdateIndex, MissingRootIsNotFound) {
  try {
    run();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find(root().string()), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(datasets() / kIndexFileName));
}

TEST_F(UpdateIndex, CorruptExistingIndexIsReportedNotOverwritten) {
  write_bytes(root() / "a.tif", 1);
  fs::create_directories(datasets());
  const std::string bad = "id,image\n1,a.tif\n1,b.tif\n";
  detail::write_file_atomic(datasets() / kIndexFileName, bad);
  try {
    run();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt);
  }
  EXPECT_EQ(detail::read_file(datasets() / kIndexFileName), bad);
}

TEST_F(UpdateIndex, DefaultScreenerIsUsedWhenNoneIsGiven) {
  write_bytes(root() / "a.tif", 1);
  IndexOptions options;
  options.raw_root = root();
  options.datasets_dir = datasets();
  options.threads = 1;
  const IndexResult result = update_index(options, Reporter());
  const ScreenResult direct = screen_raw_image(root() / "a.tif");
  EXPECT_EQ(find(result.index, "a.tif")->reason, direct.reason);
  EXPECT_EQ(find(result.index, "a.tif")->reason_detail, direct.detail);
  EXPECT_EQ(find(result.index, "a.tif")->frames, direct.usable() ? direct.frames : -1);
}

}  // namespace
}  // namespace flamecare
