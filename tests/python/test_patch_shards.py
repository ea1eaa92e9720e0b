"""fc.plan_patches / fc.patches_shard / fc.patches_merge: the same npz, validation npz and config
as one fc.make_patches run (numpy and json compare the content), any shard order, plan objects or
paths; and the refusals, which write nothing."""
import json

import numpy as np
import pytest

import flamecare as fc


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    """A dataset of two image sizes (48 and 40 pixels)."""
    tmp = tmp_path_factory.mktemp("patch_shards")
    fc.synth(tmp / "raw" / "a", images=3, size=48, frames=8, channels=2, seed=6)
    fc.synth(tmp / "raw" / "b", images=3, size=40, frames=8, channels=2, seed=7)
    return fc.create(tmp / "raw", tmp / "datasets", tmp / "data", input_frames=2, gt_frames=8,
                     test_fraction=0, seed=2, progress=False)


def assert_same_npz(a, b):
    with np.load(a) as fa, np.load(b) as fb:
        assert sorted(fa.files) == sorted(fb.files)
        for key in fa.files:
            assert np.array_equal(fa[key], fb[key]), key
    assert a.read_bytes() == b.read_bytes()


def without_times(config):
    config = json.loads(json.dumps(config))
    config["FLAME_Dataset"].pop("created", None)
    return config


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("all_channels", [False, True])
def test_sharded_equals_one_run(ds, tmp_path, n, all_channels):
    args = dict(patch_size=16, all_channels=all_channels, seed=11, progress=False,
                validation_fraction=0.3)
    one = fc.make_patches(ds, out_dir=tmp_path / "one", **args)
    plan = fc.plan_patches(ds, out_dir=tmp_path / "sharded", **args)
    assert plan.path.is_absolute() and plan.path.name == one.npz_path.stem + ".plan.json"
    assert plan.seed == 11 and plan.n_samples == len(ds.train_ids) * (1 if all_channels else 2)
    for k in reversed(range(1, n + 1)):  # any order; paths or plan objects
        state = fc.patches_shard(plan if k % 2 else str(plan.path), k, n, threads=2,
                                 progress=False)
        assert state.is_file()
    merged = fc.patches_merge(plan.path, progress=False)
    assert merged.npz_path == plan.npz_path
    assert_same_npz(one.npz_path, merged.npz_path)
    assert_same_npz(one.val_npz_path, merged.val_npz_path)
    assert without_times(one.config) == without_times(merged.config)
    assert merged.validation_ids == one.validation_ids and merged.n_patches == one.n_patches
    assert not list(plan.path.parent.glob("*.shard-*"))


def test_bad_shard_numbers_are_refused(ds, tmp_path):
    plan = fc.plan_patches(ds, patch_size=16, seed=1, out_dir=tmp_path, progress=False)
    for k, n in [(0, 2), (3, 2), (1, 0), (-1, 1)]:
        with pytest.raises(fc.InvalidArgumentError, match="1 <= K <= N"):
            fc.patches_shard(plan, k, n, progress=False)


def test_merge_with_a_shard_missing_writes_nothing(ds, tmp_path):
    plan = fc.plan_patches(ds, patch_size=16, seed=1, out_dir=tmp_path, progress=False)
    fc.patches_shard(plan, 1, 3, progress=False)
    fc.patches_shard(plan, 3, 3, progress=False)
    with pytest.raises(fc.NotFoundError, match="shard 2/3 has not finished"):
        fc.patches_merge(plan, progress=False)
    assert not plan.npz_path.exists()
    assert not plan.npz_path.with_suffix(".json").exists()


def test_merge_of_a_stale_plan_is_refused(ds, tmp_path):
    plan = fc.plan_patches(ds, patch_size=16, seed=1, out_dir=tmp_path, progress=False)
    fc.patches_shard(plan, 1, 1, progress=False)
    fc.plan_patches(ds, patch_size=16, seed=2, out_dir=tmp_path, progress=False)
    with pytest.raises(fc.CorruptFileError, match="stale"):
        fc.patches_merge(plan, progress=False)
    assert not plan.npz_path.exists()


def test_plan_refuses_an_existing_npz(ds, tmp_path):
    fc.make_patches(ds, patch_size=16, seed=1, out_dir=tmp_path, progress=False)
    with pytest.raises(fc.AlreadyExistsError):
        fc.plan_patches(ds, patch_size=16, seed=1, out_dir=tmp_path, progress=False)


def test_missing_plan(tmp_path):
    with pytest.raises(fc.NotFoundError):
        fc.patches_merge(tmp_path / "no.plan.json", progress=False)
