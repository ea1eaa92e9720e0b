// `create` on formula stacks: exact sums, bidirectional correction, statistics and error paths.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "flamecare/dataset.hpp"
#include "flamecare/error.hpp"
#include "flamecare/sum_tiff.hpp"
#include "flamecare/synth.hpp"
#include "pipeline/create_preview.hpp"
#include "pipeline/create_steps.hpp"
#include "support/scratch_dir.hpp"

namespace flamecare {
namespace {
namespace fs = std::filesystem;
using test_support::ScratchDir;

// Raw pixel value of the formula stacks: negative values included for int16.
double formula(int id, int page, int y, int x) {
  return (page * 7 + y * 3 - x * 2 + id * 11) % 97 - 30;
}

struct Spec {
  int id;
  int channels;
  int height;
  int width;
  int frames;
  std::optional<int> bidir;
  PixelType type = PixelType::kInt16;
};

// The stack of `s`, its pixels from formula() unless `value` (page, y, x) is given.
void write_stack(const fs::path& root, const std::string& rel, const Spec& s,
                 const std::function<double(int, int, int)>& value = nullptr) {
  const fs::path tif = root / rel;
  fs::create_directories(tif.parent_path());
  StackSpec stack;
  stack.frames = s.frames;
  stack.channels = s.channels;
  stack.height = s.height;
  stack.width = s.width;
  stack.pixel_type = s.type;
  stack.frames_per_slice = s.frames;
  write_scanimage_tiff(tif, stack, [&](int page, int y, int x) {
    return value ? value(page, y, x) : formula(s.id, page, y, x);
  });
  TileDataSpec tile;
  tile.tile_id = s.id;
  tile.frames_per_tile = s.frames;
  tile.channels = s.channels;
  tile.height = s.height;
  tile.width = s.width;
  tile.bidirectional_correction = s.bidir;
  write_tile_data(tif, tile);
}

// Expected corrected sum of frames [0, n) of channel c at output (y, x).
double expected_sum(const Spec& s, int n, int c, int y, int x) {
  int source_x = x;
  const int b = s.bidir.value_or(0);
  if (b > 0 && y % 2 == 0) source_x = x + b;
  if (b < 0 && y % 2 == 1) source_x = x - b;
  double total = 0;
  for (int f = 0; f < n; ++f) {
    double v = formula(s.id, f * s.channels + c, y, source_x);
    if (s.type == PixelType::kUint16) v = std::max(0.0, v);
    total += v;
  }
  return total;
}

double pixel(const AnyImage& image, int c, int y, int x) {
  return std::visit([&](const auto& img) { return static_cast<double>(img.at(c, y, x)); }, image);
}

// numpy.percentile (linear) on a sorted copy, written out independently of the library.
double numpy_percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double index = q / 100.0 * double(v.size() - 1);
  const auto lo = std::size_t(std::floor(index));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double t = index - double(lo), d = v[hi] - v[lo];
  return t >= 0.5 ? v[hi] - d * (1 - t) : v[lo] + d * t;
}

class CreateTest : public ::testing::Test {
 protected:
  CreateOptions options(int in = 3, int gt = 8) {
    CreateOptions o;
    o.raw_root = dir_ / "raw";
    o.datasets_dir = dir_ / "datasets";
    o.out_dir = dir_ / "out";
    o.input_frames = in;
    o.gt_frames = gt;
    o.test_fraction = 0.34;
    o.seed = 42;
    o.threads = 2;
    o.date = "20260102";
    return o;
  }
  nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in)["FLAME_Dataset"];
  }
  ScratchDir dir_;
};

