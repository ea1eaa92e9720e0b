#pragma once
/// Logging and progress reporting: the library never prints, it reports here.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "flamecare/error.hpp"

namespace flamecare {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

/// One progress step of a named stage ("screening", "summing", ...).
struct ProgressEvent {
  std::string_view stage;
  std::size_t done = 0;
  std::size_t total = 0;
};

/// Receives log lines and progress from library functions, and tells them when to stop. All three
/// callbacks are optional and must be safe to call from several threads at once (library stages
/// call them from worker threads).
class Reporter {
 public:
  using LogSink = std::function<void(LogLevel, std::string_view)>;
  using ProgressSink = std::function<void(const ProgressEvent&)>;
  /// Returns true once the caller wants the running stage to stop (Ctrl-C, a GUI's cancel
  /// button). Called often (per image, and inside long per-image loops): keep it cheap.
  using CancelCheck = std::function<bool()>;

  Reporter() = default;
  Reporter(LogSink log, ProgressSink progress, CancelCheck cancelled = nullptr)
      : log_(std::move(log)), progress_(std::move(progress)), cancelled_(std::move(cancelled)) {}

  void log(LogLevel level, std::string_view message) const {
    if (log_) log_(level, message);
  }
  void debug(std::string_view message) const { log(LogLevel::kDebug, message); }
  void info(std::string_view message) const { log(LogLevel::kInfo, message); }
  void warn(std::string_view message) const { log(LogLevel::kWarning, message); }
  void error(std::string_view message) const { log(LogLevel::kError, message); }
  void progress(std::string_view stage, std::size_t done, std::size_t total) const {
    if (progress_) progress_(ProgressEvent{stage, done, total});
  }
  /// True once the cancellation check says so (never without one).
  bool cancelled() const { return cancelled_ && cancelled_(); }
  /// Throws Error(kCancelled) when cancelled(); stages call it between units of work and clean up
  /// (staging dirs, temporary files) while the exception unwinds.
  void check_cancelled() const {
    if (cancelled()) throw Error(ErrorKind::kCancelled, "cancelled; nothing was written");
  }

 private:
  LogSink log_;
  ProgressSink progress_;
  CancelCheck cancelled_;
};

}  // namespace flamecare
