#pragma once
// Terminal side of the CLI: stderr diagnostics, progress (bar on a TTY, plain lines when piped)
// and a log file written beside the outputs.
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "flamecare/log.hpp"

namespace flamecare::cli {

class Console {
 public:
  Console();
  /// Show info-level messages on stderr too (warnings and errors always show).
  void set_verbose(bool verbose) { verbose_ = verbose; }
  /// A reporter whose log lines go to stderr (by level) and into the log buffer, whose progress
  /// draws a bar on a terminal or prints plain lines otherwise, and which asks the library to stop
  /// once SIGINT or SIGTERM arrived (see catch_interrupts).
  Reporter reporter();
  /// Appends every line logged so far, with timestamps, to `file`. Throws Error(kIo) naming the
  /// file and the system's reason when it cannot be written.
  void save_log(const std::filesystem::path& file);
  /// save_log for a run that already failed: a second failure is only mentioned on stderr.
  void save_log_after_failure(const std::filesystem::path& file);
  /// Records a line in the log buffer only.
  void note(std::string_view line);

 private:
  void on_log(LogLevel level, std::string_view message);
  void on_progress(const ProgressEvent& event);
  void clear_bar_locked();

  std::mutex mutex_;
  bool tty_ = false;
  bool verbose_ = false;
  bool bar_visible_ = false;
  std::string last_stage_;
  std::size_t last_percent_ = 0;
  double last_draw_ = 0;
  std::vector<std::string> lines_;
};

}  // namespace flamecare::cli