TEST_F(CreateTest, SumsCorrectionAndStatisticsAreExact) {
  const std::vector<Spec> specs = {
      {1, 2, 12, 16, 10, 2}, {2, 2, 14, 10, 9, -3}, {3, 2, 12, 16, 8, std::nullopt}};
  for (const auto& s : specs)
    write_stack(dir_ / "raw", "S001_PL/a/Im_0000" + std::to_string(s.id) + ".tif", s);
  const CreateResult r = create_dataset(options(), Reporter());
  EXPECT_EQ(r.name, "20260102_3I_denoising_3to8F");
  EXPECT_EQ(r.id, "0x0001");
  EXPECT_EQ(r.n_train + r.n_test, 3u);
  EXPECT_EQ(r.n_test, 1u);
  const auto d = read_json(r.json);
  std::vector<std::vector<double>> values_in(2), values_gt(2);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const Spec& s = specs[i];
    const int width = s.width - std::abs(s.bidir.value_or(0));
    EXPECT_EQ(d["image_shapes"][i], nlohmann::json({1, 2, s.height, width}));
    const std::string split = d["images"][i]["split"];
    const int id = d["images"][i]["id"];
    for (const int n : {3, 8}) {
      const AnyImage img =
          read_sum_tiff(r.data_dir / split /
                        ("image" + std::to_string(id) + "_frames" + std::to_string(n) + ".tif"));
      ASSERT_EQ(pixel_type_of(img), PixelType::kInt32);
      ASSERT_EQ(shape_of(img).width, width);
      for (int c = 0; c < 2; ++c) {
        for (int y = 0; y < s.height; ++y) {
          for (int x = 0; x < width; ++x) {
            ASSERT_EQ(pixel(img, c, y, x), expected_sum(s, n, c, y, x))
                << s.id << " n" << n << " c" << c << " y" << y << " x" << x;
            (n == 3 ? values_in : values_gt)[std::size_t(c)].push_back(expected_sum(s, n, c, y, x));
          }
        }
      }
    }
  }
  const double qs[] = {0.1, 1, 5, 95, 99, 99.9};
  const char* keys[] = {"pixel_p1pct", "pixel_1pct",  "pixel_5pct",
                        "pixel_95pct", "pixel_99pct", "pixel_99p9pct"};
  for (int q = 0; q < 6; ++q) {
    for (int c = 0; c < 2; ++c) {
      EXPECT_EQ(d["input"][keys[q]][c].get<double>(),
                numpy_percentile(values_in[std::size_t(c)], qs[q]))
          << keys[q];
      EXPECT_EQ(d["output"][keys[q]][c].get<double>(),
                numpy_percentile(values_gt[std::size_t(c)], qs[q]))
          << keys[q];
    }
  }
  std::vector<double> all = values_gt[0];
  all.insert(all.end(), values_gt[1].begin(), values_gt[1].end());
  double sum = 0;
  for (const double v : all) sum += v;
  EXPECT_EQ(d["output"]["pixel_mean"].get<double>(), sum / double(all.size()));
  EXPECT_EQ(d["output"]["pixel_min"].get<double>(), *std::min_element(all.begin(), all.end()));
  EXPECT_EQ(d["output"]["pixel_max"].get<double>(), *std::max_element(all.begin(), all.end()));
  EXPECT_TRUE(fs::exists(r.preview));
}

// The preview drawn from the thumbnails made while summing is the one drawn from the TIFFs read
// back (images tall enough to be reduced, more images than the preview shows).
TEST_F(CreateTest, PreviewFromThumbnailsEqualsPreviewFromTheTiffs) {
  for (int id = 1; id <= 7; ++id) {
    const Spec s{id, 2, 530, 24, 8, id % 3 == 0 ? std::optional<int>(2) : std::nullopt};
    write_stack(dir_ / "raw", "a/Im_0000" + std::to_string(id) + ".tif", s);
  }
  ASSERT_EQ(detail::preview_factor(530, 24), 2);
  const CreateResult r = create_dataset(options(), Reporter());
  const Dataset d = open_dataset(r.name, dir_ / "datasets");
  const fs::path again = dir_ / "again.png";
  detail::write_dataset_preview(again, d, {42, 1, {}}, Reporter());
  std::ifstream a(r.preview, std::ios::binary), b(again, std::ios::binary);
  const std::string made((std::istreambuf_iterator<char>(a)), {});
  const std::string read_back((std::istreambuf_iterator<char>(b)), {});
  EXPECT_GT(made.size(), 1000u);
  EXPECT_TRUE(made == read_back) << "the two previews differ";
}

