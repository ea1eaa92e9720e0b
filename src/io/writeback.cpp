#include "io/writeback.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace flamecare::detail {
namespace {

void start_now(int fd) noexcept {
  // A file system without it, or a failing device: the fsync that follows reports what matters.
  (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

}  // namespace

Writeback::Writeback(bool own_thread) : own_thread_(own_thread) {}

Writeback::~Writeback() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  for (const int fd : fds_) ::close(fd);  // requests the thread did not get to
}

void Writeback::start(int fd) noexcept {
  if (queue(fd)) {
    wake_.notify_one();
  } else {
    start_now(fd);
  }
}

bool Writeback::queue(int fd) noexcept {
  std::lock_guard lock(mutex_);
  if (!own_thread_ || fds_.size() >= kMaxPending) return false;
  if (!thread_.joinable()) {
    try {
      thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
    } catch (...) {  // no thread to spare (or no memory for one): callers make their requests
      own_thread_ = false;
      return false;
    }
  }
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return false;
  try {
    fds_.push_back(copy);
  } catch (...) {
    ::close(copy);
    return false;
  }
  return true;
}

void Writeback::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  // The wait returns false once a stop is asked for and nothing is queued; after a stop the
  // rest is left to the destructor.
  while (wake_.wait(lock, stop, [this] { return !fds_.empty(); }) && !stop.stop_requested()) {
    const int fd = fds_.front();
    fds_.pop_front();
    lock.unlock();
    start_now(fd);
    ::close(fd);
    lock.lock();
  }
}

}  // namespace flamecare::detail
