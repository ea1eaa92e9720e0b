"""flamecare's outputs in CSBDeep's own pipeline (the real csbdeep package from PyPI): the npz
through csbdeep.io.load_training_data, and a dataset's train folder through
csbdeep.data.RawData.from_folder + create_patches."""
import json
import os

import numpy as np
import pytest
import tifffile
from csbdeep.data import RawData, create_patches
from csbdeep.data.transform import crop_images

from flamecare_testlib import csbdeep_load_training_data, run

P = 32


@pytest.fixture(scope="module")
def dataset(cli, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("csbdeep")
    raw, ds, data = tmp / "raw", tmp / "datasets", tmp / "data"
    run(cli, "synth", raw, "--images", 5, "--size", 96, "--frames", 10, "--channels", 2,
        "--seed", 8)
    proc = run(cli, "create", raw, "--datasets", ds, "--out", data, "--input-frames", 2,
               "--gt-frames", 10, "--test-fraction", 0.2, "--seed", 3)
    name = proc.stdout.split()[1]
    run(cli, "patches", name, "--datasets", ds, "--patch-size", P, "--seed", 4)
    with open(ds / f"{name}.json") as f:
        d = json.load(f)["FLAME_Dataset"]
    return tmp, data / name, d


def test_load_training_data_reads_the_npz(dataset):
    _, folder, _ = dataset
    (npz,) = folder.glob("*.npz")
    with np.load(npz) as f:
        X, Y = f["X"], f["Y"]
    (X_train, Y_train), (X_val, Y_val), axes = csbdeep_load_training_data(
        npz, validation_split=0.1, verbose=False)
    assert axes == "SYXC"
    n_val = int(round(len(X) * 0.1))
    assert n_val > 0 and X_train.shape == (len(X) - n_val, P, P, 1)
    assert np.array_equal(X_train[..., 0], X[:-n_val, 0])
    assert np.array_equal(Y_train[..., 0], Y[:-n_val, 0])
    assert np.array_equal(X_val[..., 0], X[-n_val:, 0])
    assert np.array_equal(Y_val[..., 0], Y[-n_val:, 0])


def csbdeep_view(tmp, train, d):
    """The train folder as RawData.from_folder wants it: source and target images with the same
    file name in two folders (links to the dataset's own files)."""
    view = tmp / "csbdeep_view"
    ids = [i for i in d["image_ids"] if i not in d["test_ids"]]
    for sub, frames in (("source", d["input"]["n_frames"]), ("target", d["output"]["n_frames"])):
        (view / sub).mkdir(parents=True, exist_ok=True)
        for i in ids:
            link = view / sub / f"image{i}.tif"
            if not link.exists():
                os.symlink(train / f"image{i}_frames{frames}.tif", link)
    return view, ids


@pytest.mark.parametrize("channel", [0, 1])
def test_rawdata_from_folder_and_create_patches(dataset, channel):
    tmp, folder, d = dataset
    view, ids = csbdeep_view(tmp, folder / "train", d)
    # The summed TIFFs read as (1, C, Y, X): Z = 1. One channel is cropped out by CSBDeep itself.
    pick = crop_images([slice(None), slice(channel, channel + 1), slice(None), slice(None)])
    raw = RawData.from_folder(view, ["source"], "target", axes="ZCYX")
    assert raw.size == len(ids)

    # Raw values, no filter: every source patch and its target patch must come from one place of
    # the input sum and the ground-truth sum of one image (the pair is aligned pixel for pixel).
    X, Y, axes = create_patches(raw, (1, 1, P, P), 4, transforms=[pick], patch_filter=None,
                                normalization=None, verbose=False)
    assert axes == "SCZYX" and X.shape == Y.shape == (4 * len(ids), 1, 1, P, P)
    pairs = []
    for i in ids:
        x, y = (tifffile.imread(view / sub / f"image{i}.tif")[0, channel].astype(np.float32)
                for sub in ("source", "target"))
        pairs.append((np.lib.stride_tricks.sliding_window_view(x, (P, P)), y))
    for k in range(X.shape[0]):
        found = False
        for windows, y in pairs:
            for r, c in np.argwhere((windows == X[k, 0, 0]).all(axis=(2, 3))):
                found = found or np.array_equal(Y[k, 0, 0], y[r:r + P, c:c + P])
        assert found, f"patch {k}: no image has this input patch with this target patch"

    # CSBDeep's defaults (percentile normalisation, background filter), saved and loaded back.
    npz = tmp / f"csbdeep_{channel}.npz"
    X, Y, axes = create_patches(raw, (1, 1, P, P), 8, transforms=[pick], save_file=npz,
                                verbose=False)
    assert X.shape == (8 * len(ids), 1, 1, P, P) and np.isfinite(X).all()
    (X_train, _), _, axes = csbdeep_load_training_data(npz)
    assert axes == "SZYXC" and X_train.shape == (8 * len(ids), 1, P, P, 1)
