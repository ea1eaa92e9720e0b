// A cheap look-alike of multiphoton tissue images: smooth autofluorescent tissue that fades into
// dark background, round cells and thin bright fibres, at photon-starved rates.
#include "synth/tissue_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace flamecare::detail {
namespace {

using Plane = std::vector<float>;

struct Canvas {
  int height;
  int width;
  Plane pixels;
  float& at(int y, int x) { return pixels[std::size_t(y) * std::size_t(width) + std::size_t(x)]; }
};

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

// Sum of a few broad Gaussian blobs and low-frequency waves, squashed to [0, 1] so that parts of
// the field are dark background and others are tissue.
Canvas tissue_envelope(int h, int w, std::mt19937_64& rng) {
  Canvas c{h, w, Plane(std::size_t(h) * std::size_t(w))};
  const double scale = std::max(h, w);
  struct Blob {
    double y, x, inv2s2, a;
  };
  std::vector<Blob> blobs;
  const int n_blobs = 3 + int(rng() % 4);
  for (int i = 0; i < n_blobs; ++i) {
    const double s = uniform(rng, 0.15, 0.4) * scale;
    blobs.push_back(
        {uniform(rng, 0, h), uniform(rng, 0, w), 1.0 / (2 * s * s), uniform(rng, 0.6, 1.4)});
  }
  // Smaller bumps and dips give the tissue some texture.
  const int n_texture = 12 + int(rng() % 12);
  for (int i = 0; i < n_texture; ++i) {
    const double s = uniform(rng, 0.03, 0.08) * scale;
    blobs.push_back(
        {uniform(rng, 0, h), uniform(rng, 0, w), 1.0 / (2 * s * s), uniform(rng, -0.35, 0.35)});
  }
  const double ky = uniform(rng, 2, 5) * std::numbers::pi / scale;
  const double kx = uniform(rng, 2, 5) * std::numbers::pi / scale;
  const double phase = uniform(rng, 0, 2 * std::numbers::pi);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double v = 0.15 * std::sin(ky * y + phase) * std::cos(kx * x - phase);
      for (const auto& b : blobs) {
        v += b.a * std::exp(-((y - b.y) * (y - b.y) + (x - b.x) * (x - b.x)) * b.inv2s2);
      }
      c.at(y, x) = float(v);
    }
  }
  // Quantile thresholds guarantee every field has dark background and saturated tissue.
  Plane sorted = c.pixels;
  const auto quantile = [&](double q) {
    auto it = sorted.begin() + std::ptrdiff_t(q * double(sorted.size() - 1));
    std::nth_element(sorted.begin(), it, sorted.end());
    return double(*it);
  };
  const double background = uniform(rng, 0.15, 0.4);
  const double lo = quantile(background), hi = quantile(std::min(0.95, background + 0.45));
  for (auto& v : c.pixels) v = float(std::clamp((v - lo) / std::max(hi - lo, 1e-9), 0.0, 1.0));
  return c;
}

// Adds a soft-edged disk; `ring` darkens the centre like a nucleus.
void draw_cell(Canvas& c, double cy, double cx, double r, double amp, bool ring) {
  const int y0 = std::max(0, int(cy - r - 2)), y1 = std::min(c.height - 1, int(cy + r + 2));
  const int x0 = std::max(0, int(cx - r - 2)), x1 = std::min(c.width - 1, int(cx + r + 2));
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const double d = std::hypot(y - cy, x - cx);
      double v = 1.0 / (1.0 + std::exp((d - r) * 2.0));
      if (ring) v *= 0.45 + 0.55 * std::min(1.0, d / (0.6 * r));
      c.at(y, x) += float(amp * v);
    }
  }
}

// A random curved line: heading follows a random walk; a Gaussian cross-section of width sigma
// is stamped every half pixel, keeping the brighter value so crossings do not blow up.
void draw_fibre(Canvas& c, std::mt19937_64& rng, double amp) {
  double y = uniform(rng, 0, c.height), x = uniform(rng, 0, c.width);
  double heading = uniform(rng, 0, 2 * std::numbers::pi);
  double turn = uniform(rng, -0.01, 0.01);
  const double sigma = uniform(rng, 0.7, 1.4);
  const int steps = int(uniform(rng, 0.4, 1.2) * std::max(c.height, c.width) * 2);
  std::normal_distribution<double> wiggle(0.0, 0.004);
  for (int s = 0; s < steps; ++s) {
    turn = std::clamp(turn + wiggle(rng), -0.025, 0.025);
    heading += turn;
    y += 0.5 * std::sin(heading);
    x += 0.5 * std::cos(heading);
    for (int yy = int(y) - 3; yy <= int(y) + 3; ++yy) {
      for (int xx = int(x) - 3; xx <= int(x) + 3; ++xx) {
        if (yy < 0 || xx < 0 || yy >= c.height || xx >= c.width) continue;
        const double d2 = (yy - y) * (yy - y) + (xx - x) * (xx - x);
        const float v = float(amp * std::exp(-d2 / (2 * sigma * sigma)));
        c.at(yy, xx) = std::max(c.at(yy, xx), v);
      }
    }
  }
}