TEST_F(CreateTest, Uint16SumsAreUnsigned) {
  write_stack(dir_ / "raw", "a/Im_00001.tif", {1, 1, 8, 8, 8, std::nullopt, PixelType::kUint16});
  write_stack(dir_ / "raw", "a/Im_00002.tif", {2, 1, 8, 8, 8, std::nullopt, PixelType::kUint16});
  const CreateResult r = create_dataset(options(), Reporter());
  const auto d = read_json(r.json);
  const std::string split = d["images"][0]["split"];
  const int id = d["images"][0]["id"];
  const AnyImage img =
      read_sum_tiff(r.data_dir / split / ("image" + std::to_string(id) + "_frames8.tif"));
  EXPECT_EQ(pixel_type_of(img), PixelType::kUint32);
  EXPECT_EQ(pixel(img, 0, 3, 4),
            expected_sum({1, 1, 8, 8, 8, std::nullopt, PixelType::kUint16}, 8, 0, 3, 4));
}

TEST_F(CreateTest, MixedChannelCountsStopBeforeWritingAnything) {
  write_stack(dir_ / "raw", "a/Im_00001.tif", {1, 2, 8, 8, 8, std::nullopt});
  write_stack(dir_ / "raw", "a/Im_00002.tif", {2, 2, 8, 8, 8, std::nullopt});
  write_stack(dir_ / "raw", "b/Im_00003.tif", {3, 1, 8, 8, 8, std::nullopt});
  try {
    create_dataset(options(), Reporter());
    FAIL() << "mixed channel counts accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(message.find("2 channels: 2 images"), std::string::npos) << message;
    EXPECT_NE(message.find("1 channel: 1 image"), std::string::npos) << message;
    EXPECT_NE(message.find("b/Im_00003.tif"), std::string::npos) << message;
    EXPECT_NE(message.find("channels option to 2"), std::string::npos) << message;
    EXPECT_EQ(message.find("--"), std::string::npos) << "names a CLI flag: " << message;
  }
  std::size_t outputs = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "out"))
    outputs += entry.path().filename() != "." ? 1 : 0;
  EXPECT_EQ(outputs, 0u);
  for (const auto& entry : fs::directory_iterator(dir_ / "datasets")) {
    EXPECT_NE(entry.path().extension(), ".json") << entry.path();
  }
  // --channels keeps the majority and succeeds.
  CreateOptions o = options();
  o.channels = 2;
  const CreateResult r = create_dataset(o, Reporter());
  EXPECT_EQ(r.n_train + r.n_test, 2u);
}

TEST_F(CreateTest, UnusableFilesAreSkippedWithReasons) {
  write_stack(dir_ / "raw", "a/Im_00001.tif", {1, 1, 8, 8, 8, std::nullopt});
  write_stack(dir_ / "raw", "a/Im_00002.tif", {2, 1, 8, 8, 4, std::nullopt});  // too few frames
  std::ofstream(dir_ / "raw" / "a" / "junk.tif") << "not a tiff";
  const CreateResult r = create_dataset(options(), Reporter());
  EXPECT_EQ(r.n_train + r.n_test, 1u);
  EXPECT_EQ(r.skipped_by_reason.at("too_few_frames"), 1u);
  EXPECT_EQ(r.skipped_by_reason.at("not_tiff"), 1u);
}

// A float stack whose target sum turns NaN in its second channel (after the first channel's rows
// went into the statistics) is skipped like an unreadable one, and the dataset's statistics are
// those of the other images alone.
TEST_F(CreateTest, ANanSumSkipsItsImageAndLeavesTheOthersStatistics) {
  const auto write = [&](const fs::path& root, int id, bool nan) {
    const Spec spec{id, 2, 12, 16, 8, std::nullopt, PixelType::kFloat32};
    write_stack(root, "a/Im_0000" + std::to_string(id) + ".tif", spec, [&](int page, int y, int x) {
      if (nan && page == 6 * 2 + 1 && y == 9 && x == 3) return std::nan("");
      return formula(id, page, y, x) / 4;
    });
  };
  for (const int id : {1, 2, 3}) write(dir_ / "raw", id, id == 2);
  for (const int id : {1, 3}) write(dir_ / "clean", id, false);
  const CreateResult r = create_dataset(options(), Reporter());
  EXPECT_EQ(r.n_train + r.n_test, 2u);
  EXPECT_EQ(r.skipped_by_reason.at("read_failed"), 1u);
  CreateOptions clean = options();
  clean.raw_root = dir_ / "clean";
  clean.datasets_dir = dir_ / "clean_datasets";
  clean.out_dir = dir_ / "clean_out";
  const CreateResult reference = create_dataset(clean, Reporter());
  const auto d = read_json(r.json), e = read_json(reference.json);
  EXPECT_EQ(d["input"], e["input"]);
  EXPECT_EQ(d["output"], e["output"]);
  std::size_t files = 0;  // the two images' sums, no temporary file left
  for (const auto& entry : fs::recursive_directory_iterator(r.data_dir))
    files += entry.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 4u);
}

