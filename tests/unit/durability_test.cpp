// Deferred durability (AtomicFile Durability::kDeferred + sync_paths): what `create` uses to write
// its sums without waiting for an fsync per file.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "io/atomic_file.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {

using test_support::expect_kind;
using test_support::ScratchDir;

std::string content_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(Durability, DeferredCommitRenamesAndSyncPathsMakesItDurable) {
  ScratchDir dir;
  const auto path = dir / "sum.tif";
  {
    detail::AtomicFile file(path);
    std::ofstream(file.temp_path(), std::ios::binary) << "pixels";
    file.commit(/*no_clobber=*/true, detail::Durability::kDeferred);
  }
  EXPECT_EQ(content_of(path), "pixels") << "in place under its name at once";
  detail::sync_paths({path}, {dir.path()});
  // No clobbering either way: the deferred commit refuses an existing name like the other.
  detail::AtomicFile again(path);
  std::ofstream(again.temp_path(), std::ios::binary) << "other";
  expect_kind(ErrorKind::kAlreadyExists,
              [&] { again.commit(/*no_clobber=*/true, detail::Durability::kDeferred); });
  EXPECT_EQ(content_of(path), "pixels");
}

TEST(Durability, SyncPathsNamesTheFileItCannotSync) {
  ScratchDir dir;
  const auto gone = dir / "gone.tif";
  try {
    detail::sync_paths({gone}, {dir.path()});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("gone.tif: cannot write"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flamecare
