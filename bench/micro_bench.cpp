// Hot loops of create and patches against floors measured in the same run:
//  - PixelStats::add (exact statistics) vs a plain sum over the same 40 MB;
//  - maximum_filter (van Herk/Gil-Werman) vs one copy of the plane, and vs the window size.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "flamecare/patch_core.hpp"
#include "flamecare/pixel_stats.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Best of `repeats` runs of fn, in seconds.
template <class Fn>
double best_seconds(int repeats, Fn&& fn) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

volatile std::int64_t g_sink = 0;  // keeps the floors from being optimised away

void bench_pixel_stats() {
  std::mt19937_64 rng(8);
  std::uniform_int_distribution<std::int32_t> sums(-2000, 1300000);  // 40 int16 frames summed
  flamecare::Image<std::int32_t> image(1, 3200, 3125);
  for (auto& v : image.pixels) v = sums(rng);
  const flamecare::AnyImage any(image);
  const double mb = double(image.pixels.size() * sizeof(std::int32_t)) / 1e6;
  const double floor = best_seconds(5, [&] {
    g_sink = std::accumulate(image.pixels.begin(), image.pixels.end(), std::int64_t{0});
  });
  const double stats = best_seconds(5, [&] {
    flamecare::PixelStats accumulator(1);
    accumulator.add(any);
  });
  std::printf(
      "PixelStats::add, %.0f MB int32: %.3f s (%.0f MB/s); floor (sum) %.3f s; ratio %.1f\n", mb,
      stats, mb / stats, floor, stats / floor);

  flamecare::Image<float> floats(1, 3200, 3125);
  std::uniform_real_distribution<float> real(0.0f, 1000.0f);
  for (auto& v : floats.pixels) v = real(rng);
  const flamecare::AnyImage any_float(floats);
  const double two_pass = best_seconds(3, [&] {
    flamecare::PixelStats accumulator(1);
    accumulator.add(any_float);
    accumulator.begin_second_pass();
    accumulator.add(any_float);
  });
  std::printf("PixelStats float32 both passes, %.0f MB: %.3f s; ratio to the int32 floor %.1f\n",
              mb, two_pass, two_pass / floor);
}

void bench_max_filter() {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<float> d(0.0f, 1.0f);
  const int side = 2048;
  std::vector<float> plane(std::size_t(side) * side);
  for (auto& v : plane) v = d(rng);
  std::vector<float> copy(plane.size());
  const double floor = best_seconds(5, [&] {
    std::copy(plane.begin(), plane.end(), copy.begin());
    g_sink = static_cast<std::int64_t>(copy[12345]);
  });
  for (const int window : {8, 64, 256}) {
    const double t = best_seconds(3, [&] {
      g_sink = static_cast<std::int64_t>(flamecare::maximum_filter(plane, side, side, window)[7]);
    });
    std::printf("maximum_filter %dx%d window %3d: %.3f s; floor (copy) %.4f s; ratio %.0f\n", side,
                side, window, t, floor, t / floor);
  }
}

}  // namespace

int main() {
  bench_pixel_stats();
  bench_max_filter();
  return 0;
}
