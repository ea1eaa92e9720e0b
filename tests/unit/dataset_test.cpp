// The typed dataset: its JSON read and written in one place (the schema of today's files kept
// exactly, unknown keys kept), opening by name or path, listing, per-image paths.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "support/expect_error.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {
namespace fs = std::filesystem;
using test_support::expect_kind;
using test_support::ScratchDir;

// A dataset JSON as `flamecare create` 0.1.0 (before the typed Dataset) wrote it, paths changed.
const std::string kWrittenBy010 =
    R"({"FLAME_Dataset":{"created":"2026-11-25T20:15:05+0000","data_dir":"/data/out/20250101_3I)"
    R"(_denoising_2to6F","id":"0x0001","image_ids":[0,1,2],"image_shapes":[[1,2,32,32],[1,2,32,)"
    R"(29],[1,2,32,32]],"images":[{"bidirectional_correction":0,"id":0,"image":"S001_PL/sample_)"
    R"(A/mosaic_01/Im_00001.tif","shape":[1,2,32,32],"split":"train"},{"bidirectional_correctio)"
    R"(n":3,"id":1,"image":"S001_PL/sample_A/mosaic_01/Im_00002.tif","shape":[1,2,32,29],"split)"
    R"(":"train"},{"bidirectional_correction":0,"id":2,"image":"S001_PL/sample_A/mosaic_01/Im_0)"
    R"(0003.tif","shape":[1,2,32,32],"split":"test"}],"input":{"channel_mean":[11.5974462365591)"
    R"(4,3.3091397849462365],"channel_std":[18.87032841668531,12.732298372276516],"n_frames":2,)"
    R"("n_pixels":5952,"pixel_1pct":[-8.0,-8.0],"pixel_5pct":[-6.0,-7.0],"pixel_95pct":[52.0,33)"
    R"(.25],"pixel_99p9pct":[92.15000000000327,70.12500000000273],"pixel_99pct":[75.0,51.25],"p)"
    R"(ixel_max":103.0,"pixel_mean":7.453293010752688,"pixel_min":-11.0,"pixel_p1pct":[-9.0,-10)"
    R"(.0],"pixel_std":16.621503065489602},"name":"20250101_3I_denoising_2to6F","output":{"chan)"
    R"(nel_mean":[34.22278225806452,9.941532258064516],"channel_std":[52.34780581819519,35.4669)"
    R"(02196493365],"n_frames":6,"n_pixels":5952,"pixel_1pct":[-17.0,-18.0],"pixel_5pct":[-15.0)"
    R"(,-15.0],"pixel_95pct":[146.0,98.0],"pixel_99p9pct":[257.07500000000164,201.0],"pixel_99p)"
    R"(ct":[201.25,148.0],"pixel_max":280.0,"pixel_mean":22.082157258064516,"pixel_min":-24.0,")"
    R"(pixel_p1pct":[-20.0,-22.0],"pixel_std":46.33024647126511},"raw_root":"/data/raw","seed":)"
    R"(7,"test_fraction":0.4,"test_ids":[2],"tool":"flamecare 0.1.0","type":"denoising"}})";

// What the original notebooks wrote: percentiles over all channels as one number, no extras.
const std::string kNotebookJson = R"({"FLAME_Dataset": {"name": "20210305_2I_denoising_5to40F",
  "type": "denoising", "id": "0x000a", "image_shapes": [[1, 1, 8, 8], [1, 1, 8, 6]],
  "input": {"n_frames": 5, "pixel_mean": 1.5, "pixel_min": 0, "pixel_max": 9, "pixel_std": 2,
            "pixel_p1pct": 0, "pixel_1pct": 0, "pixel_5pct": 0, "pixel_95pct": 8,
            "pixel_99pct": 9, "pixel_99p9pct": 9},
  "output": {"n_frames": 40, "pixel_mean": 12, "pixel_min": 0, "pixel_max": 70, "pixel_std": 9,
             "pixel_p1pct": 0, "pixel_1pct": 1, "pixel_5pct": 2, "pixel_95pct": 60,
             "pixel_99pct": 65, "pixel_99p9pct": 70},
  "image_ids": [4, 7], "test_ids": [7]}})";

void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

