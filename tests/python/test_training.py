"""Training-ready data (issue 10): disjoint frame pairs checked against numpy, whole-group splits,
the validation npz (with CSBDeep's loader) and the CAREamics export's files and statistics."""
import itertools
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import tifffile

import flamecare as fc
from flamecare_testlib import bidirectional, run, sidecar


@pytest.fixture(scope="module")
def grouped_corpus(cli, tmp_path_factory):
    """12 one-channel images in 4 mosaics of 3, 2 samples of 2 mosaics; 8 frames."""
    root = tmp_path_factory.mktemp("grouped") / "raw"
    run(cli, "synth", root, "--images", 12, "--size", 48, "--frames", 8, "--channels", 1,
        "--seed", 9)
    return root


# ---- disjoint pairing ---------------------------------------------------------------------

@pytest.mark.parametrize("n,m", [(2, 3), (3, 3)])
def test_disjoint_sums_are_numpy_sums_of_frames_n_to_n_plus_m(corpus, tmp_path, n, m):
    root, good, _ = corpus
    ds = fc.create(root, tmp_path / "ds", tmp_path / "data", input_frames=n, gt_frames=m,
                   seed=3, progress=False, pairing="disjoint", date="20260101")
    assert ds.name == f"20260101_4I_denoising_{n}to{m}F_disjoint"
    assert ds.pairing == "disjoint"
    assert ds.input_frame_range == (0, n) and ds.target_frame_range == (n, n + m)
    assert ds.json["FLAME_Dataset"]["frames"] == {"input": [0, n], "target": [n, n + m]}
    corrections = set()
    for row in ds.images.itertuples():
        raw = fc.read_raw(root / row.image)
        b = sidecar(str(root / row.image)).get("bidirectionalCorrection", 0) or 0
        corrections.add(b)
        frames = raw.data.astype(np.int64)                     # (F, C, Y, X)
        want_x = bidirectional(frames[0:n].sum(axis=0), b)
        want_y = bidirectional(frames[n:n + m].sum(axis=0), b)
        assert Path(row.input_path).name == f"image{row.id}_frames0-{n}.tif"
        assert Path(row.ground_truth_path).name == f"image{row.id}_frames{n}-{n + m}.tif"
        x = tifffile.imread(row.input_path)[0]
        y = tifffile.imread(row.ground_truth_path)[0]
        np.testing.assert_array_equal(x, want_x)
        np.testing.assert_array_equal(y, want_y)
        # The two sums share no frame: the target is not the input plus more frames.
        assert not np.array_equal(y, bidirectional(frames[0:m].sum(axis=0), b))
    assert corrections - {0}, "the corpus should have a bidirectionally shifted image"
    # Statistics are over the disjoint sums.
    all_y = np.concatenate([tifffile.imread(p)[0].reshape(2, -1)
                            for p in ds.images.ground_truth_path], axis=1)
    np.testing.assert_array_equal(ds.stats("output")["p99"], np.percentile(all_y, 99, axis=1))


def test_disjoint_usage_errors(cli, corpus, tmp_path):
    root, _, _ = corpus
    base = [cli, "create", root, "--datasets", tmp_path / "ds", "--out", tmp_path / "data",
            "--seed", 1]
    too_many = run(*base, "--input-frames", 4, "--gt-frames", 4, "--pairing", "disjoint",
                   expect=2)
    assert "needs 8 frames per image" in too_many.stderr and "at most 6" in too_many.stderr
    ladder = run(*base, "--ladder", "1,2,4", "--pairing", "disjoint", expect=2)
    assert "--ladder cannot be combined" in ladder.stderr
    for option, value in (("--pairing", "interleaved"), ("--group-by", "tissue")):
        bad = run(*base, "--input-frames", 1, "--gt-frames", 2, option, value, expect=2)
        assert option in bad.stderr, bad.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())
    # Images with fewer than N + M frames are left out as too_few_frames, not an error.
    ok = run(*base, "--input-frames", 3, "--gt-frames", 3, "--pairing", "disjoint")
    assert "_3to3F_disjoint" in ok.stdout


