#include <gtest/gtest.h>

#include "flamecare/error.hpp"
#include "flamecare/index.hpp"
#include "index_test_util.hpp"
#include "io/atomic_file.hpp"
#include "util/text.hpp"

namespace flamecare {
namespace {

IndexEntry make_entry(std::int64_t id, std::string image) {
  IndexEntry e;
  e.id = id;
  e.image = std::move(image);
  e.frames = 40 + id;
  e.channels = 2;
  e.height = 512;
  e.width = 256 + id;
  e.dtype = "int16";
  e.bidirectional_correction = id - 3;
  e.size_bytes = 1000000000000ULL + std::uint64_t(id);
  e.mtime_ns = 1700000000123456789LL + id;
  e.sidecar = FileStamp{1000 + std::uint64_t(id), 1700000000000000000LL + id};
  e.status = IndexStatus::kUsable;
  return e;
}

void expect_same(const IndexEntry& a, const IndexEntry& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.image, b.image);
  EXPECT_EQ(a.frames, b.frames);
  EXPECT_EQ(a.channels, b.channels);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.bidirectional_correction, b.bidirectional_correction);
  EXPECT_EQ(a.size_bytes, b.size_bytes);
  EXPECT_EQ(a.mtime_ns, b.mtime_ns);
  EXPECT_EQ(a.sidecar, b.sidecar);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.reason_detail, b.reason_detail);
}

// Expects parse_index_csv to throw kCorrupt with `fragment` (e.g. "line 3:") in the message.
void expect_corrupt(std::string_view text, const std::string& fragment) {
  try {
    parse_index_csv(text, "idx.csv");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("idx.csv: " + fragment), std::string::npos) << e.what();
  }
}

