// write_synthetic_corpus and its tissue/photon model.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flamecare/error.hpp"
#include "flamecare/synth.hpp"
#include "io/atomic_file.hpp"
#include "synth/tissue_model.hpp"
#include "unit/raw_bigtiff.hpp"

namespace flamecare {
namespace {

namespace fs = std::filesystem;
using synth_test::get;
using synth_test::temp_dir;
using synth_test::walk;

SynthOptions small(const fs::path& out, std::uint64_t seed) {
  return SynthOptions{.out = out,
                      .images = 4,
                      .size = 24,
                      .frames = 3,
                      .channels = 2,
                      .seed = seed,
                      .with_bad_files = true};
}

// Every regular file under root (relative path → bytes).
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) {
      files[fs::relative(e.path(), root).string()] = detail::read_file(e.path());
    }
  }
  return files;
}

TEST(SynthCorpus, SameSeedSameBytesOtherSeedOtherBytes) {
  const fs::path dir = temp_dir("determinism");
  write_synthetic_corpus(small(dir / "a", 7), Reporter{});
  write_synthetic_corpus(small(dir / "b", 7), Reporter{});
  write_synthetic_corpus(small(dir / "c", 8), Reporter{});
  const auto a = snapshot(dir / "a");
  EXPECT_EQ(a.size(), 4u * 2 + 5 + 4);  // good + sidecars, 5 bad TIFFs, 4 bad-file sidecars
  EXPECT_EQ(a, snapshot(dir / "b"));
  const auto c = snapshot(dir / "c");
  ASSERT_EQ(a.size(), c.size());
  const std::string first = "S001_PL/sample_A/mosaic_01/Im_00001.tif";
  EXPECT_NE(a.at(first), c.at(first));
  fs::remove_all(dir);
}

TEST(SynthCorpus, LayoutSidecarsAndProgress) {
  const fs::path dir = temp_dir("layout");
  std::atomic<int> events{0};
  std::atomic<std::size_t> last_total{0};
  const Reporter reporter({}, [&](const ProgressEvent& e) {
    EXPECT_EQ(e.stage, "synth");
    ++events;
    last_total = e.total;
  });
  const auto result = write_synthetic_corpus(small(dir, 1), reporter);
  EXPECT_EQ(events.load(), 4);
  EXPECT_EQ(last_total.load(), 4u);
  ASSERT_EQ(result.good.size(), 4u);
  EXPECT_EQ(result.good[0], dir / "S001_PL/sample_A/mosaic_01/Im_00001.tif");
  EXPECT_EQ(result.good[3], dir / "S001_PL/sample_A/mosaic_02/Im_00001.tif");
  int with_bidirectional = 0;
  for (const auto& tif : result.good) {
    const std::string bytes = detail::read_file(tif);
    EXPECT_EQ(walk(bytes).size(), 6u) << tif;
    fs::path sidecar = tif;
    sidecar.replace_extension(".tileData.txt");
    const auto t = nlohmann::json::parse(detail::read_file(sidecar)).at("TileData");
    EXPECT_EQ(t.at("framesPerTile"), 3);
    EXPECT_EQ(t.at("tileResolution"), nlohmann::json({24, 24}));
    with_bidirectional += t.contains("bidirectionalCorrection");
  }
  EXPECT_EQ(with_bidirectional, 1);  // image index 1 of 4
  fs::remove_all(dir);
}

TEST(SynthCorpus, BadFilesFailTheirChecks) {
  const fs::path dir = temp_dir("bad");
  const auto result = write_synthetic_corpus(small(dir, 1), Reporter{});
  ASSERT_EQ(result.bad.size(), 5u);
  const auto sidecar = [](fs::path p) { return p.replace_extension(".tileData.txt"); };
  // Summed: one frame (two channel pages) on disk while the sidecar says 3.
  EXPECT_EQ(walk(detail::read_file(result.bad[0])).size(), 2u);
  EXPECT_EQ(
      nlohmann::json::parse(detail::read_file(sidecar(result.bad[0])))["TileData"]["framesPerTile"],
      3);
  // Truncated copy of the first good stack.
  const auto full = fs::file_size(result.good[0]);
  EXPECT_EQ(fs::file_size(result.bad[1]), full * 3 / 5);
  EXPECT_EQ(detail::read_file(result.bad[1]),
            detail::read_file(result.good[0]).substr(0, full * 3 / 5));
  // Classic TIFF, not BigTIFF.
  EXPECT_EQ(detail::read_file(result.bad[2]).substr(0, 4), std::string("II*\0", 4));
  // No sidecar; then an unparsable one.
  EXPECT_FALSE(fs::exists(sidecar(result.bad[3])));
  EXPECT_FALSE(nlohmann::json::accept(detail::read_file(sidecar(result.bad[4]))));
  fs::remove_all(dir);
}

