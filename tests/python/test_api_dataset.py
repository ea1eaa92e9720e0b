"""fc.create, fc.Dataset, fc.list_datasets, fc.synth: every value checked against numpy/tifffile
recomputed from the raw pages (bidirectional correction included), not against flamecare."""
import json
import logging
import os

import numpy as np
import pandas as pd
import pytest
import tifffile

import flamecare as fc

from flamecare_testlib import bidirectional, raw_stack, sidecar

N_IN, N_GT = 3, 10
PERCENTILES = [(0.1, "p0.1"), (1, "p1"), (5, "p5"), (95, "p95"), (99, "p99"), (99.9, "p99.9")]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A corpus written by fc.synth (5 good int16 stacks with 2 channels, some with a
    bidirectional correction, and 5 unusable files) and one dataset made by fc.create."""
    tmp = tmp_path_factory.mktemp("api_dataset")
    corpus = fc.synth(tmp / "raw", images=5, size=48, frames=N_GT + 2, channels=2, seed=3,
                      with_bad_files=True)
    ds = fc.create(tmp / "raw", tmp / "datasets", tmp / "data", input_frames=N_IN,
                   gt_frames=N_GT, test_fraction=0.4, seed=7, date="20250101", progress=False)
    return tmp, corpus, ds


def expected_sums(corpus_root, ds):
    """{image id: (input sum, ground-truth sum)} recomputed with tifffile and numpy."""
    out = {}
    for image in ds.images.itertuples():
        tif = corpus_root / image.image
        stack = raw_stack(tif).astype(np.int64)
        b = int(sidecar(tif).get("bidirectionalCorrection") or 0)
        out[image.id] = tuple(bidirectional(stack[:n].sum(axis=0), b) for n in (N_IN, N_GT))
    return out


def test_synth_writes_the_corpus(made):
    tmp, corpus, _ = made
    assert corpus.root == tmp / "raw"
    assert len(corpus.good) == 5 and len(corpus.bad) == 5
    for path in corpus.good:
        assert raw_stack(path).shape == (N_GT + 2, 2, 48, 48)
    assert any(sidecar(p).get("bidirectionalCorrection") for p in corpus.good)


def test_dataset_attributes_match_its_json_file(made):
    tmp, corpus, ds = made
    assert isinstance(ds, fc.Dataset)
    path = tmp / "datasets" / "20250101_5I_denoising_3to10F.json"
    with open(path) as f:
        on_disk = json.load(f)
    d = on_disk["FLAME_Dataset"]
    assert ds.json == on_disk
    assert ds.name == d["name"] == "20250101_5I_denoising_3to10F"
    assert ds.id == d["id"] == "0x0001"
    assert ds.seed == d["seed"] == 7 and ds.type == "denoising"
    assert ds.image_ids == d["image_ids"] and len(ds.image_ids) == 5
    assert ds.test_ids == d["test_ids"] and len(ds.test_ids) == 2
    assert ds.train_ids == [i for i in d["image_ids"] if i not in d["test_ids"]]
    assert (ds.input_frames, ds.gt_frames, ds.channels) == (N_IN, N_GT, 2)
    assert ds.json_path.resolve() == path.resolve()
    assert ds.data_dir == tmp / "data" / ds.name
    assert ds.raw_root.resolve() == (tmp / "raw").resolve()
    assert ds.test_fraction == 0.4
    images = ds.images
    assert list(images["id"]) == ds.image_ids
    assert list(images["split"]) == ["test" if i in ds.test_ids else "train" for i in ds.image_ids]
    assert set(images["image"]) == {str(p.relative_to(corpus.root)) for p in corpus.good}
    for row in images.itertuples():
        assert row.input_path == ds.input_path(row.id) == \
            ds.data_dir / row.split / f"image{row.id}_frames{N_IN}.tif"
        assert row.ground_truth_path == ds.data_dir / row.split / f"image{row.id}_frames{N_GT}.tif"
        b = int(sidecar(corpus.root / row.image).get("bidirectionalCorrection") or 0)
        assert row.bidirectional_correction == b
        assert (row.channels, row.height, row.width) == (2, 48, 48 - abs(b))
    assert repr(ds) == ("Dataset('20250101_5I_denoising_3to10F', id=0x0001, images=5 (train 3, "
                        "test 2), frames 3->10 (nested), channels=2, seed=7)")


def test_pair_is_the_sum_of_the_raw_pages(made):
    tmp, corpus, ds = made
    want = expected_sums(corpus.root, ds)
    for image_id in ds.image_ids:
        x, y = ds.pair(image_id)
        assert x.dtype == np.int32 and y.dtype == np.int32
        assert x.flags.c_contiguous and x.flags.writeable
        assert np.array_equal(x, want[image_id][0]) and np.array_equal(y, want[image_id][1])
        # The same arrays as tifffile reads from the TIFFs, shape (1, C, Y, X).
        assert np.array_equal(tifffile.imread(ds.input_path(image_id))[0], x)


def test_stats_equal_numpy(made):
    tmp, corpus, ds = made
    want = expected_sums(corpus.root, ds)
    for which, k in (("input", 0), ("output", 1)):
        sums = [want[i][k] for i in ds.image_ids]
        per_channel = np.concatenate([s.reshape(2, -1) for s in sums], axis=1)
        everything = per_channel.ravel()
        stats = ds.stats(which)
        for q, key in PERCENTILES:
            assert stats[key].dtype == np.float64 and stats[key].shape == (2,)
            assert list(stats[key]) == [np.percentile(per_channel[c], q) for c in range(2)], key
        assert stats["min"] == everything.min() and stats["max"] == everything.max()
        assert stats["mean"] == everything.mean(dtype=np.float64)
        assert stats["std"] == pytest.approx(everything.std(dtype=np.float64), rel=1e-12)
        assert np.allclose(stats["channel_mean"], per_channel.mean(axis=1), rtol=1e-12)
        assert stats["n_frames"] == (N_IN, N_GT)[k] and stats["n_pixels"] == everything.size
    assert ds.stats("gt")["p99"].tolist() == ds.stats("output")["p99"].tolist()


def test_open_by_name_or_path_and_list(made):
    tmp, _, ds = made
    by_name = fc.Dataset.open(ds.name, tmp / "datasets")
    by_path = fc.Dataset.open(tmp / "datasets" / f"{ds.name}.json")
    for other in (by_name, by_path):
        assert other.json == ds.json and other.name == ds.name
        assert np.array_equal(other.pair(ds.image_ids[0])[1], ds.pair(ds.image_ids[0])[1])
    (listed,) = fc.list_datasets(tmp / "datasets")
    assert listed.json == ds.json
    assert fc.list_datasets(tmp / "no-such-dir") == []


def test_list_warns_about_stray_json(made, tmp_path, caplog):
    tmp, _, ds = made
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / f"{ds.name}.json").write_bytes(ds.json_path.read_bytes())
    (folder / "notes.json").write_text('{"hello": 1}')
    with caplog.at_level(logging.WARNING, logger="flamecare"):
        listed = fc.list_datasets(folder)
    assert [d.name for d in listed] == [ds.name]
    assert any("notes.json" in r.getMessage() for r in caplog.records), caplog.text


def test_ladder_and_a_second_dataset(made, tmp_path):
    tmp, corpus, _ = made
    rungs = fc.create(corpus.root, tmp_path / "ds", tmp_path / "out", test_fraction=0.4, seed=7,
                      date="20250101", ladder=[2, 5, 10], progress=False)
    assert [d.name for d in rungs] == ["20250101_5I_denoising_2to5F",
                                       "20250101_5I_denoising_5to10F"]
    assert rungs[0].test_ids == rungs[1].test_ids
    assert [d.id for d in rungs] == ["0x0001", "0x0002"]
    again = fc.create(corpus.root, tmp_path / "ds", tmp_path / "out", input_frames=2,
                      gt_frames=5, seed=1, date="20250101", progress=False)
    assert again.name == "20250101_5I_denoising_2to5F_2" and again.id == "0x0003"


def test_fresh_seed_is_recorded(made, tmp_path):
    _, corpus, _ = made
    ds = fc.create(corpus.root, tmp_path / "ds", tmp_path / "out", input_frames=2, gt_frames=4,
                   progress=False)
    assert isinstance(ds.seed, int) and ds.json["FLAME_Dataset"]["seed"] == ds.seed


def test_progress_bars_for_the_stages(made, tmp_path, capfd):
    _, corpus, _ = made
    fc.create(corpus.root, tmp_path / "ds", tmp_path / "out", input_frames=2, gt_frames=4,
              seed=1, progress=True)
    err = capfd.readouterr().err
    for stage in ("screening", "summing"):
        assert stage in err, err
    assert "5/5" in err, err


def test_warnings_about_bad_files_go_to_the_logger(made, tmp_path, caplog):
    _, corpus, _ = made
    with caplog.at_level(logging.INFO, logger="flamecare"):
        fc.create(corpus.root, tmp_path / "ds", tmp_path / "out", input_frames=2, gt_frames=4,
                  seed=1, progress=False)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for bad in corpus.bad:
        assert any(bad.name in w for w in warnings), (bad, warnings)
    assert any("not used" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_images_table_is_a_dataframe(made):
    _, _, ds = made
    assert isinstance(ds.images, pd.DataFrame) and len(ds.images) == 5
    assert os.path.isfile(ds.images["ground_truth_path"][0])
