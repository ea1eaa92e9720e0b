"""Heavy calls release the GIL: another Python thread keeps running while they work."""
import threading
import time

import flamecare as fc

from flamecare_testlib import run


class Ticker:
    """A Python thread that notes the time of every loop iteration; each iteration needs the
    GIL, so none can happen while a call holds it."""

    def __init__(self):
        self.times, self._stop = [], threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        while not self._stop.is_set():
            self.times.append(time.perf_counter())
            time.sleep(0.0005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def rate_within(self, windows):
        """Ticks per second inside the windows."""
        ticks = sum(1 for t in self.times if any(a < t < b for a, b in windows))
        return ticks / sum(b - a for a, b in windows)


def timed_calls(call, seconds):
    """Runs call(i) until `seconds` have passed inside the calls; returns their (start, end)."""
    windows, spent, i = [], 0.0, 0
    while spent < seconds:
        start = time.perf_counter()
        call(i)
        end = time.perf_counter()
        windows.append((start, end))
        spent += end - start
        i += 1
    return windows


def assert_other_thread_runs(call, seconds):
    """The ticker, compared with its own rate while this thread only sleeps, keeps at least a
    fifth of it during the calls. A call holding the GIL throughout would let it tick only when
    the call runs Python code (its progress and log deliveries, a few per second)."""
    with Ticker() as ticker:
        idle = timed_calls(lambda i: time.sleep(0.05), 0.3)
        busy = timed_calls(call, seconds)
        idle_rate, busy_rate = ticker.rate_within(idle), ticker.rate_within(busy)
    assert busy_rate >= 0.2 * idle_rate, (len(busy), busy_rate, idle_rate)


def test_update_index_releases_the_gil(cli, tmp_path):
    root = tmp_path / "raw"
    run(cli, "synth", root, "--images", 24, "--size", 64, "--frames", 40, "--channels", 2)
    # One worker thread leaves the second core to the ticker.
    assert_other_thread_runs(
        lambda i: fc.update_index(root, tmp_path / f"ds{i}", threads=1, progress=True), 1.0)


def test_reading_pixels_releases_the_gil(cli, tmp_path):
    root = tmp_path / "raw"
    proc = run(cli, "synth", root, "--images", 1, "--size", 256, "--frames", 200, "--channels", 2)
    raw = fc.read_raw(proc.stdout.split()[1])
    assert_other_thread_runs(lambda i: raw.frames(0, 200), 0.5)


def test_create_and_make_patches_release_the_gil(tmp_path):
    root = tmp_path / "raw"
    fc.synth(root, images=12, size=96, frames=40, channels=2, seed=4)
    datasets = []

    def create(i):
        datasets.append(fc.create(root, tmp_path / f"ds{i}", tmp_path / f"out{i}",
                                  input_frames=5, gt_frames=40, seed=i, threads=1, progress=True))

    # One worker thread leaves the second core to the ticker.
    assert_other_thread_runs(create, 1.0)
    assert_other_thread_runs(
        lambda i: fc.make_patches(datasets[i % len(datasets)], patch_size=16, seed=i,
                                  out_dir=tmp_path / f"p{i}", threads=1, progress=True), 0.5)
