#include "reported_call.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bindings.hpp"

namespace nb = nanobind;

namespace flamecare::python {
namespace {

// How long the calling thread waits without news before it looks for signals and progress.
constexpr std::chrono::milliseconds kTick{100};

struct LogLine {
  int level = 0;
  std::string text;
};

struct Progress {
  std::string stage;
  std::size_t done = 0;
  std::size_t total = 0;
};

struct Events {
  std::vector<LogLine> logs;
  std::vector<Progress> progress;
  bool finished = false;
};

int python_level(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return 10;
    case LogLevel::kInfo:
      return 20;
    case LogLevel::kWarning:
      return 30;
    case LogLevel::kError:
      return 40;
  }
  return 40;
}

// Events from worker threads, taken in batches by the calling thread. Progress keeps only the
// newest event of each stage (in order of first appearance): a stage reporting every item costs
// one slot, and a stage that starts and ends within a tick still shows up finished.
class EventQueue {
 public:
  void log(LogLevel level, std::string_view text) {
    {
      std::lock_guard lock(mutex_);
      pending_.logs.push_back({python_level(level), std::string(text)});
    }
    wake_.notify_one();
  }

  void progress(const ProgressEvent& event) {
    std::lock_guard lock(mutex_);
    for (auto& p : pending_.progress) {
      if (p.stage == event.stage) {
        p.done = event.done;
        p.total = event.total;
        return;
      }
    }
    pending_.progress.push_back({std::string(event.stage), event.done, event.total});
  }

  void finish() {
    {
      std::lock_guard lock(mutex_);
      pending_.finished = true;
    }
    wake_.notify_one();
  }

  /// Waits up to one tick for a log line or the end, then takes everything pending.
  Events take() {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, kTick, [&] { return pending_.finished || !pending_.logs.empty(); });
    Events out = std::move(pending_);
    pending_ = Events{};
    pending_.finished = out.finished;
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  Events pending_;
};

// Hands events to the sink (GIL held). After the first Python exception (a failing sink or a
// KeyboardInterrupt) the sink is left alone, the exception is kept for the end and `cancel` is
// set, which the call's Reporter reads as "stop": its result would be thrown away anyway.
class Delivery {
 public:
  Delivery(nb::handle sink, std::atomic<bool>& cancel) : sink_(sink), cancel_(cancel) {}

  void deliver(const Events& events) {
    if (python_error_) return;
    try {
      for (const auto& line : events.logs) sink_.attr("log")(line.level, to_str(line.text));
      for (const auto& p : events.progress)
        sink_.attr("progress")(to_str(p.stage), p.done, p.total);
    } catch (...) {
      keep(std::current_exception());
    }
  }

  /// Runs Python's signal handlers (Ctrl-C raises KeyboardInterrupt in them).
  void check_signals() {
    if (python_error_ || PyErr_CheckSignals() == 0) return;
    keep(std::make_exception_ptr(nb::python_error()));
  }

  void close() {
    try {
      sink_.attr("close")();
    } catch (...) {
      if (!python_error_) python_error_ = std::current_exception();
    }
  }

  std::exception_ptr error() const { return python_error_; }

 private:
  void keep(std::exception_ptr error) {
    python_error_ = std::move(error);
    cancel_.store(true, std::memory_order_relaxed);
  }

  nb::handle sink_;
  std::atomic<bool>& cancel_;
  std::exception_ptr python_error_;
};

}  // namespace

void run_reported(nb::handle sink, const std::function<void(const Reporter&)>& call) {
  EventQueue queue;
  std::atomic<bool> cancel{false};
  const Reporter reporter([&](LogLevel level, std::string_view text) { queue.log(level, text); },
                          [&](const ProgressEvent& event) { queue.progress(event); },
                          [&] { return cancel.load(std::memory_order_relaxed); });
  std::exception_ptr call_error;
  std::thread worker([&] {
    try {
      call(reporter);
    } catch (...) {
      call_error = std::current_exception();
    }
    queue.finish();
  });

  // Nothing below throws before the join: Delivery keeps Python exceptions for the end.
  Delivery delivery(sink, cancel);
  for (bool finished = false; !finished;) {
    Events events;
    {
      nb::gil_scoped_release unlocked;
      events = queue.take();
    }
    finished = events.finished;
    delivery.deliver(events);
    delivery.check_signals();
  }
  {
    nb::gil_scoped_release unlocked;
    worker.join();
  }
  delivery.close();
  // The Python exception wins: after it the call was cancelled (or finished regardless).
  if (delivery.error()) std::rethrow_exception(delivery.error());
  if (call_error) std::rethrow_exception(call_error);
}

}  // namespace flamecare::python
