#include "util/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace flamecare::detail {

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

std::size_t parallel_workers(std::size_t n, int threads) {
  return std::min<std::size_t>(n, static_cast<std::size_t>(resolve_threads(threads)));
}

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  parallel_for_workers(n, threads, [&](std::size_t i, std::size_t) { fn(i); });
}

void parallel_for_workers(std::size_t n, int threads,
                          const std::function<void(std::size_t, std::size_t)>& fn) {
  const std::size_t workers = parallel_workers(n, threads);
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&](std::size_t worker) {
    for (std::size_t i = next++; i < n && !failed; i = next++) {
      try {
        fn(i, worker);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < workers; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace flamecare::detail
