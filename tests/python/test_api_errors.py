"""Every exception class from a real bad input; each is also the matching built-in exception."""
import numpy as np
import pytest

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
                         (fc.InternalError, RuntimeError), (fc.CorruptFileError, Exception),
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