TEST(IndexCsv, RoundTripsTrickyPathsThroughAFile) {
  ImageIndex index;
  index.entries.push_back(make_entry(7, "2023/sample A/tile 1.tif"));
  index.entries.push_back(make_entry(2, "a,b/c,d.tif"));
  index.entries.push_back(make_entry(3, "q\"uote\"/x\"\".TIFF"));
  index.entries.push_back(make_entry(4, "ünïcödé/日本語/σ.tif"));
  IndexEntry unusable = make_entry(5, "line\nbreak, \"both\".tif");
  unusable.frames = -1;
  unusable.status = IndexStatus::kUnusable;
  unusable.reason = ScreenReason::kFramesMismatch;
  unusable.reason_detail = "1 frame on disk, sidecar says \"40\"";
  unusable.sidecar.reset();
  unusable.bidirectional_correction.reset();
  index.entries.push_back(unusable);
  IndexEntry unscreened;
  unscreened.id = 9;
  unscreened.image = "fresh.tif";
  index.entries.push_back(unscreened);

  test_support::TempDir dir;
  const auto csv = dir.path() / kIndexFileName;
  write_index_csv(csv, index);
  const ImageIndex back = read_index_csv(csv);
  ASSERT_EQ(back.entries.size(), index.entries.size());
  std::vector<IndexEntry> expected = index.entries;
  std::sort(expected.begin(), expected.end(), [](auto& a, auto& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < expected.size(); ++i) expect_same(back.entries[i], expected[i]);
  EXPECT_FALSE(back.entries.back().frames.has_value());
  EXPECT_EQ(detail::read_file(csv), format_index_csv(back));  // stable when written again
}

TEST(IndexCsv, WritesHeaderAndSortsById) {
  ImageIndex index;
  index.entries.push_back(make_entry(3, "b.tif"));
  index.entries.push_back(make_entry(1, "a, c.tif"));
  const std::string text = format_index_csv(index);
  EXPECT_EQ(text,
            "id,image,imgarr_nframes,channels,height,width,dtype,bidirectional_correction,"
            "size_bytes,mtime_ns,sidecar_size_bytes,sidecar_mtime_ns,status,reason,image_bytes\n"
            "1,\"a, c.tif\",41,2,512,257,int16,-2,1000000000001,1700000000123456790,1001,"
            "1700000000000000001,usable,,\n"
            "3,b.tif,43,2,512,259,int16,0,1000000000003,1700000000123456792,1003,"
            "1700000000000000003,usable,,\n");
}

TEST(IndexCsv, ReadsLegacyDuplicateIdColumnsAndWritesThemBackClean) {
  // What the notebooks left after two re-saves with pandas' index.
  const std::string legacy =
      "id,id,id.1,image,imgarr_nframes\n"
      "0,5,5,day1/a.tif,40\n"
      "1,6,6,\"day1/b, c.tif\",-1\n"
      "2,7,7,day2/d.tif,40.0\n";
  const ImageIndex index = parse_index_csv(legacy, "legacy.csv");
  ASSERT_EQ(index.entries.size(), 3u);
  EXPECT_EQ(index.entries[0].id, 0);
  EXPECT_EQ(index.entries[1].image, "day1/b, c.tif");
  EXPECT_EQ(index.entries[1].frames, -1);
  EXPECT_EQ(index.entries[2].frames, 40);
  for (const auto& e : index.entries) {
    EXPECT_EQ(e.status, IndexStatus::kUnscreened) << "legacy rows must be re-screened";
  }
  const std::string clean = format_index_csv(index);
  EXPECT_EQ(clean.substr(0, clean.find('\n')),
            "id,image,imgarr_nframes,channels,height,width,dtype,bidirectional_correction,"
            "size_bytes,mtime_ns,sidecar_size_bytes,sidecar_mtime_ns,status,reason,image_bytes");
  EXPECT_NE(clean.find("\n2,day2/d.tif,40,"), std::string::npos) << clean;
  EXPECT_EQ(format_index_csv(parse_index_csv(clean, "clean.csv")), clean);
}

TEST(IndexCsv, ReadsLegacyUnnamedPandasIndexAndIgnoresUnknownColumns) {
  const std::string legacy =
      ",id,image,imgarr_nframes,notes\r\n"
      "0,10,x.tif,,hello\r\n"
      "\r\n"
      "1,11,y.tif,40,\"a, b\"\r\n";
  const ImageIndex index = parse_index_csv(legacy, "legacy.csv");
  ASSERT_EQ(index.entries.size(), 2u);
  EXPECT_EQ(index.entries[0].id, 10);
  EXPECT_FALSE(index.entries[0].frames.has_value());
  EXPECT_EQ(index.entries[1].id, 11);
  EXPECT_EQ(index.entries[1].frames, 40);
  const ImageIndex renamed = parse_index_csv("Unnamed: 0,id,image\n0,4,z.tif\n", "r.csv");
  ASSERT_EQ(renamed.entries.size(), 1u);
  EXPECT_EQ(renamed.entries[0].id, 4);
}

TEST(IndexCsv, EmptyTextAndHeaderOnlyGiveAnEmptyIndex) {
  EXPECT_TRUE(parse_index_csv("", "e.csv").entries.empty());
  EXPECT_TRUE(parse_index_csv("id,image,imgarr_nframes\n", "e.csv").entries.empty());
}

TEST(IndexCsv, MalformedFilesAreCorruptWithLineNumbers) {
  expect_corrupt("id,image\n1,a.tif\nx1,b.tif\n", "line 3: id 'x1'");
  expect_corrupt("id,image\n1,a.tif\n-2,b.tif\n", "line 3: id '-2'");
  expect_corrupt("id,image\n1,a.tif\n\n1,b.tif\n", "line 4: duplicate id 1");
  expect_corrupt("id,image\n1,a.tif\n2,a.tif\n", "line 3: duplicate image path 'a.tif'");
  expect_corrupt("id,image\n1,a.tif,extra\n", "line 2: 3 fields but the header has 2");
  expect_corrupt("id,image\n1\n", "line 2: 1 fields but the header has 2");
  expect_corrupt("id,image,imgarr_nframes\n1,a.tif,forty\n", "line 2: imgarr_nframes 'forty'");
  expect_corrupt("id,image,imgarr_nframes\n1,a.tif,40.5\n", "line 2: imgarr_nframes '40.5'");
  expect_corrupt("id,image,size_bytes\n1,a.tif,-4\n", "line 2: size_bytes '-4'");
  expect_corrupt("id,image\n1,\"a\nb.tif\n", "line 2: quoted field is never closed");
  expect_corrupt("id,image\n1,\"a\"b.tif\n", "line 2: text after a closing quote");
  expect_corrupt("id,image\n1,a\"b.tif\n", "line 2: quote inside an unquoted field");
  expect_corrupt("id,image\n1,\"multi\nline.tif\"\n2,\n", "line 4: image path is empty");
  expect_corrupt("id,image,status\n1,a.tif,gone\n", "line 2: unknown status 'gone'");
  expect_corrupt("image,imgarr_nframes\na.tif,40\n", "line 1: header has no 'id' column");
  expect_corrupt("id.1,id,x\n", "line 1: header has no 'image' column");
}

// Issue 7: paths are bytes. `image` stays valid UTF-8 (pandas reads it), `image_bytes` keeps the
// exact bytes of a path that is not UTF-8 so the file can be opened again; ids are keyed by it.
TEST(IndexCsv, PathsThatAreNotUtf8RoundTripExactlyAndTheTextIsUtf8) {
  ImageIndex index;
  index.entries.push_back(make_entry(1, "caf\xE9/Im,\xFF\"%.tif"));
  index.entries.push_back(make_entry(2, "caf\\xE9/Im,\\xFF\"%.tif"));  // same `image` text
  IndexEntry bad = make_entry(3, "d\xE9j\xE0.tif");
  bad.status = IndexStatus::kUnusable;
  bad.frames = -1;
  bad.reason = ScreenReason::kBadSidecar;
  bad.reason_detail = "d\xE9j\xE0.tileData.txt: looks like UTF-16\r\ntext";
  index.entries.push_back(bad);
  const std::string text = format_index_csv(index);
  EXPECT_TRUE(detail::is_valid_utf8(text)) << text;
  EXPECT_NE(text.find("\n1,\"caf\\xE9/Im,\\xFF\"\"%.tif\","), std::string::npos) << text;
  EXPECT_NE(text.find(",\"caf%E9/Im,%FF\"\"%25.tif\"\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find("bad_sidecar: d\\xE9j\\xE0.tileData.txt: looks like UTF-16  text,d%E9j%E0.tif\n"),
      std::string::npos)
      << text;
  const ImageIndex back = parse_index_csv(text, "idx.csv");
  ASSERT_EQ(back.entries.size(), 3u);
  EXPECT_EQ(back.entries[0].image, index.entries[0].image);
  EXPECT_EQ(back.entries[1].image, index.entries[1].image);
  EXPECT_EQ(back.entries[2].image, bad.image);
  EXPECT_EQ(back.entries[2].reason, ScreenReason::kBadSidecar);
  EXPECT_EQ(format_index_csv(back), text);
  expect_corrupt("id,image,image_bytes\n1,a.tif,%E\n",
                 "line 2: image_bytes is not percent-encoded");
}

TEST(IndexCsv, IdsAre64Bit) {
  const ImageIndex index =
      parse_index_csv("id,image\n2147483647,a.tif\n9223372036854775807,b.tif\n", "idx.csv");
  ASSERT_EQ(index.entries.size(), 2u);
  EXPECT_EQ(index.entries[0].id, 2147483647);
  EXPECT_EQ(index.entries[1].id, std::numeric_limits<std::int64_t>::max());
  EXPECT_NE(format_index_csv(index).find("\n9223372036854775807,b.tif,"), std::string::npos);
  expect_corrupt("id,image\n9223372036854775808,a.tif\n",
                 "line 2: id '9223372036854775808' is not a non-negative 64-bit integer");
}

TEST(IndexCsv, RowsWithoutTheFingerprintOrAKnownReasonAreScreenedAgain) {
  // A CSV from before the sidecar columns: its results cannot say whether a sidecar changed.
  const ImageIndex old = parse_index_csv(
      "id,image,imgarr_nframes,size_bytes,mtime_ns,status,reason\n"
      "1,a.tif,40,10,20,usable,\n2,b.tif,-1,10,20,unusable,no_sidecar: b.tileData.txt\n"
      "3,c.tif,40,10,20,missing,\n",
      "old.csv");
  EXPECT_EQ(old.entries[0].status, IndexStatus::kUnscreened);
  EXPECT_EQ(old.entries[1].status, IndexStatus::kUnscreened);
  EXPECT_EQ(old.entries[1].reason, ScreenReason::kNoSidecar);
  EXPECT_EQ(old.entries[2].status, IndexStatus::kMissing);
  const std::string header =
      "id,image,imgarr_nframes,size_bytes,mtime_ns,sidecar_size_bytes,sidecar_mtime_ns,status,"
      "reason\n";
  const ImageIndex now = parse_index_csv(header +
                                             "1,a.tif,-1,10,20,5,6,unusable,no_sidecar: x\n"
                                             "2,b.tif,-1,10,20,,,unusable,made_up: by hand\n"
                                             "3,c.tif,-1,10,20,,,unusable,\n",
                                         "now.csv");
  EXPECT_EQ(now.entries[0].status, IndexStatus::kUnusable);
  EXPECT_EQ(now.entries[0].sidecar, (FileStamp{5, 6}));
  EXPECT_EQ(now.entries[0].reason_text(), "no_sidecar: x");
  EXPECT_EQ(now.entries[1].status, IndexStatus::kUnscreened);
  EXPECT_FALSE(now.entries[1].sidecar.has_value());
  EXPECT_EQ(now.entries[2].status, IndexStatus::kUnscreened);
}

TEST(IndexCsv, MissingFileIsNotFound) {
  test_support::TempDir dir;
  try {
    read_index_csv(dir.path() / "nope.csv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }
}

TEST(IndexCsv, CorruptFileErrorNamesThePath) {
  test_support::TempDir dir;
  const auto csv = dir.path() / "bad.csv";
  detail::write_file_atomic(csv, "id,image\n1,a.tif\n1,b.tif\n");
  try {
    read_index_csv(csv);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt);
    EXPECT_EQ(std::string(e.what()), csv.string() + ": line 3: duplicate id 1");
  }
}

}  // namespace
}  // namespace flamecare