# ---- splits without leakage ---------------------------------------------------------------

@pytest.mark.parametrize("seed,test_ids", [(42, [0, 8, 9]), (7, [3, 9, 11]),
                                           (123456789, [1, 3, 4])])
def test_group_by_image_is_the_split_of_flamecare_0_1_for_the_seed(cli, grouped_corpus, tmp_path,
                                                                   seed, test_ids):
    # The ids were given by flamecare 0.1.0 (main before issue 10) on this corpus and options.
    ds = fc.create(grouped_corpus, tmp_path / "ds", tmp_path / "data", input_frames=2,
                   gt_frames=4, test_fraction=0.25, seed=seed, progress=False,
                   group_by="image")
    assert ds.test_ids == test_ids
    assert ds.group_by == "image"


def best_group_total(sizes, target):
    """The reachable whole-group image count closest to target (ties: smaller), >= 1 group held
    out and >= 1 kept, by trying every subset."""
    n = sum(sizes)
    best = None
    for k in range(1, len(sizes)):
        for combo in itertools.combinations(sizes, k):
            t = sum(combo)
            if best is None or (abs(t - target), t) < (abs(best - target), best):
                best = t
    return best


@pytest.mark.parametrize("group_by", ["mosaic", "sample"])
@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5, 0.8])
def test_group_split_keeps_groups_whole_and_meets_the_fraction(grouped_corpus, tmp_path,
                                                               group_by, fraction):
    ds = fc.create(grouped_corpus, tmp_path / "ds", tmp_path / "data", input_frames=2,
                   gt_frames=4, test_fraction=fraction, seed=11, progress=False,
                   group_by=group_by)
    images = ds.images
    depth = 1 if group_by == "mosaic" else 2
    expected_groups = images.image.map(lambda p: "/".join(p.split("/")[:-depth]))
    assert list(images.group) == list(expected_groups)
    splits = images.groupby("group").split.nunique()
    assert (splits == 1).all(), "a group on both sides"
    n = len(images)
    target = min(max(int(np.floor(fraction * n)), 1), n - 1)
    sizes = list(images.groupby("group").size())
    assert len(ds.test_ids) == best_group_total(sizes, target)
    assert 1 <= images[images.split == "test"].group.nunique() < len(sizes)
    assert ds.json["FLAME_Dataset"]["group_by"] == group_by
    # The same seed, the same split.
    again = fc.create(grouped_corpus, tmp_path / "ds", tmp_path / "data", input_frames=2,
                      gt_frames=4, test_fraction=fraction, seed=11, progress=False,
                      group_by=group_by)
    assert again.test_ids == ds.test_ids


# ---- validation npz -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def mosaic_dataset(grouped_corpus, tmp_path_factory):
    base = tmp_path_factory.mktemp("mosaic_ds")
    return fc.create(grouped_corpus, base / "ds", base / "data", input_frames=2, gt_frames=6,
                     test_fraction=0.25, seed=5, progress=False, group_by="mosaic")


def rows(coords, x):
    return {tuple(c): x[i].tobytes() for i, c in enumerate(coords)}


