"""Shared helpers for the Python cross-checks (Debian numpy/tifffile/scipy, /usr/bin/python3)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--fixtures", default="")
    return parser.parse_args()


def run(cli, *args, expect=0):
    """Runs the CLI; fails the test when the exit code differs from `expect`."""
    proc = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
    if proc.returncode != expect:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise AssertionError(f"{' '.join(map(str, args))}: exit {proc.returncode}, expected {expect}")
    return proc


def tempdir():
    return tempfile.TemporaryDirectory(prefix="flamecare-py-")


def bidirectional(img, b):
    """DESIGN.md §2 bidirectional correction of a (C, Y, X) array, written independently."""
    if b == 0:
        return img
    width = img.shape[-1]
    out = img.copy()
    if b > 0:
        out[:, 0::2, : width - b] = img[:, 0::2, b:]
        return out[:, :, : width - b]
    a = -b
    out[:, 0::2, a:] = img[:, 0::2, : width - a]
    return out[:, :, a:]


def sidecar(tif):
    stem = os.path.splitext(tif)[0]
    with open(stem + ".tileData.txt") as f:
        return json.load(f)["TileData"]


def raw_stack(tif):
    """(F, C, Y, X) pixels of a ScanImage stack as tifffile reads them."""
    import tifffile

    with tifffile.TiffFile(tif) as t:
        assert t.is_scanimage, tif
        data = t.asarray()
    tile = sidecar(tif)
    frames = tile["framesPerTile"]
    if data.ndim == 3:  # one channel: tifffile squeezes C
        data = data[:, None]
    assert data.shape[0] == frames, (tif, data.shape, frames)
    return data


def normalize(x, p1, p99):
    return np.clip((x.astype(np.float64) - p1) / (p99 - p1 + 1e-20), 0, 1).astype(np.float32)


class Checks:
    """Counts checks and failures; prints a closing line."""

    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}")

    def done(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)
