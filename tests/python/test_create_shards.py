"""fc.plan_create / fc.create_shard / fc.create_merge: the dataset of one fc.create (checked
with numpy/tifffile against it), plan objects or paths, and the errors."""
import json
import shutil

import numpy as np
import pytest
import tifffile

import flamecare as fc

ARGS = dict(input_frames=2, gt_frames=6, test_fraction=0.4, seed=11, date="20260101",
            threads=2, progress=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Two image sizes and unusable files, indexed; plus one dataset made by fc.create."""
    tmp = tmp_path_factory.mktemp("shards")
    fc.synth(tmp / "raw" / "a", images=3, size=40, frames=8, channels=2, seed=1,
             with_bad_files=True)
    fc.synth(tmp / "raw" / "b", images=3, size=32, frames=8, channels=2, seed=2)
    fc.update_index(tmp / "raw", tmp / "ds0", progress=False)
    shutil.copytree(tmp / "ds0", tmp / "ds-one")
    one = fc.create(tmp / "raw", tmp / "ds-one", tmp / "out-one", **ARGS)
    return tmp, one


def strip(path):
    d = json.loads(path.read_text())
    f = d["FLAME_Dataset"]
    for key in ("created", "data_dir"):
        f.pop(key)
    for key in ("out", "datasets"):
        f["create_options"].pop(key)
    return d


@pytest.mark.parametrize("n", [1, 2, 5])
def test_sharded_equals_one_create(corpus, n):
    tmp, one = corpus
    shutil.copytree(tmp / "ds0", tmp / f"ds-{n}")
    plan = fc.plan_create(tmp / "raw", tmp / f"ds-{n}", tmp / f"out-{n}", **ARGS)
    assert isinstance(plan, fc.CreatePlan)
    assert (plan.name, plan.id, plan.seed, plan.n_images) == (one.name, one.id, 11, 6)
    assert plan.path == tmp / f"out-{n}" / f"{one.name}.plan.json"
    for k in range(n, 0, -1):  # any order; the path works as well as the object
        state = fc.create_shard(plan if k % 2 else str(plan.path), k, n, threads=1,
                                progress=False)
        assert state.name == f"shard-{k}-of-{n}.json"
    ds = fc.create_merge(plan, progress=False)
    assert isinstance(ds, fc.Dataset)
    assert strip(ds.json_path) == strip(one.json_path)
    assert ds.test_ids == one.test_ids
    for i in one.image_ids:
        for mine, theirs in ((ds.input_path(i), one.input_path(i)),
                             (ds.ground_truth_path(i), one.ground_truth_path(i))):
            np.testing.assert_array_equal(tifffile.imread(mine), tifffile.imread(theirs))
            assert mine.read_bytes() == theirs.read_bytes()
    assert not plan.path.exists()
    assert sorted(p.name for p in (tmp / f"out-{n}").iterdir()) == [one.name]


def test_open_plan_and_reservation(corpus):
    tmp, one = corpus
    shutil.copytree(tmp / "ds0", tmp / "ds-res")
    first = fc.plan_create(tmp / "raw", tmp / "ds-res", tmp / "out-res", **ARGS)
    second = fc.plan_create(tmp / "raw", tmp / "ds-res", tmp / "out-res", **ARGS)
    assert second.name == f"{one.name}_2" and second.id != first.id
    again = fc.CreatePlan.open(first.path)
    assert (again.name, again.id, again.seed, again.n_images) == \
        (first.name, first.id, first.seed, first.n_images)
    assert "CreatePlan(" in repr(again)
    plain = fc.create(tmp / "raw", tmp / "ds-res", tmp / "out-res", **ARGS)
    assert plain.name == f"{one.name}_3"


def test_errors(corpus):
    tmp, _ = corpus
    shutil.copytree(tmp / "ds0", tmp / "ds-err")
    plan = fc.plan_create(tmp / "raw", tmp / "ds-err", tmp / "out-err", **ARGS)
    with pytest.raises(fc.InvalidArgumentError, match="1 <= K <= N"):
        fc.create_shard(plan, 3, 2, progress=False)
    with pytest.raises(fc.NotFoundError, match="no shard has finished"):
        fc.create_merge(plan, progress=False)
    fc.create_shard(plan, 1, 2, progress=False)
    with pytest.raises(fc.NotFoundError, match="shard 2/2 of 2 not finished"):
        fc.create_merge(plan, progress=False)
    assert not list((tmp / "ds-err").glob("2026*.json"))
    with pytest.raises(fc.NotFoundError):
        fc.create_shard(tmp / "nope.plan.json", 1, 2, progress=False)
    with pytest.raises(fc.CorruptFileError):
        fc.CreatePlan.open(tmp / "ds0" / "raw_image_index.csv")
