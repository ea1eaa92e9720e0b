"""Helpers the Python tests share (and the unit tests' check scripts beside them)."""
import json
import os
import subprocess
import sys

import numpy as np


def run(cli, *args, expect=0):
    """Runs the CLI; fails the test when the exit code differs from `expect`."""
    proc = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True)
    if proc.returncode != expect:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise AssertionError(f"{' '.join(map(str, args))}: exit {proc.returncode}, expected {expect}")
    return proc


def bidirectional(img, b):
    """The bidirectional correction of a (C, Y, X) array (README, `create` step 3), written
    independently of the C++ one."""
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


def csbdeep_load_training_data(path, **kwargs):
    """csbdeep.io.load_training_data, the real one. Its only use of TensorFlow is asking the
    Keras backend whether channels go last (to move the C axis); that question is answered here
    as TensorFlow's default configuration does (channels_last), so TensorFlow (a wheel of several
    hundred MB) is not needed. Everything else is CSBDeep's code."""
    import csbdeep.io
    import csbdeep.utils.utils

    # csbdeep.io imported the function by name, csbdeep.utils' move_channel_for_backend calls it
    # through its module: both names are answered.
    modules = (csbdeep.io, csbdeep.utils.utils)
    saved = [m.backend_channels_last for m in modules]
    for m in modules:
        m.backend_channels_last = lambda: True
    try:
        return csbdeep.io.load_training_data(str(path), **kwargs)
    finally:
        for m, function in zip(modules, saved):
            m.backend_channels_last = function