Canvas cells_layer(int h, int w, const Canvas& tissue, std::mt19937_64& rng) {
  Canvas c{h, w, Plane(std::size_t(h) * std::size_t(w))};
  const int n = std::max(3, int(double(h) * w / 2200.0));
  for (int i = 0; i < n; ++i) {
    const double cy = uniform(rng, 0, h), cx = uniform(rng, 0, w);
    // Cells live in tissue: skip most proposals that land in background.
    if (tissue.pixels[std::size_t(cy) * std::size_t(w) + std::size_t(cx)] < 0.1 && rng() % 4 != 0) {
      continue;
    }
    draw_cell(c, cy, cx, uniform(rng, 2.5, 7.0), uniform(rng, 0.6, 1.0), rng() % 2 == 0);
  }
  // Granular autofluorescence (mitochondria-sized puncta), denser where the tissue is bright.
  const int puncta = int(double(h) * w / 60.0);
  for (int i = 0; i < puncta; ++i) {
    const double cy = uniform(rng, 0, h), cx = uniform(rng, 0, w);
    const double t = tissue.pixels[std::size_t(cy) * std::size_t(w) + std::size_t(cx)];
    if (uniform(rng, 0, 1) > t) continue;
    draw_cell(c, cy, cx, uniform(rng, 0.6, 1.4), uniform(rng, 0.2, 0.45), false);
  }
  return c;
}

Canvas fibres_layer(int h, int w, std::mt19937_64& rng) {
  Canvas c{h, w, Plane(std::size_t(h) * std::size_t(w))};
  const int n = std::max(3, int(std::max(h, w) / 16.0));
  for (int i = 0; i < n; ++i) draw_fibre(c, rng, uniform(rng, 0.5, 1.0));
  return c;
}

}  // namespace

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = seed ^ (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

RateMaps make_tissue_rates(int channels, int height, int width, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const Canvas tissue = tissue_envelope(height, width, rng);
  const Canvas cells = cells_layer(height, width, tissue, rng);
  const Canvas fibres = fibres_layer(height, width, rng);
  // (background, tissue, cells, fibres) weights in photons/frame: ch1 is autofluorescence with
  // cells, ch2 is SHG-like fibres on faint tissue; others get their own random mix.
  std::vector<std::array<double, 4>> weights = {{0.04, 2.0, 5.0, 0.6}, {0.03, 0.5, 0.4, 7.0}};
  RateMaps maps{channels, height, width, {}};
  for (int ch = 0; ch < channels; ++ch) {
    if (ch >= int(weights.size())) {
      weights.push_back({0.04, uniform(rng, 0.3, 2), uniform(rng, 0, 5), uniform(rng, 0, 6)});
    }
    const auto& k = weights[std::size_t(ch)];
    Plane plane(tissue.pixels.size());
    for (std::size_t i = 0; i < plane.size(); ++i) {
      const double t = tissue.pixels[i];
      plane[i] = float(k[0] + k[1] * t + (0.3 + 0.7 * t) * (k[2] * cells.pixels[i]) +
                       k[3] * fibres.pixels[i]);
    }
    maps.planes.push_back(std::move(plane));
  }
  return maps;
}

RateMaps apply_bidirectional_artefact(const RateMaps& rates, int width, int b) {
  // Even raw row x shows scene column x - b, odd rows column x; `rates` starts at scene column
  // -max(b, 0) so both stay in range.
  const int origin = std::max(b, 0);
  RateMaps out{rates.channels, rates.height, width, {}};
  for (const auto& src : rates.planes) {
    Plane plane(std::size_t(rates.height) * std::size_t(width));
    for (int y = 0; y < rates.height; ++y) {
      const int shift = (y % 2 == 0) ? -b : 0;
      for (int x = 0; x < width; ++x) {
        plane[std::size_t(y) * width + x] =
            src[std::size_t(y) * std::size_t(rates.width) + std::size_t(x + shift + origin)];
      }
    }
    out.planes.push_back(std::move(plane));
  }
  return out;
}

int sample_poisson(double mean, double exp_minus_mean, std::mt19937_64& rng) {
  constexpr double kToUnit = 1.0 / 9007199254740992.0;  // 2^-53
  if (mean > 30.0) {
    const double v = std::normal_distribution<double>(mean, std::sqrt(mean))(rng);
    return std::max(0, int(std::lround(v)));
  }
  const double u = double(rng() >> 11) * kToUnit;
  int k = 0;
  double p = exp_minus_mean, cdf = p;
  while (u > cdf && k < 200) {
    ++k;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

void sample_frame(std::span<const float> rates, std::span<const float> exp_neg,
                  const Detector& detector, std::uint64_t seed, std::span<double> out) {
  // Read noise from a fixed table of normal quantiles indexed by random bits: cheap and
  // deterministic, and its shape hardly matters at this amplitude.
  static const std::array<double, 1024> kNormal = [] {
    std::array<double, 1024> table{};
    std::mt19937_64 g(12345);
    std::normal_distribution<double> n(0.0, 1.0);
    for (auto& v : table) v = n(g);
    return table;
  }();
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int k = sample_poisson(rates[i], exp_neg[i], rng);
    out[i] = detector.gain * k + detector.read_noise * kNormal[rng() & 1023] + detector.offset;
  }
}

}  // namespace flamecare::detail
