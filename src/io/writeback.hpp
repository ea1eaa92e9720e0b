#pragma once
// Starting the device's writeback of written files on a thread of its own.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <stop_token>
#include <thread>

namespace flamecare::detail {

/// Hands written files to the device's writeback (sync_file_range, SYNC_FILE_RANGE_WRITE) so a
/// later fsync finds little left to write. Starting writeback blocks the caller while the
/// device's queue is full: in `patches`, 8–13 ms of waiting per 16 MB batch, 2–3 ms of it CPU
/// (docs/BENCHMARKS.md, 2026-11-26 seventh session). With a thread of its own that wait is the
/// thread's, and the threads that compute and write go on. At most kMaxPending requests wait
/// for the thread; beyond that the caller makes its request itself (and waits, as it would
/// without the thread), so a slow device cannot pile up open descriptors. Only a hint: errors
/// surface at the files' fsync, which callers still do, so the requests still waiting when it is
/// destroyed are dropped. Without a thread (asked for, or none could be started) each request is
/// made at once by the caller. Thread-safe.
class Writeback {
 public:
  static constexpr std::size_t kMaxPending = 8;

  /// own_thread: whether the requests are made on a thread of its own (started at the first).
  explicit Writeback(bool own_thread);
  Writeback(const Writeback&) = delete;
  Writeback& operator=(const Writeback&) = delete;
  ~Writeback();

  /// Starts the writeback of the dirty pages of the file open as `fd`, now or on the thread (on
  /// a duplicate of `fd`: the caller may close it at once). Never throws.
  void start(int fd) noexcept;

 private:
  // Queues a duplicate of fd for the thread (started if need be); false when it cannot.
  bool queue(int fd) noexcept;
  void run(std::stop_token stop);

  bool own_thread_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<int> fds_;  // duplicates, closed once their request is made (or dropped)
  std::jthread thread_;  // last: joined before the members above go
};

}  // namespace flamecare::detail