// Summing straight from a plan (as a shard does, long after planning): an image whose file now
// has another channel count than the dataset is skipped, named, and its sums never published;
// sums that cannot be written fail the run instead of skipping images.
TEST_F(CreateTest, AChangedImageIsSkippedAndAnUnwritableSumFailsTheRun) {
  write_stack(dir_ / "raw", "a/Im_00001.tif", {1, 2, 8, 8, 8, std::nullopt});
  write_stack(dir_ / "raw", "a/Im_00002.tif", {2, 1, 8, 8, 8, std::nullopt});  // one channel
  std::vector<detail::PlannedImage> plan;
  for (const int id : {1, 2})
    plan.push_back({id, "a/Im_0000" + std::to_string(id) + ".tif", 8, 2, 8, 8, "int16", {}});
  const fs::path staging = dir_ / "staging";
  fs::create_directories(staging / "train");
  const detail::Accumulated acc =
      detail::sum_images(options(), plan, staging, 2, std::nullopt, Reporter());
  ASSERT_EQ(acc.images.size(), 1u);
  ASSERT_EQ(acc.failed.size(), 1u);
  EXPECT_EQ(acc.failed[0].id, 2);
  EXPECT_NE(acc.failed[0].reason.find("a/Im_00002.tif: 1 channels where the dataset has 2"),
            std::string::npos)
      << acc.failed[0].reason;
  std::vector<std::string> written;
  for (const auto& entry : fs::directory_iterator(staging / "train"))
    written.push_back(entry.path().filename().string());
  std::sort(written.begin(), written.end());
  EXPECT_EQ(written, (std::vector<std::string>{"image1_frames3.tif", "image1_frames8.tif"}));

  const fs::path unwritable = dir_ / "unwritable";
  fs::create_directories(unwritable);
  std::ofstream(unwritable / "train") << "a file where the directory should be";
  try {
    detail::sum_images(options(), {plan[0]}, unwritable, 2, std::nullopt, Reporter());
    FAIL() << "an unwritable sum skipped its image";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo) << e.what();
    EXPECT_NE(std::string(e.what()).find("image1_frames3.tif"), std::string::npos) << e.what();
  }
}

TEST_F(CreateTest, BadOptionsAreRejected) {
  write_stack(dir_ / "raw", "a/Im_00001.tif", {1, 1, 8, 8, 8, std::nullopt});
  for (auto change : std::vector<std::function<void(CreateOptions&)>>{
           [](CreateOptions& o) { o.input_frames = 0; }, [](CreateOptions& o) { o.gt_frames = 3; },
           [](CreateOptions& o) { o.test_fraction = 1.0; },
           [](CreateOptions& o) { o.type = "a b"; }, [](CreateOptions& o) { o.date = "2026"; }}) {
    CreateOptions o = options();
    change(o);
    EXPECT_THROW(create_dataset(o, Reporter()), Error);
  }
  CreateOptions inside = options();
  inside.out_dir = dir_ / "raw" / "processed";  // sums would be indexed as raw images
  try {
    create_dataset(inside, Reporter());
    FAIL() << "out dir inside the raw root accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inside the raw root"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "raw" / "processed"));
  CreateOptions o = options();
  o.raw_root = dir_ / "nope";
  try {
    create_dataset(o, Reporter());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }
  o = options(3, 20);  // no image has 20 frames
  EXPECT_THROW(create_dataset(o, Reporter()), Error);
}

