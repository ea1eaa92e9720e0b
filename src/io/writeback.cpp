#include "io/writeback.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

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
  for (const int fd : fds_) ::close(fd);
}

void Writeback::start(int fd) noexcept {
  std::unique_lock lock(mutex_);
  if (own_thread_ && !thread_.joinable()) {
    try {
      thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
    } catch (const std::system_error&) {
      own_thread_ = false;  // no thread to spare: the callers make their requests themselves
    }
  }
  const int copy = own_thread_ ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  if (copy < 0) {
    lock.unlock();
    start_now(fd);
    return;
  }
  fds_.push_back(copy);
  lock.unlock();
  wake_.notify_one();
}

void Writeback::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (wake_.wait(lock, stop, [this] { return !fds_.empty(); })) {
    const int fd = fds_.front();
    fds_.pop_front();
    lock.unlock();
    start_now(fd);
    ::close(fd);
    lock.lock();
  }
}

}  // namespace flamecare::detail
