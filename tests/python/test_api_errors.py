"""Every exception class from a real bad input; each is also the matching built-in exception."""
import shutil

import numpy as np
import pytest
import tifffile

import flamecare as fc
from flamecare import _core


def test_missing_file(tmp_path):
    path = tmp_path / "nope.tif"
    with pytest.raises(fc.NotFoundError) as info:
        fc.read_raw(path)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, fc.FlamecareError)
    assert str(info.value).startswith(str(path)), str(info.value)


def test_missing_raw_root(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        fc.update_index(tmp_path / "no_root", tmp_path / "ds", progress=False)
    assert isinstance(info.value, fc.NotFoundError)


def test_truncated_tiff(corpus):
    truncated = corpus[2][1]
    with pytest.raises(fc.CorruptFileError, match="truncated") as info:
        fc.read_raw(truncated)
    assert str(info.value).startswith(str(truncated))
    assert not isinstance(info.value, (ValueError, OSError))


def test_garbage_tif(tmp_path):
    path = tmp_path / "garbage.tif"
    path.write_bytes(b"this is not a TIFF at all" * 10)
    with pytest.raises(fc.CorruptFileError, match="not a TIFF"):
        fc.read_raw(path)


def test_plain_tiff_without_scanimage_metadata(corpus, fixtures_dir):
    for path in (corpus[2][2], fixtures_dir / "real" / "imagej_resave" / "test_00001.tif"):
        with pytest.raises(fc.UnsupportedFileError, match="not a ScanImage file"):
            fc.read_raw(path)


def test_bad_arguments(corpus, tmp_path):
    raw = fc.read_raw(corpus[1][0])
    for start, stop in ((3, 1), (0, 7), (-1, 2)):
        with pytest.raises(fc.InvalidArgumentError, match=r"frames \[") as info:
            raw.frames(start, stop)
        assert isinstance(info.value, ValueError)
    with pytest.raises(ValueError, match="threads"):
        fc.update_index(corpus[0], tmp_path / "ds", threads=-1, progress=False)


def test_io_errors(corpus, tmp_path):
    with pytest.raises(fc.IoError, match="directory") as info:
        fc.read_raw(tmp_path)
    assert isinstance(info.value, OSError)
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(OSError) as info:
        fc.update_index(corpus[0], not_a_dir, progress=False)
    assert isinstance(info.value, fc.IoError)


def test_class_hierarchy():
    for cls, builtin in ((fc.InvalidArgumentError, ValueError),
                         (fc.NotFoundError, FileNotFoundError), (fc.IoError, OSError),
                         (fc.InternalError, RuntimeError), (fc.AlreadyExistsError, FileExistsError),
                         (fc.CorruptFileError, Exception),
                         (fc.UnsupportedFileError, Exception)):
        assert issubclass(cls, fc.FlamecareError) and issubclass(cls, builtin)


def test_multi_slice_stack_pixels_are_unsupported(corpus, tmp_path):
    """A z-stack (the header says 2 slices) opens, but has no (F, C, Y, X) pixel array."""
    data = corpus[1][0].read_bytes()
    key = b"SI.hStackManager.actualNumSlices = 1"
    assert data.count(key) == 1
    path = tmp_path / "zstack.tif"
    path.write_bytes(data.replace(key, key[:-1] + b"2"))
    raw = fc.read_raw(path)
    assert raw.info["slices"] == 2
    with pytest.raises(fc.UnsupportedFileError, match="2 z slices"):
        raw.data
    with pytest.raises(fc.UnsupportedFileError, match="2 z slices"):
        raw.frames(0, 1)


def test_sidecar_that_is_not_a_file(corpus, tmp_path):
    source = corpus[1][0]
    path = tmp_path / "Im_00001.tif"
    path.write_bytes(source.read_bytes())
    (tmp_path / "Im_00001.tileData.txt").mkdir()
    with pytest.raises(fc.IoError, match="tileData.txt"):
        fc.read_raw(path).tile_data


def test_reader_rejects_a_wrong_output_array(corpus):
    reader = _core.RawReader(corpus[1][0])
    with pytest.raises(fc.InvalidArgumentError, match=r"\(1, 2, 64, 64\) int16"):
        reader.read_frames(0, 1, np.empty((1, 2, 64, 64), np.float32))
    with pytest.raises(fc.InvalidArgumentError):
        reader.read_frames(0, 2, np.empty((1, 2, 64, 64), np.int16))
    read_only = np.empty((1, 2, 64, 64), np.int16)
    read_only.flags.writeable = False
    with pytest.raises(TypeError):
        reader.read_frames(0, 1, read_only)
    with pytest.raises(TypeError):
        reader.read_frames(0, 1, np.empty((1, 2, 64, 128), np.int16)[..., ::2])


# --- phase 2: create, Dataset, make_patches, inspect ---------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A dataset of 3 single-channel 32 x 32 stacks with 6 frames."""
    tmp = tmp_path_factory.mktemp("api_errors")
    corpus = fc.synth(tmp / "raw", images=3, size=32, frames=6, channels=1, seed=2)
    ds = fc.create(corpus.root, tmp / "datasets", tmp / "data", input_frames=2, gt_frames=6,
                   test_fraction=0.34, seed=1, progress=False)
    return tmp, corpus, ds


def test_create_argument_errors(small, tmp_path):
    tmp, corpus, _ = small
    for kwargs, match in (({"input_frames": 5, "gt_frames": 5}, "must be more than input"),
                          ({"test_fraction": 1.0}, "test fraction"),
                          ({"seed": -1}, "seed"),
                          ({"threads": -2}, "threads"),
                          ({"threads": "all"}, "threads must be an integer"),
                          ({"date": "20251301"}, "calendar date"),
                          ({"ladder": [5, 3]}, "ladder"),
                          ({"type": "de noising"}, "type")):
        with pytest.raises(fc.InvalidArgumentError, match=match) as info:
            fc.create(corpus.root, tmp_path / "ds", tmp_path / "out", progress=False, **kwargs)
        assert isinstance(info.value, ValueError)
    with pytest.raises(ValueError, match="inside the raw root"):
        fc.create(corpus.root, tmp_path / "ds", corpus.root / "out", gt_frames=6, progress=False)
    assert not (tmp_path / "ds").exists() or not list((tmp_path / "ds").glob("*.json"))


def test_create_not_found(small, tmp_path):
    tmp, corpus, _ = small
    with pytest.raises(fc.NotFoundError, match="raw root"):
        fc.create(tmp_path / "nothing", tmp_path / "ds", tmp_path / "out", progress=False)
    # The stacks have 6 frames: none qualifies for 40.
    with pytest.raises(FileNotFoundError, match="40 frames"):
        fc.create(corpus.root, tmp_path / "ds", tmp_path / "out", gt_frames=40, progress=False)


def test_create_mixed_channel_counts_are_unsupported(small, tmp_path):
    _, corpus, _ = small
    fc.synth(tmp_path / "raw" / "two", images=2, size=32, frames=6, channels=2, seed=3)
    fc.synth(tmp_path / "raw" / "one", images=3, size=32, frames=6, channels=1, seed=4)
    with pytest.raises(fc.UnsupportedFileError, match="channel") as info:
        fc.create(tmp_path / "raw", tmp_path / "ds", tmp_path / "out", input_frames=2,
                  gt_frames=6, progress=False)
    assert not list((tmp_path / "ds").glob("*.json"))
    ds = fc.create(tmp_path / "raw", tmp_path / "ds", tmp_path / "out", input_frames=2,
                   gt_frames=6, channels=1, seed=1, progress=False)
    assert ds.channels == 1 and len(ds.image_ids) == 3


def test_create_io_error_when_out_is_a_file(small, tmp_path):
    _, corpus, _ = small
    out = tmp_path / "out"
    out.write_text("a file, not a folder")
    with pytest.raises(fc.IoError) as info:
        fc.create(corpus.root, tmp_path / "ds", out, input_frames=2, gt_frames=6, progress=False)
    assert isinstance(info.value, OSError) and str(out) in str(info.value)


def test_dataset_open_errors(small, tmp_path):
    tmp, _, ds = small
    with pytest.raises(fc.NotFoundError, match=ds.name):  # lists what exists
        fc.Dataset.open("no_such_dataset", tmp / "datasets")
    broken = tmp_path / "broken.json"
    broken.write_text('{"FLAME_Dataset": ')
    with pytest.raises(fc.CorruptFileError, match="broken.json: not valid JSON") as info:
        fc.Dataset.open(broken)
    assert "json.exception" not in str(info.value)
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(fc.IoError, match="folder.json"):
        fc.Dataset.open(tmp_path / "folder.json")


def test_dataset_pair_and_stats_errors(small, tmp_path):
    tmp, _, ds = small
    with pytest.raises(fc.NotFoundError, match="12345"):
        ds.pair(12345)
    with pytest.raises(fc.NotFoundError):
        ds.input_path(12345)
    with pytest.raises(fc.InvalidArgumentError, match="which"):
        ds.stats("train")
    # A sum TIFF replaced by one of another shape: the JSON and the data disagree.
    data = tmp_path / "copy"
    shutil.copytree(ds.data_dir, data / ds.name)
    text = ds.json_path.read_text().replace(str(ds.data_dir), str(data / ds.name))
    (tmp_path / f"{ds.name}.json").write_text(text)
    copy = fc.Dataset.open(tmp_path / f"{ds.name}.json")
    first, second = copy.image_ids[:2]
    copy.pair(second)
    tifffile.imwrite(copy.input_path(second), np.zeros((1, 1, 8, 8), np.int32))
    with pytest.raises(fc.CorruptFileError, match=r"shape \(1, 8, 8\) but the dataset records"):
        copy.pair(second)
    copy.input_path(first).unlink()
    with pytest.raises(fc.NotFoundError, match=f"image{first}_frames2.tif"):
        copy.pair(first)


def test_make_patches_errors(small, tmp_path):
    tmp, _, ds = small
    for kwargs, match in (({"patch_size": 1}, "patch size"), ({"patch_size": 64}, "smaller than the patch size 64"),
                          ({"background_threshold": 2}, "background threshold"),
                          ({"patches_per_image": 0}, "patches per image"),
                          ({"seed": 2**64}, "seed")):
        with pytest.raises(fc.InvalidArgumentError, match=match):
            fc.make_patches(ds, progress=False, out_dir=tmp_path / "p", **kwargs)
    with pytest.raises(fc.NotFoundError):
        fc.make_patches("no_such_dataset", datasets_dir=tmp / "datasets", progress=False)
    first = fc.make_patches(ds, patch_size=16, seed=5, out_dir=tmp_path / "p", progress=False)
    with pytest.raises(fc.AlreadyExistsError, match=first.npz_path.name) as info:
        fc.make_patches(ds, patch_size=16, seed=6, out_dir=tmp_path / "p", progress=False)
    assert isinstance(info.value, FileExistsError)
    assert first.load()[0].shape[0] == first.n_patches  # untouched


def test_inspect_errors(tmp_path):
    with pytest.raises(fc.NotFoundError, match="no such file"):
        fc.inspect(tmp_path / "none.tif")
    with pytest.raises(fc.InvalidArgumentError, match="is a directory"):
        fc.inspect(tmp_path)


def test_synth_errors(tmp_path):
    with pytest.raises(fc.InvalidArgumentError, match="size"):
        fc.synth(tmp_path / "s", size=4)
    with pytest.raises(fc.InvalidArgumentError, match="float64"):
        fc.synth(tmp_path / "s", dtype="float64")
    with pytest.raises(fc.InvalidArgumentError, match="not a pixel type"):
        fc.synth(tmp_path / "s", dtype="complex")