TEST(DatasetJson, TodaysFilesReadBackAndWriteOutUnchanged) {
  const Dataset d = parse_dataset_json(kWrittenBy010, "written-by-0.1.0");
  EXPECT_EQ(d.name, "20250101_3I_denoising_2to6F");
  EXPECT_EQ(d.id, 1u);
  EXPECT_EQ(d.seed, 7u);
  EXPECT_EQ(d.input.n_frames, 2);
  EXPECT_EQ(d.output.n_frames, 6);
  EXPECT_EQ(d.output.p99, (std::vector<double>{201.25, 148.0}));
  EXPECT_EQ(d.input.n_pixels, 5952u);
  EXPECT_EQ(d.image_ids(), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(d.test_ids(), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(d.train_ids(), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(d.image(1).width, 29);
  EXPECT_EQ(d.image(1).bidirectional_correction, 3);
  EXPECT_EQ(d.image(2).image, "S001_PL/sample_A/mosaic_01/Im_00003.tif");
  EXPECT_EQ(d.channels(), 2);
  // The one per-image path helper.
  EXPECT_EQ(d.input_path(2),
            fs::path("/data/out/20250101_3I_denoising_2to6F/test/image2_frames2.tif"));
  EXPECT_EQ(d.ground_truth_path(0),
            fs::path("/data/out/20250101_3I_denoising_2to6F/train/image0_frames6.tif"));
  expect_kind(ErrorKind::kNotFound, [&] { d.image_path(9, 2); });
  // Older files have no pairing or grouping: nested [0, N), [0, M), split by image.
  EXPECT_EQ(d.pairing, Pairing::kNested);
  EXPECT_EQ(d.group_by, GroupBy::kImage);
  EXPECT_EQ(d.target_frames(), (FrameRange{0, 6}));
  // Writing it back gives the same JSON, value for value, plus those defaults stated.
  auto expected = nlohmann::json::parse(kWrittenBy010);
  expected["FLAME_Dataset"]["pairing"] = "nested";
  expected["FLAME_Dataset"]["frames"] = {{"input", {0, 2}}, {"target", {0, 6}}};
  expected["FLAME_Dataset"]["group_by"] = "image";
  EXPECT_EQ(nlohmann::json::parse(format_dataset_json(d)), expected);
  EXPECT_EQ(format_dataset_json(parse_dataset_json(format_dataset_json(d), "again")),
            format_dataset_json(d));
}

TEST(DatasetJson, UnknownKeysSurviveARoundTrip) {
  auto json = nlohmann::json::parse(kWrittenBy010);
  json["FLAME_Dataset"]["pairing"] = "nested";
  json["FLAME_Dataset"]["frames"] = {{"input", {0, 2}}, {"target", {0, 6}}};
  json["FLAME_Dataset"]["group_by"] = "image";
  json["FLAME_Dataset"]["grouping"] = {{"kind", "ladder"}, {"rungs", {2, 6}}};
  json["Patch_Config"] = {{"patch_size", 64}};
  const Dataset d = parse_dataset_json(json.dump(), "extras");
  EXPECT_EQ(nlohmann::json::parse(format_dataset_json(d)), json);
}

TEST(DatasetJson, TheNotebooksFilesOpen) {
  const Dataset d = parse_dataset_json(kNotebookJson, "notebook");
  EXPECT_EQ(d.id, 10u);
  EXPECT_FALSE(d.seed.has_value());
  EXPECT_EQ(d.output.p99, std::vector<double>{65});
  EXPECT_EQ(d.test_ids(), std::vector<std::int64_t>{7});
  EXPECT_EQ(d.image(7).width, 6);
  EXPECT_TRUE(d.input.channel_mean.empty());
}

TEST(DatasetJson, BrokenFilesAreCorruptWithTheirName) {
  for (const std::string& text :
       {std::string("not json"), std::string(R"({"FLAME_Dataset": [1]})"),
        std::string(R"({"FLAME_Dataset": {"name": 3}})"), std::string("[]"),
        std::string(100000, '[') + std::string(100000, ']')}) {
    try {
      parse_dataset_json(text, "stray.json");
      ADD_FAILURE() << "accepted " << text.substr(0, 40);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kCorrupt) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("stray.json: ", 0), 0u) << e.what();
    }
  }
  // Issue 12: no parser ids ("[json.exception.parse_error.101]") in messages.
  try {
    parse_dataset_json("{\"FLAME_Dataset\": ", "stray.json");
    ADD_FAILURE() << "accepted a cut JSON";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("json.exception"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("stray.json: not valid JSON: parse error at line 1"),
              std::string::npos)
        << e.what();
  }
  auto json = nlohmann::json::parse(kWrittenBy010);
  json["FLAME_Dataset"]["test_ids"] = {5};
  expect_kind(ErrorKind::kCorrupt, [&] { parse_dataset_json(json.dump(), "x"); });
  json = nlohmann::json::parse(kWrittenBy010);
  json["FLAME_Dataset"]["image_shapes"][1] = {1, 3, 32, 29};
  expect_kind(ErrorKind::kCorrupt, [&] { parse_dataset_json(json.dump(), "x"); });
}

TEST(OpenDataset, ByNameOrPathAndANotFoundListsWhatExists) {
  ScratchDir dir;
  write(dir / "20250101_3I_denoising_2to6F.json", kWrittenBy010);
  write(dir / "old.json", kNotebookJson);
  write(dir / "stray.json", R"({"FLAME_Dataset": [1]})");
  EXPECT_EQ(open_dataset("20250101_3I_denoising_2to6F", dir.path()).id, 1u);
  const Dataset by_path = open_dataset((dir / "old.json").string());
  EXPECT_EQ(by_path.name, "20210305_2I_denoising_5to40F");
  EXPECT_EQ(by_path.json_path, dir / "old.json");
  const auto before = std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator());
  try {
    open_dataset("nope", dir.path());
    ADD_FAILURE() << "opened a missing dataset";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    const std::string message = e.what();
    EXPECT_NE(message.find("no dataset named \"nope\""), std::string::npos) << message;
    EXPECT_NE(message.find("20210305_2I_denoising_5to40F, 20250101_3I_denoising_2to6F"),
              std::string::npos)
        << message;
  }
  expect_kind(ErrorKind::kNotFound, [&] { open_dataset("nope", dir / "missing"); });
  EXPECT_FALSE(fs::exists(dir / "missing"));  // a lookup creates nothing
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), before);
  expect_kind(ErrorKind::kNotFound, [&] { open_dataset((dir / "gone.json").string()); });
  expect_kind(ErrorKind::kCorrupt, [&] { open_dataset("stray", dir.path()); });
}

