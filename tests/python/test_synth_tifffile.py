"""tifffile reads what `flamecare synth` writes as ScanImage stacks of the right shape and type;
sidecars are complete; a bidirectional image really carries the even-row shift."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import tifffile

REQUIRED = ["tileID", "tileResolution", "tileChannelsAvailable", "channelsAcquired",
            "channelsSaved", "framesPerTile", "tileScannedThisFile", "tileZs"]
checks = 0


def check(cond, message):
    global checks
    checks += 1
    if not cond:
        print("FAIL:", message)
        sys.exit(1)


def run_synth(cli, out, *args):
    proc = subprocess.run([cli, "synth", out, *args], capture_output=True, text=True)
    check(proc.returncode == 0, f"synth {args} exited {proc.returncode}: {proc.stderr}")
    good = [line.split(None, 1)[1] for line in proc.stdout.splitlines() if line.startswith("good ")]
    bad = [line.split(None, 1)[1] for line in proc.stdout.splitlines() if line.startswith("bad ")]
    check(proc.stdout.splitlines()[-1].startswith(f"wrote {len(good)} good"), proc.stdout)
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
    check(len(good) == 4, f"4 good stacks listed, got {good}")
    check(len(bad) == (5 if with_bad else 0), f"bad list {bad}")
    want = (frames, channels, size, size) if channels > 1 else (frames, size, size)
    bidirectional = 0
    for path in good:
        check(path.startswith(root + "/S001_PL/sample_") and "/mosaic_" in path, path)
        with tifffile.TiffFile(path) as tif:
            check(tif.is_scanimage, f"{path} is ScanImage")
            check(tif.scanimage_metadata["version"] in (3, 4), "static block version")
            frame_data = tif.scanimage_metadata["FrameData"]
            check(frame_data["SI.hStackManager.framesPerSlice"] == frames, "framesPerSlice")
            check(frame_data["SI.hScan2D.channelsDataType"] == dtype, "channelsDataType")
            data = tif.series[0].asarray()
        check(data.shape == want, f"{path} shape {data.shape} != {want}")
        check(str(data.dtype) == dtype, f"{path} dtype {data.dtype}")
        tile = json.load(open(sidecar(path)))["TileData"]
        for key in REQUIRED:
            check(key in tile, f"{path} sidecar has {key}")
        check(tile["framesPerTile"] == frames, "framesPerTile == F")
        check(tile["tileResolution"] == [size, size], "tileResolution")
        check(len(tile["channelsSaved"]) == channels, "channelsSaved")
        if "bidirectionalCorrection" in tile:
            bidirectional += 1
            b = tile["bidirectionalCorrection"]
            corr = row_shift_correlations(data)
            best = max(corr, key=corr.get)
            print(f"  {os.path.relpath(path, root)}: b={b} even/odd row correlation "
                  f"{corr[0]:.3f} raw -> {corr[b]:.3f} corrected (best shift {best})")
            # DESIGN.md §2: b > 0 moves even rows left by b, b < 0 right by |b|.
            check(best == b, f"{path}: best even-row shift {best} != b {b}")
        else:
            corr = row_shift_correlations(data)
            check(max(corr, key=corr.get) == 0, f"{path}: unshifted image {corr}")
        if dtype == "int16":
            check(data.min() < 0, "offset subtraction leaves some negative int16 values")
    check(bidirectional >= 1, "at least one bidirectional image")
    return good, bad


def check_bad_files(bad, frames):
    summed, truncated, plain, no_sidecar, bad_json = bad
    with tifffile.TiffFile(summed) as tif:
        check(len(tif.pages) == 2, f"summed stack has one frame (2 pages), got {len(tif.pages)}")
    check(json.load(open(sidecar(summed)))["TileData"]["framesPerTile"] == frames, "summed sidecar")
    try:
        tifffile.imread(truncated)
        check(False, "truncated file reads completely")
    except Exception as e:  # noqa: BLE001 - any read failure is the expected outcome
        check(True, f"truncated file fails: {e}")
    with tifffile.TiffFile(plain) as tif:
        check(not tif.is_scanimage and not tif.is_bigtiff, "plain TIFF is not ScanImage")
    check(not os.path.exists(sidecar(no_sidecar)), "stack without sidecar")
    with tifffile.TiffFile(no_sidecar) as tif:
        check(tif.is_scanimage, "the stack itself is fine")
    try:
        json.load(open(sidecar(bad_json)))
        check(False, "malformed sidecar parses")
    except json.JSONDecodeError:
        check(True, "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--fixtures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "int16")
        _, bad = check_corpus(args.cli, root, 8, 2, 64, "int16", True, 5)  # b = +2
        check_bad_files(bad, 8)
        print("int16 2-channel corpus with bad files: ok")
        check_corpus(args.cli, os.path.join(tmp, "uint16"), 8, 2, 64, "uint16", False, 7)  # b = -2
        print("uint16 corpus: ok")
        check_corpus(args.cli, os.path.join(tmp, "one"), 8, 1, 64, "int16", False, 6)  # b = +3
        print("single-channel corpus: ok")
        again, _ = run_synth(args.cli, os.path.join(tmp, "again"), "--images", "4", "--size",
                             "64", "--frames", "8", "--channels", "2", "--seed", "5",
                             "--with-bad-files")
        first = open(os.path.join(root, os.path.relpath(again[1], os.path.join(tmp, "again"))),
                     "rb").read()
        check(first == open(again[1], "rb").read(), "same seed, same bytes")
        proc = subprocess.run([args.cli, "synth", os.path.join(tmp, "x"), "--dtype", "complex"],
                              capture_output=True, text=True)
        check(proc.returncode == 2 and "--dtype complex" in proc.stderr, "bad dtype rejected (usage)")
    print(f"test_synth_tifffile: {checks} checks passed")


if __name__ == "__main__":
    main()