def test_validation_npz_holds_whole_images_and_csbdeep_reads_both(mosaic_dataset, tmp_path):
    ds = mosaic_dataset
    kw = dict(patch_size=16, patches_per_image=6, seed=21, progress=False)
    whole = fc.make_patches(ds, out_dir=tmp_path / "whole", **kw)
    split = fc.make_patches(ds, out_dir=tmp_path / "split", validation_fraction=0.4, **kw)
    assert split.val_npz_path == split.npz_path.with_name(split.npz_path.stem + "_val.npz")
    X, Y, c = split.load()
    Xv, Yv, cv = split.load_validation()
    train_images, val_images = set(c[:, 0]), set(cv[:, 0])
    assert val_images and train_images and not train_images & val_images
    assert sorted(val_images) == split.validation_ids
    assert split.config["Patch_Config"]["validation_ids"] == split.validation_ids
    # Whole mosaics held out.
    groups = ds.images.set_index("id").group
    held = {groups[i] for i in split.validation_ids}
    assert set(groups[groups.isin(held)].index) == set(split.validation_ids)
    # Together they are the patches cut without a validation fraction.
    Xw, Yw, cw = whole.load()
    assert set(map(tuple, cw)) == set(map(tuple, c)) | set(map(tuple, cv))
    assert rows(cw, Xw) == {**rows(c, X), **rows(cv, Xv)}
    assert rows(cw, Yw) == {**rows(c, Y), **rows(cv, Yv)}
    assert set(cw[:, 0]) == set(ds.train_ids)
    # The same seed: byte-identical files.
    again = fc.make_patches(ds, out_dir=tmp_path / "again", validation_fraction=0.4, **kw)
    assert again.npz_path.read_bytes() == split.npz_path.read_bytes()
    assert again.val_npz_path.read_bytes() == split.val_npz_path.read_bytes()
    # CSBDeep's loader reads both (its Keras check answered as TensorFlow's default does).
    import csbdeep.io
    import csbdeep.utils.utils
    csbdeep.io.backend_channels_last = csbdeep.utils.utils.backend_channels_last = lambda: True
    (Xt, Yt), _, axes = csbdeep.io.load_training_data(split.npz_path, verbose=False)
    (Xvt, Yvt), _, _ = csbdeep.io.load_training_data(split.val_npz_path, verbose=False)
    assert Xt.shape[0] == len(c) and Xvt.shape[0] == len(cv) and axes == "SYXC"


def test_validation_fraction_is_checked(cli, mosaic_dataset):
    bad = run(cli, "patches", mosaic_dataset.json_path, "--validation-fraction", 1, expect=2)
    assert "--validation-fraction" in bad.stderr


# ---- CAREamics export ---------------------------------------------------------------------

def test_careamics_export_files_and_exact_train_statistics(cli, corpus, tmp_path):
    root, _, _ = corpus
    ds = fc.create(root, tmp_path / "ds", tmp_path / "data", input_frames=2, gt_frames=3,
                   seed=4, test_fraction=0.25, progress=False, pairing="disjoint")
    proc = run(cli, "export", ds.json_path, "--format", "careamics", "--out", tmp_path / "exp",
               "--validation-fraction", 0.34, "--seed", 8)
    out = tmp_path / "exp" / ds.name
    assert str(out) in proc.stdout
    cfg = json.loads((out / "careamics.json").read_text())
    assert cfg["careamics_version"] == fc.CAREAMICS_VERSION == "0.3.5"
    assert cfg["data_config"]["data_type"] == "tiff" and cfg["data_config"]["axes"] == "CYX"
    meta = cfg["flamecare"]
    assert sorted(meta["train_ids"] + meta["val_ids"]) == ds.train_ids
    assert meta["test_ids"] == ds.test_ids and len(meta["val_ids"]) == 1
    for split, ids in (("train", meta["train_ids"]), ("val", meta["val_ids"]),
                       ("test", meta["test_ids"])):
        names = sorted(p.name for p in (out / split / "input").iterdir())
        assert names == sorted(p.name for p in (out / split / "target").iterdir())
        assert names == sorted(f"image{i}.tif" for i in ids)
        for i in ids:
            x, y = ds.pair(i)
            ex = tifffile.imread(out / split / "input" / f"image{i}.tif")
            ey = tifffile.imread(out / split / "target" / f"image{i}.tif")
            assert ex.shape == x.shape and ex.dtype == x.dtype   # (C, Y, X)
            np.testing.assert_array_equal(ex, x)
            np.testing.assert_array_equal(ey, y)
    # Exact statistics of the export's train images, per channel.
    norm, quant = cfg["data_config"]["normalization"], cfg["quantile_normalization"]
    for side, prefix in (("input", "input"), ("target", "target")):
        pixels = np.concatenate([ds.pair(i)[0 if side == "input" else 1].reshape(2, -1)
                                 for i in meta["train_ids"]], axis=1).astype(np.float64)
        np.testing.assert_allclose(norm[f"{prefix}_means"], pixels.mean(axis=1), rtol=1e-12)
        np.testing.assert_allclose(norm[f"{prefix}_stds"], pixels.std(axis=1), rtol=1e-12)
        assert quant[f"{prefix}_lower_quantile_values"] == list(np.percentile(pixels, 1, axis=1))
        assert quant[f"{prefix}_upper_quantile_values"] == list(np.percentile(pixels, 99, axis=1))
    # The dataset is untouched and a second export into the same place is refused.
    assert all(os.stat(p).st_nlink == 1 for p in ds.images.input_path)
    again = run(cli, "export", ds.json_path, "--out", tmp_path / "exp", expect=1)
    assert "already exists" in again.stderr
    assert sorted(os.listdir(tmp_path / "exp")) == [ds.name]


