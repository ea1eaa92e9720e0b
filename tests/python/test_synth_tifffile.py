"""tifffile reads what `flamecare synth` writes as ScanImage stacks of the right shape and type;
sidecars are complete; a bidirectional image really carries the even-row shift."""
import json
import os
import subprocess

import numpy as np
import tifffile

from flamecare_testlib import run

REQUIRED = ["tileID", "tileResolution", "tileChannelsAvailable", "channelsAcquired",
            "channelsSaved", "framesPerTile", "tileScannedThisFile", "tileZs"]


def run_synth(cli, out, *args):
    proc = run(cli, "synth", out, *args)
    good = [line.split(None, 1)[1] for line in proc.stdout.splitlines() if line.startswith("good ")]
    bad = [line.split(None, 1)[1] for line in proc.stdout.splitlines() if line.startswith("bad ")]
    assert proc.stdout.splitlines()[-1].startswith(f"wrote {len(good)} good"), proc.stdout
    return good, bad


def sidecar(path):
    return os.path.splitext(path)[0] + ".tileData.txt"


def row_shift_correlations(stack):
    """Correlation of each odd row with the mean of the even rows above and below it (so sloped
    structures cancel), the even rows moved left by s (np.roll by -s), for s in -4..4."""
    img = stack.sum(axis=0).astype(np.float64)
    if img.ndim == 3:
        img = img.sum(axis=0)
    n = (img.shape[0] - 1) // 2
    odd = img[1:2 * n:2]
    w = img.shape[1]
    inner = slice(4, w - 4)  # away from the wrapped-around columns
    corr = {}
    for s in range(-4, 5):
        even = np.roll(img[0::2], -s, axis=1)
        neighbours = 0.5 * (even[:n] + even[1:n + 1])
        corr[s] = np.corrcoef(neighbours[:, inner].ravel(), odd[:, inner].ravel())[0, 1]
    return corr


def check_corpus(cli, root, frames, channels, size, dtype, with_bad, seed):
    args = ["--images", "4", "--size", str(size), "--frames", str(frames), "--channels",
            str(channels), "--dtype", dtype, "--seed", str(seed)]
    good, bad = run_synth(cli, root, *args, *(["--with-bad-files"] if with_bad else []))
    assert len(good) == 4, f"4 good stacks listed, got {good}"
    assert len(bad) == (5 if with_bad else 0), f"bad list {bad}"
    want = (frames, channels, size, size) if channels > 1 else (frames, size, size)
    bidirectional = 0
    for path in good:
        assert path.startswith(root + "/S001_PL/sample_") and "/mosaic_" in path, path
        with tifffile.TiffFile(path) as tif:
            assert tif.is_scanimage, f"{path} is ScanImage"
            assert tif.scanimage_metadata["version"] in (3, 4), "static block version"
            frame_data = tif.scanimage_metadata["FrameData"]
            assert frame_data["SI.hStackManager.framesPerSlice"] == frames, "framesPerSlice"
            assert frame_data["SI.hScan2D.channelsDataType"] == dtype, "channelsDataType"
            data = tif.series[0].asarray()
        assert data.shape == want, f"{path} shape {data.shape} != {want}"
        assert str(data.dtype) == dtype, f"{path} dtype {data.dtype}"
        with open(sidecar(path)) as f:
            tile = json.load(f)["TileData"]
        for key in REQUIRED:
            assert key in tile, f"{path} sidecar has {key}"
        assert tile["framesPerTile"] == frames, "framesPerTile == F"
        assert tile["tileResolution"] == [size, size], "tileResolution"
        assert len(tile["channelsSaved"]) == channels, "channelsSaved"
        corr = row_shift_correlations(data)
        best = max(corr, key=corr.get)
        if "bidirectionalCorrection" in tile:
            bidirectional += 1
            b = tile["bidirectionalCorrection"]
            # b > 0 moves even rows left by b, b < 0 right by |b|.
            assert best == b, f"{path}: best even-row shift {best} != b {b} ({corr})"
        else:
            assert best == 0, f"{path}: unshifted image {corr}"
        if dtype == "int16":
            assert data.min() < 0, "offset subtraction leaves some negative int16 values"
    assert bidirectional >= 1, "at least one bidirectional image"
    return good, bad


def check_bad_files(bad, frames):
    summed, truncated, plain, no_sidecar, bad_json = bad
    with tifffile.TiffFile(summed) as tif:
        assert len(tif.pages) == 2, f"summed stack has one frame (2 pages), got {len(tif.pages)}"
    with open(sidecar(summed)) as f:
        assert json.load(f)["TileData"]["framesPerTile"] == frames, "summed sidecar"
    try:
        tifffile.imread(truncated)
        raise AssertionError("truncated file reads completely")
    except AssertionError:
        raise
    except Exception:  # noqa: BLE001 - any read failure is the expected outcome
        pass
    with tifffile.TiffFile(plain) as tif:
        assert not tif.is_scanimage and not tif.is_bigtiff, "plain TIFF is not ScanImage"
    assert not os.path.exists(sidecar(no_sidecar)), "stack without sidecar"
    with tifffile.TiffFile(no_sidecar) as tif:
        assert tif.is_scanimage, "the stack itself is fine"
    try:
        with open(sidecar(bad_json)) as f:
            json.load(f)
        raise AssertionError("malformed sidecar parses")
    except json.JSONDecodeError:
        pass


def test_int16_two_channels_with_bad_files(cli, tmp_path):
    _, bad = check_corpus(cli, str(tmp_path / "int16"), 8, 2, 64, "int16", True, 5)  # b = +2
    check_bad_files(bad, 8)


def test_uint16(cli, tmp_path):
    check_corpus(cli, str(tmp_path / "uint16"), 8, 2, 64, "uint16", False, 7)  # b = -2


def test_single_channel(cli, tmp_path):
    check_corpus(cli, str(tmp_path / "one"), 8, 1, 64, "int16", False, 6)  # b = +3


def test_same_seed_same_bytes(cli, tmp_path):
    args = ["--images", "4", "--size", "64", "--frames", "8", "--channels", "2", "--seed", "5",
            "--with-bad-files"]
    first, _ = run_synth(cli, str(tmp_path / "a"), *args)
    again, _ = run_synth(cli, str(tmp_path / "b"), *args)
    with open(first[1], "rb") as a, open(again[1], "rb") as b:
        assert a.read() == b.read(), "same seed, same bytes"


def test_bad_dtype_rejected(cli, tmp_path):
    proc = subprocess.run([cli, "synth", str(tmp_path / "x"), "--dtype", "complex"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--dtype complex" in proc.stderr, proc.stderr
