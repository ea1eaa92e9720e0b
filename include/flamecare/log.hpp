#pragma once
/// Logging and progress reporting: the library never prints, it reports here.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace flamecare {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

/// One progress step of a named stage ("screening", "summing", ...).
struct ProgressEvent {
  std::string_view stage;
  std::size_t done = 0;
  std::size_t total = 0;
};

/// Receives log lines and progress from library functions. Both sinks are optional and must be
/// safe to call from several threads at once (library stages call them from worker threads).
class Reporter {
 public:
  using LogSink = std::function<void(LogLevel, std::string_view)>;
  using ProgressSink = std::function<void(const ProgressEvent&)>;

  Reporter() = default;
  Reporter(LogSink log, ProgressSink progress)
      : log_(std::move(log)), progress_(std::move(progress)) {}

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

 private:
  LogSink log_;
  ProgressSink progress_;
};

}  // namespace flamecare
