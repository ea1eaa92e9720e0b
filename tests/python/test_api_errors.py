"""Every exception class from a real bad input; each is also the matching built-in exception."""
import pytest

import flamecare as fc


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
