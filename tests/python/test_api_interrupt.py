"""Ctrl-C stops fc.create and fc.make_patches: SIGINT sent to this process from a timer thread in
mid-run raises KeyboardInterrupt within about a second and leaves nothing that looks complete
(no dataset JSON, preview, data folder, staging dir, temporary file, npz or config), and the
same call then runs to the end."""
import contextlib
import os
import shutil
import signal
import threading
import time

import pytest

import flamecare as fc

# Where a run's leftovers would show: staging dirs, temporaries, patch stores, the marker.
DEBRIS = (".create-*", "*.tmp-*", ".patches-*.tmp", ".flamecare-publishing")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A raw root of 256 hard links to one 256 x 256 stack (2 channels, 40 frames): summing it
    on one thread takes seconds, without writing gigabytes of raw data."""
    tmp = tmp_path_factory.mktemp("interrupt")
    src = fc.synth(tmp / "src", images=1, size=256, frames=40, channels=2, seed=9).good[0]
    for i in range(256):
        folder = tmp / "raw" / f"c{i:03d}"
        folder.mkdir(parents=True)
        os.link(src, folder / "Im_00001.tif")
        os.link(src.with_name("Im_00001.tileData.txt"), folder / "Im_00001.tileData.txt")
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)  # a few hundred MB of sums


@contextlib.contextmanager
def python_sigint_handler():
    """Python's own Ctrl-C handler, also when pytest runs as a background job (SIGINT
    ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Interrupter:
    """A timer thread that sends SIGINT to this process once `ready()` holds (the run is in
    the middle of its work) and notes when."""

    def __init__(self, ready):
        self.ready, self.sent_at = ready, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        deadline = time.monotonic() + 120
        while not self._stop.is_set() and time.monotonic() < deadline:
            if self.ready():
                self.sent_at = time.monotonic()
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def found(folder, *patterns):
    return [p for pattern in patterns for p in folder.rglob(pattern)] if folder.exists() else []


def interrupted(call, ready):
    """Runs call() until the interrupt; returns (seconds from SIGINT to KeyboardInterrupt,
    seconds the call ran)."""
    start = time.monotonic()
    with python_sigint_handler(), Interrupter(ready) as interrupter:
        with pytest.raises(KeyboardInterrupt):
            call()
        raised = time.monotonic()
    assert interrupter.sent_at is not None, "the run ended before it could be interrupted"
    return raised - interrupter.sent_at, raised - start


def test_ctrl_c_stops_create_and_make_patches(big):
    raw, datasets, out = big / "raw", big / "datasets", big / "out"

    def create():
        return fc.create(raw, datasets, out, input_frames=5, gt_frames=40, seed=1,
                         date="20250101", threads=1, progress=True)

    # Interrupted once the first sums are written (into the hidden staging dir).
    latency, ran = interrupted(create, lambda: bool(found(out, "image*_frames*.tif")))
    assert latency < 3.0, f"create took {latency:.2f} s to stop"  # about a second; loaded CI
    assert not found(datasets, "*.json", "*.png"), "no dataset JSON or preview"
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())
    assert not found(big, *DEBRIS)
    start = time.monotonic()
    ds = create()
    full = time.monotonic() - start
    assert ran < full, (ran, full)  # it really stopped in mid-run
    print(f"create: stopped {latency:.2f} s after SIGINT, {ran:.2f} s in; a full run {full:.2f} s")
    assert ds.name == "20250101_256I_denoising_5to40F" and ds.json_path.is_file()
    assert [p.name for p in out.iterdir()] == [ds.name]

    def patches():
        return fc.make_patches(ds, patch_size=16, patch_multiple=8, seed=2, threads=1,
                               progress=True)

    # Interrupted while the patches are cut into the temporary npz.
    latency, ran = interrupted(patches, lambda: bool(found(ds.data_dir, "*.npz.tmp-*")))
    assert latency < 3.0, f"make_patches took {latency:.2f} s to stop"
    left = found(ds.data_dir, "*_patch*", "patch_samples*", "*Chan_patch_config.json")
    assert not left, left
    assert not found(big, *DEBRIS)
    start = time.monotonic()
    ps = patches()
    full = time.monotonic() - start
    assert ran < full, (ran, full)
    print(f"patches: stopped {latency:.2f} s after SIGINT, {ran:.2f} s in; a full run {full:.2f} s")
    assert ps.npz_path.is_file() and ps.n_skipped == 0
    assert ps.n_patches == len(ds.train_ids) * 2 * (256 // 16) * 8
