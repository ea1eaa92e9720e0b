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
  /// `version` and `command_line` open every log file (the first two lines), so a log says what
  /// made it.
  Console(std::string version = {}, std::string command_line = {});
  /// Show info-level messages on stderr too (warnings and errors always show).
  void set_verbose(bool verbose) { verbose_ = verbose; }
  /// A reporter whose log lines go to stderr (by level) and into the log buffer, whose progress
  /// draws a bar on a terminal or prints plain lines otherwise, and which asks the library to stop
  /// once SIGINT or SIGTERM arrived (see catch_interrupts).
  Reporter reporter();
  /// Appends every line logged so far, with timestamps, to `file`. Throws Error(kIo) naming the
  /// file and the system's reason when it cannot be written.
  void save_log(const std::filesystem::path& file);
  /// Appends "done in N s" (time since the console was made; once) and saves the log (save_log).
  void save_log_done(const std::filesystem::path& file);
  /// Appends "failed: <message>" and saves the log, but only into a folder that exists: a run that
  /// failed before making its output folder creates nothing for its log. A second failure is only
  /// mentioned on stderr.
  void save_log_failed(const std::filesystem::path& file, std::string_view message);
  /// Records a line in the log buffer only.
  void note(std::string_view line);

 private:
  void on_log(LogLevel level, std::string_view message);
  void on_progress(const ProgressEvent& event);
  void clear_bar_locked();

  std::mutex mutex_;
  double start_ = 0;
  bool done_noted_ = false;
  bool tty_ = false;
  bool verbose_ = false;
  bool bar_visible_ = false;
  std::string last_stage_;
  std::size_t last_percent_ = 0;
  double last_draw_ = 0;
  std::vector<std::string> lines_;
};

}  // namespace flamecare::cli