TEST(ListDatasets, StrayFilesAreSkippedWithAWarningNamingThem) {
  ScratchDir dir;
  write(dir / "b.json", kWrittenBy010);
  write(dir / "a.json", kNotebookJson);
  write(dir / "stray.json", R"({"FLAME_Dataset": [1]})");
  write(dir / "text.json", "not json");
  fs::create_directory(dir / "folder.json");
  ASSERT_EQ(::mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  std::vector<std::string> warnings;
  const Reporter reporter(
      [&](LogLevel level, std::string_view m) {
        if (level == LogLevel::kWarning) warnings.emplace_back(m);
      },
      nullptr);
  const auto datasets = list_datasets(dir.path(), reporter);
  ASSERT_EQ(datasets.size(), 2u);
  EXPECT_EQ(datasets[0].name, "20210305_2I_denoising_5to40F");
  EXPECT_EQ(datasets[1].name, "20250101_3I_denoising_2to6F");
  ASSERT_EQ(warnings.size(), 4u);
  for (const char* name : {"fifo.json", "folder.json", "stray.json", "text.json"}) {
    EXPECT_EQ(
        std::count_if(warnings.begin(), warnings.end(),
                      [&](const std::string& w) { return w.find(name) != std::string::npos; }),
        1)
        << name;
  }
  EXPECT_TRUE(list_datasets(dir / "missing").empty());
}

TEST(Reporter, CancellationThrowsCancelled) {
  bool stop = false;
  const Reporter reporter(nullptr, nullptr, [&] { return stop; });
  EXPECT_NO_THROW(reporter.check_cancelled());
  stop = true;
  expect_kind(ErrorKind::kCancelled, [&] { reporter.check_cancelled(); });
  EXPECT_NO_THROW(Reporter().check_cancelled());
  EXPECT_EQ(error_kind_name(ErrorKind::kCancelled), "cancelled");
  EXPECT_EQ(error_kind_name(ErrorKind::kAlreadyExists), "already exists");
}

}  // namespace
}  // namespace flamecare
