// The per-worker parallel loop: what `create` uses to keep buffers and statistics per thread.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <vector>

#include "util/parallel.hpp"

namespace flamecare {
namespace {

TEST(ParallelForWorkers, EveryItemOnceOnAWorkerOfItsOwn) {
  for (const int threads : {1, 2, 3}) {
    const std::size_t n = 50;
    const std::size_t workers = detail::parallel_workers(n, threads);
    EXPECT_EQ(workers, std::size_t(threads));
    EXPECT_EQ(detail::parallel_workers(2, 3), 2u) << "never more workers than items";
    std::vector<std::atomic<int>> seen(n);
    std::vector<std::set<std::size_t>> by_worker(workers);  // each touched by its worker only
    detail::parallel_for_workers(n, threads, [&](std::size_t i, std::size_t w) {
      ASSERT_LT(w, workers);
      ++seen[i];
      by_worker[w].insert(i);
    });
    std::size_t total = 0;
    for (const auto& items : by_worker) total += items.size();
    EXPECT_EQ(total, n);
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << "item " << i;
  }
}

}  // namespace
}  // namespace flamecare