def test_careamics_export_one_channel_is_yx_and_links_files_in_its_layout(cli, tmp_path):
    root = tmp_path / "raw"
    run(cli, "synth", root, "--images", 3, "--size", 32, "--frames", 4, "--channels", 1)
    ds = fc.create(root, tmp_path / "ds", tmp_path / "data", input_frames=1, gt_frames=3,
                   seed=2, test_fraction=0, progress=False)
    # A sum already in the export's layout (as a plain YX TIFF) is linked, not copied.
    first = ds.train_ids[0]
    x = tifffile.imread(ds.input_path(first))[0, 0]
    ex0 = fc.export(ds, tmp_path / "plain", progress=False)
    plain = tmp_path / "plain" / ds.name / "train" / "input" / f"image{first}.tif"
    assert tifffile.imread(plain).shape == x.shape and ex0.axes == "YX"
    os.replace(plain, ds.input_path(first))              # the dataset's file now in YX layout
    ex = fc.export(ds, tmp_path / "exp", progress=False)
    linked = ex.folder("train", "input") / f"image{first}.tif"
    assert os.path.samefile(linked, ds.input_path(first))
    assert ex._result.n_linked == 1 and ex._result.n_copied == 2 * len(ds.image_ids) - 1
    np.testing.assert_array_equal(tifffile.imread(linked), x)


def test_a_killed_export_leaves_nothing_that_looks_complete(cli, corpus, tmp_path):
    root, _, _ = corpus
    ds = fc.create(root, tmp_path / "ds", tmp_path / "data", input_frames=1, gt_frames=2,
                   seed=4, progress=False)
    env = dict(os.environ, FLAMECARE_TEST_STOP_AT="export:staged")
    proc = subprocess.Popen([cli, "export", str(ds.json_path), "--out", str(tmp_path / "exp")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # until it stops at the point (its status turns T)
            status = Path(f"/proc/{proc.pid}/stat").read_text().split(")")[1].split()[0]
            if status == "T":
                break
            import time
            time.sleep(0.05)
        assert status == "T"
        assert not (tmp_path / "exp" / ds.name).exists()
        staged = [p.name for p in (tmp_path / "exp").iterdir()]
        assert staged == [f".export-{proc.pid}.partial"]
    finally:
        proc.kill()
        proc.wait()
    # The next export removes the dead one's staging dir and completes.
    ex = fc.export(ds, tmp_path / "exp", progress=False)
    assert sorted(p.name for p in (tmp_path / "exp").iterdir()) == [ds.name]
    assert (ex.dir / "careamics.json").is_file()
