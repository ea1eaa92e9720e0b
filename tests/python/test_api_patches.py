"""fc.make_patches and Patches.load: every patch equals the normalised train image (read with
tifffile, normalised with numpy) at its coords; the config; determinism; CSBDeep's loader."""
import json

import numpy as np
import pytest
import tifffile

import flamecare as fc

from flamecare_testlib import csbdeep_load_training_data, normalize

P = 16


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api_patches")
    fc.synth(tmp / "raw", images=4, size=48, frames=8, channels=2, seed=6)
    return fc.create(tmp / "raw", tmp / "datasets", tmp / "data", input_frames=2, gt_frames=8,
                     test_fraction=0.25, seed=2, progress=False)


def normalised_train_images(ds):
    """{image id: (input, ground truth)} normalised with numpy from the TIFFs and the JSON."""
    d = ds.json["FLAME_Dataset"]
    out = {}
    for image_id in ds.train_ids:
        pair = []
        for side, path in (("input", ds.input_path(image_id)),
                           ("output", ds.ground_truth_path(image_id))):
            raw = tifffile.imread(path)[0]
            p1, p99 = d[side]["pixel_1pct"], d[side]["pixel_99pct"]
            pair.append(np.stack([normalize(raw[c], p1[c], p99[c]) for c in range(len(raw))]))
        out[image_id] = pair
    return out


def check_patches(ps, ds, all_channels):
    X, Y, coords = ps.load()
    with np.load(ps.npz_path) as f:
        assert np.array_equal(f["X"], X) and np.array_equal(f["Y"], Y)
        assert np.array_equal(f["coords"], coords) and str(f["axes"]) == "SCYX"
    channels = 2 if all_channels else 1
    assert X.dtype == np.float32 and X.shape == Y.shape == (ps.n_patches, channels, P, P)
    assert coords.dtype == np.int32 and coords.shape == (ps.n_patches, 4)
    images = normalised_train_images(ds)
    for k, (image_id, channel, y0, x0) in enumerate(coords):
        xin, gt = images[int(image_id)]
        rows, cols = slice(y0, y0 + P), slice(x0, x0 + P)
        if all_channels:
            assert channel == -1
            want_x, want_y = xin[:, rows, cols], gt[:, rows, cols]
        else:
            want_x, want_y = xin[channel:channel + 1, rows, cols], gt[channel:channel + 1, rows, cols]
        assert np.array_equal(X[k], want_x) and np.array_equal(Y[k], want_y), k
    return X, Y, coords


def test_make_patches_one_channel(ds, tmp_path):
    ps = fc.make_patches(ds, patch_size=P, patch_multiple=2, seed=4, out_dir=tmp_path,
                         progress=False)
    assert isinstance(ps, fc.Patches)
    per_sample = (48 // P) * 2
    assert ps.npz_path == tmp_path / ds.name / f"{ds.name}_patch{P}_{per_sample}PpI_1Chan.npz"
    assert ps.patches_per_image == per_sample and ps.seed == 4
    assert ps.n_samples == len(ds.train_ids) * 2 and ps.n_patches == ps.n_samples * per_sample
    with open(ps.config_path) as f:
        assert ps.config == json.load(f)
    pc = ps.config["Patch_Config"]
    assert (pc["patch_size"], pc["seed"], pc["n_patches"]) == (P, 4, ps.n_patches)
    assert pc["npz_name"] == ps.npz_path.name
    assert ps.config["FLAME_Dataset"] == ds.json["FLAME_Dataset"]
    assert all(p.is_file() and p.stat().st_size > 1000 for p in ps.samples)
    X, Y, coords = check_patches(ps, ds, all_channels=False)
    assert set(coords[:, 0]) <= set(ds.train_ids) and set(coords[:, 1]) == {0, 1}
    (X2, Y2), _, axes = csbdeep_load_training_data(ps.npz_path, validation_split=0.0,
                                                   verbose=False)
    assert axes == "SYXC"
    assert np.array_equal(X2, np.moveaxis(X, 1, -1)) and np.array_equal(Y2, np.moveaxis(Y, 1, -1))
    assert repr(ps).startswith(f"Patches('{ps.npz_path}', patches={ps.n_patches}")


def test_make_patches_all_channels_by_name(ds, tmp_path):
    ps = fc.make_patches(ds.name, patch_size=P, all_channels=True, seed=4,
                         datasets_dir=ds.json_path.parent, out_dir=tmp_path,
                         patches_per_image=3, threads=1, progress=False)
    assert ps.npz_path.name.endswith("_3PpI_AllChan.npz") and ps.patches_per_image == 3
    check_patches(ps, ds, all_channels=True)


def test_same_seed_same_patches(ds, tmp_path):
    a = fc.make_patches(ds, patch_size=P, seed=9, out_dir=tmp_path / "a", progress=False)
    b = fc.make_patches(ds, patch_size=P, seed=9, out_dir=tmp_path / "b", threads=1,
                        progress=False)
    c = fc.make_patches(ds, patch_size=P, out_dir=tmp_path / "c", progress=False)
    for x, y in zip(a.load(), b.load()):
        assert np.array_equal(x, y)
    assert isinstance(c.seed, int) and c.config["Patch_Config"]["seed"] == c.seed


def test_progress_bar(ds, tmp_path, capfd):
    fc.make_patches(ds, patch_size=P, seed=1, out_dir=tmp_path, progress=True)
    err = capfd.readouterr().err
    assert "patches" in err and f"{len(ds.train_ids)}/{len(ds.train_ids)}" in err, err
