#include "console.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "flamecare/error.hpp"
#include "interrupt.hpp"

namespace flamecare::cli {
namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &tm);
  return buffer;
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "";
}

}  // namespace

Console::Console(std::string version, std::string command_line)
    : start_(now_seconds()), tty_(::isatty(STDERR_FILENO) == 1) {
  if (!version.empty()) note(version);
  if (!command_line.empty()) note("command: " + command_line);
}

Reporter Console::reporter() {
  return Reporter([this](LogLevel level, std::string_view message) { on_log(level, message); },
                  [this](const ProgressEvent& event) { on_progress(event); }, interrupted);
}

void Console::note(std::string_view line) {
  std::lock_guard lock(mutex_);
  lines_.push_back(fmt::format("{} note    {}", timestamp(), line));
}

void Console::on_log(LogLevel level, std::string_view message) {
  std::lock_guard lock(mutex_);
  lines_.push_back(fmt::format("{} {:<7} {}", timestamp(), level_name(level), message));
  const bool show = level >= LogLevel::kWarning || (verbose_ && level == LogLevel::kInfo);
  if (!show) return;
  clear_bar_locked();
  if (level == LogLevel::kInfo) {
    fmt::print(stderr, "{}\n", message);
  } else {
    fmt::print(stderr, "{}: {}\n", level_name(level), message);
  }
  std::fflush(stderr);
}

void Console::clear_bar_locked() {
  if (bar_visible_) {
    fmt::print(stderr, "\r\033[2K");
    bar_visible_ = false;
  }
}

void Console::on_progress(const ProgressEvent& event) {
  if (event.total == 0) return;  // an empty stage has nothing to show
  std::lock_guard lock(mutex_);
  const std::size_t total = event.total == 0 ? 1 : event.total;
  const std::size_t percent = std::min<std::size_t>(100, event.done * 100 / total);
  const bool new_stage = event.stage != last_stage_;
  const bool finished = event.done >= event.total;
  if (tty_) {
    const double t = now_seconds();
    if (!new_stage && !finished && t - last_draw_ < 0.1) return;
    last_draw_ = t;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(percent * kWidth / 100);
    fmt::print(stderr, "\r\033[2K{:<10} [{}{}] {}/{} ({}%)", event.stage, std::string(filled, '#'),
               std::string(kWidth - filled, '.'), event.done, event.total, percent);
    bar_visible_ = true;
    if (finished) {
      fmt::print(stderr, "\n");
      bar_visible_ = false;
    }
  } else {
    // Plain lines when piped: one at the start of a stage and one per 10 % step.
    if (!new_stage && percent / 10 == last_percent_ / 10 && !(finished && last_percent_ != 100)) {
      return;
    }
    fmt::print(stderr, "{}: {}/{} ({}%)\n", event.stage, event.done, event.total, percent);
  }
  std::fflush(stderr);
  last_stage_ = std::string(event.stage);
  last_percent_ = percent;
}

void Console::save_log(const std::filesystem::path& file) {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& line : lines_) text += line + '\n';
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  int err = fd < 0 ? errno : 0;
  for (std::size_t done = 0; err == 0 && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) err = n < 0 ? errno : EIO;
    if (n > 0) done += std::size_t(n);
  }
  if (fd >= 0 && ::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    throw Error(ErrorKind::kIo,
                fmt::format("{}: cannot write the log: {}", file.string(), std::strerror(err)));
  }
}

void Console::save_log_done(const std::filesystem::path& file) {
  if (!done_noted_) note(fmt::format("done in {:.1f} s", now_seconds() - start_));
  done_noted_ = true;  // a run with several outputs (a ladder) writes the same log to each
  save_log(file);
}

void Console::save_log_failed(const std::filesystem::path& file, std::string_view message) {
  note(fmt::format("failed: {}", message));
  std::error_code ec;
  const std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  if (!std::filesystem::is_directory(dir, ec)) return;
  try {
    save_log(file);
  } catch (const Error& e) {
    fmt::print(stderr, "flamecare: also: {}\n", e.what());
  }
}

}  // namespace flamecare::cli