TEST(SynthCorpus, RejectsBadOptions) {
  const fs::path dir = temp_dir("options");
  for (auto change : std::vector<void (*)(SynthOptions&)>{
           [](SynthOptions& o) { o.images = 0; }, [](SynthOptions& o) { o.size = 4; },
           [](SynthOptions& o) { o.frames = 0; }, [](SynthOptions& o) { o.channels = 5; },
           [](SynthOptions& o) { o.pixel_type = PixelType::kFloat64; }}) {
    SynthOptions o = small(dir / "x", 1);
    change(o);
    try {
      write_synthetic_corpus(o, Reporter{});
      ADD_FAILURE() << "accepted bad options";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  }
  fs::remove_all(dir);
}

TEST(TissueModel, BidirectionalArtefactIsUndoneByTheDesignCorrection) {
  // Scene column s has value s; the rates array starts at scene column -max(b, 0).
  for (int b : {2, -3}) {
    const int w = 10, src_w = w + std::abs(b);
    detail::RateMaps src{1, 4, src_w, {std::vector<float>(4 * std::size_t(src_w))}};
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < src_w; ++x) src.planes[0][y * src_w + x] = float(x - std::max(b, 0));
    }
    const auto raw = detail::apply_bidirectional_artefact(src, w, b);
    ASSERT_EQ(raw.width, w);
    // DESIGN.md §2: b > 0 shifts even rows left by b and crops the last b columns; b < 0 shifts
    // them right by |b| and crops the first |b|. Afterwards every row must show the same scene.
    const int out_w = w - std::abs(b);
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < out_w; ++x) {
        const int src_x = b > 0 ? x + (y % 2 == 0 ? b : 0) : x - b + (y % 2 == 0 ? b : 0);
        const float corrected = raw.planes[0][y * w + src_x];
        const float row0 = raw.planes[0][0 * w + (b > 0 ? x + b : x)];
        EXPECT_EQ(corrected, row0) << "b " << b << " y " << y << " x " << x;
      }
    }
    // And the raw even and odd rows really differ by b.
    EXPECT_EQ(raw.planes[0][1 * w + 5] - raw.planes[0][0 * w + 5], float(b));
  }
}

TEST(TissueModel, PoissonSamplerHasPoissonMoments) {
  std::mt19937_64 rng(3);
  for (double mean : {0.2, 3.0, 18.0, 45.0}) {
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
      const double k = detail::sample_poisson(mean, std::exp(-mean), rng);
      sum += k;
      sum2 += k * k;
    }
    const double m = sum / n, var = sum2 / n - m * m;
    EXPECT_NEAR(m, mean, 5 * std::sqrt(mean / n)) << mean;
    EXPECT_NEAR(var / mean, 1.0, 0.03) << mean;
  }
}

TEST(TissueModel, RatesAreDimWithDarkBackgroundAndBrightStructures) {
  const auto maps = detail::make_tissue_rates(2, 128, 128, 11);
  ASSERT_EQ(maps.planes.size(), 2u);
  for (const auto& plane : maps.planes) {
    auto sorted = plane;
    std::sort(sorted.begin(), sorted.end());
    const auto q = [&](double p) { return sorted[std::size_t(p * (sorted.size() - 1))]; };
    EXPECT_GE(q(0.0), 0.0f);
    EXPECT_LT(q(0.05), 0.5f);   // dark background exists
    EXPECT_GT(q(0.999), 3.0f);  // bright cells / fibres exist
    EXPECT_LT(q(0.5), 5.0f);    // a few photons per pixel per frame at most, typically
  }
  EXPECT_NE(maps.planes[0], maps.planes[1]);
  EXPECT_EQ(maps.planes, detail::make_tissue_rates(2, 128, 128, 11).planes);
}

}  // namespace
}  // namespace flamecare