TEST_F(CreateTest, KilledRunLeavesNoDatasetJson) {
  for (int i = 1; i <= 12; ++i) {
    write_stack(dir_ / "raw", "a/Im_" + std::to_string(100 + i) + ".tif",
                {i, 2, 256, 256, 40, std::nullopt});
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    CreateOptions o = options(5, 40);
    o.threads = 1;
    try {
      create_dataset(o, Reporter());
    } catch (...) {
    }
    ::_exit(0);
  }
  // Kill once the staging directory holds some sums, i.e. midway through summing.
  for (int i = 0; i < 2000; ++i) {
    bool started = false;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir_ / "out", ec), end; !ec && it != end;
         it.increment(ec)) {
      started = started || it->path().extension() == ".tif";
    }
    if (started) break;
    ::usleep(5000);
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "create finished before it could be killed";
  for (const auto& entry : fs::directory_iterator(dir_ / "datasets")) {
    EXPECT_NE(entry.path().extension(), ".json") << entry.path();
  }
  // The next run cleans the interrupted staging dir and completes.
  const CreateResult r = create_dataset(options(5, 40), Reporter());
  EXPECT_TRUE(fs::exists(r.json));
  std::size_t dirs = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "out"))
    dirs += entry.is_directory() ? 1 : 0;
  EXPECT_EQ(dirs, 1u);
}

TEST_F(CreateTest, CancelledRunThrowsCancelledAndLeavesNothing) {
  for (int id = 1; id <= 6; ++id) {
    write_stack(dir_ / "raw", "a/Im_0000" + std::to_string(id) + ".tif",
                {id, 1, 16, 16, 8, std::nullopt});
  }
  // Cancel once the second image is summed: the check is asked per image and per frame.
  std::atomic<int> summed{0};
  const Reporter reporter(
      nullptr,
      [&](const ProgressEvent& e) {
        if (e.stage == "summing") summed = int(e.done);
      },
      [&] { return summed >= 2; });
  CreateOptions o = options();
  o.threads = 1;
  try {
    create_dataset(o, reporter);
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCancelled) << e.what();
  }
  EXPECT_EQ(summed, 2);
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));
  for (const auto& entry : fs::directory_iterator(dir_ / "datasets")) {
    EXPECT_NE(entry.path().extension(), ".json") << entry.path();
    EXPECT_NE(entry.path().extension(), ".png") << entry.path();
  }
  // The result carries the typed dataset, as its JSON reads back.
  const CreateResult r = create_dataset(options(), Reporter());
  const Dataset opened = open_dataset(r.name, dir_ / "datasets");
  EXPECT_EQ(format_dataset_json(r.dataset), format_dataset_json(opened));
  EXPECT_EQ(r.dataset.images.size(), 6u);
  EXPECT_TRUE(fs::exists(opened.input_path(opened.test_ids().front())));
  EXPECT_TRUE(fs::exists(opened.ground_truth_path(opened.train_ids().front())));
}

TEST_F(CreateTest, LadderGivesOneDatasetPerRungPairWithOneSplit) {
  for (int id = 1; id <= 4; ++id) {
    write_stack(dir_ / "raw", "a/Im_0000" + std::to_string(id) + ".tif",
                {id, 1, 8, 8, 8, std::nullopt});
  }
  write_stack(dir_ / "raw", "a/Im_00009.tif",
              {9, 1, 8, 8, 4, std::nullopt});  // too short for the top rung
  CreateOptions o = options();
  o.test_fraction = 0.5;
  const auto results = create_ladder(o, {2, 4, 8}, Reporter());
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].name, "20260102_4I_denoising_2to4F");
  EXPECT_EQ(results[1].name, "20260102_4I_denoising_4to8F");
  const auto first = read_json(results[0].json), second = read_json(results[1].json);
  EXPECT_EQ(first["image_ids"], second["image_ids"]);
  EXPECT_EQ(first["test_ids"], second["test_ids"]);
  EXPECT_EQ(first["test_ids"].size(), 2u);
  EXPECT_EQ(second["input"]["n_frames"], 4);
  EXPECT_EQ(second["output"]["n_frames"], 8);
  for (const std::vector<int>& bad : {std::vector<int>{5}, {5, 5}, {10, 5}, {0, 5}}) {
    EXPECT_THROW(create_ladder(o, bad, Reporter()), Error);
  }
}

}  // namespace
}  // namespace flamecare
