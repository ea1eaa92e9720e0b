#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

#include "flamecare/error.hpp"
#include "flamecare/patch_core.hpp"

namespace flamecare {
namespace {

// scipy.ndimage.maximum_filter(mode='constant', cval=0): window offsets −s/2 … s − 1 − s/2.
std::vector<float> brute_force(const std::vector<float>& in, int h, int w, int s) {
  std::vector<float> out(in.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float best = -1e30f;
      for (int dy = -(s / 2); dy <= s - 1 - s / 2; ++dy)
        for (int dx = -(s / 2); dx <= s - 1 - s / 2; ++dx) {
          const int yy = y + dy, xx = x + dx;
          const bool inside = yy >= 0 && yy < h && xx >= 0 && xx < w;
          best = std::max(best, inside ? in[std::size_t(yy * w + xx)] : 0.0f);
        }
      out[std::size_t(y * w + x)] = best;
    }
  return out;
}

TEST(MaximumFilter, EqualsBruteForce) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);  // negatives: the zero border matters
  const int shapes[][2] = {{1, 1}, {1, 7}, {6, 1}, {5, 8}, {13, 11}, {16, 16}, {3, 20}};
  int checked = 0;
  for (const auto& shape : shapes) {
    for (int s : {1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 25, 40}) {
      std::vector<float> plane(std::size_t(shape[0] * shape[1]));
      for (auto& v : plane) v = d(rng);
      EXPECT_EQ(maximum_filter(plane, shape[0], shape[1], s),
                brute_force(plane, shape[0], shape[1], s))
          << shape[0] << "x" << shape[1] << " window " << s;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 84);
  // Planes taller and wider than the horizontal pass's bands of 32 rows, windows past one band.
  for (const auto& [h, w] : {std::pair{70, 45}, {33, 100}, {65, 1}}) {
    for (int s : {8, 33, 64}) {
      std::vector<float> plane(std::size_t(h * w));
      for (auto& v : plane) v = d(rng);
      EXPECT_EQ(maximum_filter(plane, h, w, s), brute_force(plane, h, w, s))
          << h << "x" << w << " window " << s;
    }
  }
}

TEST(MaximumFilter, MatchesScipyPlacementForEvenWindows) {
  // scipy: maximum_filter(a, 2) of a one-hot at 4 lights 4 and 5; size 4 lights 3 … 6.
  std::vector<float> row(9, 0.0f);
  row[4] = 1.0f;
  EXPECT_EQ(maximum_filter(row, 1, 9, 2), (std::vector<float>{0, 0, 0, 0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(maximum_filter(row, 1, 9, 4), (std::vector<float>{0, 0, 0, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(maximum_filter(row, 9, 1, 5), (std::vector<float>{0, 0, 1, 1, 1, 1, 1, 0, 0}));
}

TEST(MaximumFilter, RejectsBadArguments) {
  const std::vector<float> plane(6, 1.0f);
  EXPECT_THROW(maximum_filter(plane, 2, 3, 0), Error);
  EXPECT_THROW(maximum_filter(plane, 2, 2, 3), Error);
  EXPECT_THROW(maximum_filter(plane, -2, -3, 3), Error);
  EXPECT_TRUE(maximum_filter({}, 0, 0, 3).empty());
}

}  // namespace
}  // namespace flamecare
