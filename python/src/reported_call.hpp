#pragma once
// Long library calls from Python: the work runs without the GIL on a thread of its own, and its
// log lines and progress reach Python on the calling thread.
//
// The library's Reporter is called from many worker threads at once. Taking the GIL in those
// callbacks would serialise the workers on the GIL (and stall them whenever another Python
// thread holds it), and would run logging handlers and tqdm on threads Python did not start.
// Instead the callbacks only queue the event under a mutex; the calling thread waits with the
// GIL released and, every tick or when a log line arrives, takes the GIL and hands the queued
// events to a Python sink. Workers never wait for the GIL, so there is no lock order to get
// wrong, and the calling thread is where Python delivers Ctrl-C.
#include <functional>

#include <nanobind/nanobind.h>

#include "flamecare/log.hpp"

namespace flamecare::python {

/// Runs `call` on a new thread with a Reporter whose log lines and progress go to `sink`, a
/// Python object with methods `log(level: int, message: str)` (levels of the `logging` module),
/// `progress(stage: str, done: int, total: int)` and `close()`; the sink is called on this thread
/// with the GIL held, `close()` once at the end. Must be called with the GIL held; returns when
/// `call` has returned. Rethrows what `call` threw.
///
/// Interrupts: every tick this thread runs Python's signal handlers (PyErr_CheckSignals), so
/// Ctrl-C (or a notebook's interrupt) raises KeyboardInterrupt here. That exception, or one
/// raised by the sink, sets the Reporter's cancellation check: the library stops at its next
/// check, cleans up as a cancelled run does (nothing that looks complete is left), and the Python
/// exception is raised once `call` has returned.
void run_reported(nanobind::handle sink, const std::function<void(const Reporter&)>& call);

}  // namespace flamecare::python
