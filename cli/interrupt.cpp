#include "interrupt.hpp"

#include <signal.h>

#include <atomic>

namespace flamecare::cli {
namespace {

std::atomic<bool> g_interrupted{false};  // lock-free, so safe to set in a signal handler
static_assert(std::atomic<bool>::is_always_lock_free);

void on_signal(int) { g_interrupted.store(true); }

}  // namespace

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: a second signal gets the default action (the process ends at once);
  // SA_RESTART: system calls in flight continue, the library notices the flag soon after.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  for (const int signal : {SIGINT, SIGTERM}) {
    // A signal ignored by whoever started us (a background job of a script, nohup) stays ignored.
    struct sigaction before {};
    if (sigaction(signal, nullptr, &before) == 0 && before.sa_handler == SIG_IGN) continue;
    sigaction(signal, &action, nullptr);
  }
}

bool interrupted() { return g_interrupted.load(); }

}  // namespace flamecare::cli
