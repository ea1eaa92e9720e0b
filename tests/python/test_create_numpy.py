"""`create` checked independently: numpy/tifffile recompute sums, correction and statistics."""
import json
import os

import numpy as np
import pytest
import tifffile

from flamecare_testlib import bidirectional, raw_stack, run, sidecar

PERCENTILE_KEYS = [(0.1, "pixel_p1pct"), (1, "pixel_1pct"), (5, "pixel_5pct"), (95, "pixel_95pct"),
                   (99, "pixel_99pct"), (99.9, "pixel_99p9pct")]


def check_dataset(cli, tmp, dtype, n_in, n_gt, channels):
    raw, ds, out = (os.path.join(tmp, d) for d in ("raw", "datasets", "out"))
    run(cli, "synth", raw, "--images", 6, "--size", 80, "--frames", n_gt + 2, "--channels", channels,
        "--dtype", dtype, "--seed", 3, "--with-bad-files")
    proc = run(cli, "create", raw, "--datasets", ds, "--out", out, "--input-frames", n_in, "--gt-frames", n_gt,
               "--test-fraction", 0.34, "--seed", 5, "--date", "20260101")
    name = proc.stdout.split()[1]
    assert name == "20260101_6I_denoising_%dto%dF" % (n_in, n_gt), f"dataset name {name}"
    with open(os.path.join(ds, name + ".json")) as f:
        d = json.load(f)["FLAME_Dataset"]
    for key in ("name", "type", "id", "image_shapes", "input", "output", "image_ids", "test_ids"):
        assert key in d, f"JSON key {key}"
    assert d["id"] == "0x0001", f"first dataset id {d['id']}"
    assert len(set(d["test_ids"])) == len(d["test_ids"]) == int(0.34 * 6), f"test ids {d['test_ids']}"
    assert set(d["test_ids"]) <= set(d["image_ids"]), "test ids are dataset ids"
    sums = {"input": [], "output": []}
    for entry, shape in zip(d["images"], d["image_shapes"]):
        tif = os.path.join(raw, entry["image"])
        # float32 frames add up in float32, frame after frame, as numpy's sum over axis 0 does.
        acc = np.float32 if dtype == "float32" else np.int64
        stack = raw_stack(tif).astype(acc)
        b = sidecar(tif).get("bidirectionalCorrection", 0)
        for block, n in (("input", n_in), ("output", n_gt)):
            expected = bidirectional(stack[:n].sum(axis=0, dtype=acc), int(b))
            path = os.path.join(out, name, entry["split"], "image%d_frames%d.tif" % (entry["id"], n))
            got = tifffile.imread(path)
            want_dtype = {"int16": np.int32, "uint16": np.uint32, "float32": np.float32}[dtype]
            assert got.dtype == want_dtype, f"{path}: dtype {got.dtype}"
            assert got.shape == (1,) + expected.shape, f"{path}: shape {got.shape} vs {(1,) + expected.shape}"
            assert list(got.shape) == shape, f"{path}: image_shapes {shape}"
            assert np.array_equal(got[0], expected.astype(want_dtype)), f"{path}: pixel sums"
            sums[block].append(got[0])
    for block in ("input", "output"):
        s = d[block]
        flat = np.concatenate([a.reshape(a.shape[0], -1) for a in sums[block]], axis=1)
        everything = np.concatenate([a.ravel() for a in sums[block]])
        for q, key in PERCENTILE_KEYS:
            want = [float(np.percentile(flat[ch], q)) for ch in range(flat.shape[0])]
            assert s[key] == want, f"{block} {key}: {s[key]} vs numpy {want}"
        assert s["pixel_min"] == float(everything.min()), f"{block} min"
        assert s["pixel_max"] == float(everything.max()), f"{block} max"
        mean = float(everything.mean(dtype=np.float64))
        # Integer means are exact; float32 sums agree to rounding (numpy sums pairwise in float64).
        tolerance = 0 if dtype != "float32" else 1e-12 * max(1.0, abs(mean))
        assert abs(s["pixel_mean"] - mean) <= tolerance, f"{block} mean {s['pixel_mean']} vs {mean}"
        std = float(everything.std(dtype=np.float64))
        assert abs(s["pixel_std"] - std) <= 1e-9 * max(1.0, s["pixel_std"]), \
            f"{block} std {s['pixel_std']} vs {std}"
    assert os.path.getsize(os.path.join(ds, name + ".png")) > 1000, "preview PNG written"
    assert os.path.isfile(os.path.join(out, name, "create.log")), "create.log written"
    return raw, ds, out, name, d


def test_int16_dataset_and_a_second_one(cli, tmp_path):
    raw, ds, out, name, d = check_dataset(cli, str(tmp_path), "int16", 3, 10, 2)
    # Same seed → same split; the name is taken so the new dataset gets a suffix and the next id.
    proc = run(cli, "create", raw, "--datasets", ds, "--out", out, "--input-frames", 3, "--gt-frames", 10,
               "--test-fraction", 0.34, "--seed", 5, "--date", "20260101")
    second = proc.stdout.split()[1]
    assert second == name + "_2", f"existing name gets a suffix: {second}"
    with open(os.path.join(ds, second + ".json")) as f:
        d2 = json.load(f)["FLAME_Dataset"]
    assert d2["test_ids"] == d["test_ids"], "same seed gives the same split"
    assert d2["id"] == "0x0002", f"second id {d2['id']}"
    with open(os.path.join(ds, name + ".json")) as f:
        assert json.load(f)["FLAME_Dataset"] == d, "first dataset untouched"


@pytest.mark.parametrize("dtype, channels", [("uint16", 1), ("float32", 3)])
def test_other_dtypes(cli, tmp_path, dtype, channels):
    check_dataset(cli, str(tmp_path), dtype, 2, 6, channels)
