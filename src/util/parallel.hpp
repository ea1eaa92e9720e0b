#pragma once
// A minimal parallel loop over std::thread: no pool, no third-party runtime.
#include <cstddef>
#include <functional>
#include <system_error>
#include <thread>
#include <utility>

namespace flamecare::detail {

/// Number of worker threads for a `--threads` value: 0 means all cores.
int resolve_threads(int requested);

/// Calls fn(i) for every i in [0, n) on up to `threads` threads (0 = all cores), handing out
/// indices in increasing order. The first exception thrown by fn stops further hand-outs and is
/// rethrown here after all workers have finished.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

/// How many workers parallel_for_workers uses for n items: min(n, resolve_threads(threads)).
std::size_t parallel_workers(std::size_t n, int threads);

/// parallel_for that also tells fn which worker (0 .. parallel_workers(n, threads) − 1) runs
/// item i, for state each worker keeps to itself (buffers, accumulators merged afterwards).
void parallel_for_workers(std::size_t n, int threads,
                          const std::function<void(std::size_t i, std::size_t worker)>& fn);

/// A thread running `fn`, or none (not joinable) when the system has no thread to spare, in which
/// case the caller does the work itself. Never throws std::system_error.
template <class Fn>
std::jthread try_start_thread(Fn&& fn) {
  try {
    return std::jthread(std::forward<Fn>(fn));
  } catch (const std::system_error&) {
    return {};
  }
}

}  // namespace flamecare::detail
