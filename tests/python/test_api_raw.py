"""fc.read_raw checked against tifffile, json and numpy on synthetic and real ScanImage files."""
import json
import math
import threading

import numpy as np
import pytest
import tifffile

import flamecare as fc

REAL = "real"


def same(a, b):
    """Equal values, types included, with NaN equal to NaN (header values)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def tifffile_fcyx(path, shape):
    """tifffile's pixels of a stack, reshaped to (F, C, Y, X) (tifffile squeezes C = 1)."""
    data = tifffile.imread(path)
    assert data.size == math.prod(shape), (data.shape, shape)
    return data.reshape(shape)


def assert_header_equal(header, expected):
    assert set(header) == set(expected), set(header) ^ set(expected)
    wrong = {k: (header[k], expected[k]) for k in expected if not same(header[k], expected[k])}
    assert not wrong, wrong


def test_synthetic_stacks_match_tifffile(corpus):
    _, good, _ = corpus
    for path in good:
        raw = fc.read_raw(path)
        assert raw.path == path
        assert raw.shape == (6, 2, 64, 64) and raw.dtype == np.int16
        want = tifffile_fcyx(path, raw.shape)
        assert raw.data.dtype == np.int16 and np.array_equal(raw.data, want), path
        for start, stop in ((0, 6), (0, 1), (2, 5), (5, 6), (3, 3)):
            got = raw.frames(start, stop)
            assert got.shape == (stop - start, 2, 64, 64) and got.dtype == np.int16
            assert np.array_equal(got, want[start:stop]), (path, start, stop)
        with open(path.with_name(path.stem + ".tileData.txt")) as f:
            assert raw.tile_data == json.load(f)
        with tifffile.TiffFile(path) as tif:
            assert_header_equal(raw.header, tif.scanimage_metadata["FrameData"])
        assert raw.header["SI.hStackManager.framesPerSlice"] == 6
        assert raw.header["SI.hChannels.channelSave"] == [[1], [2]]


def test_data_is_read_once_and_read_only(corpus):
    raw = fc.read_raw(corpus[1][0])
    data = raw.data
    assert raw.data is data and not data.flags.writeable
    frames = raw.frames(0, 2)
    assert frames.flags.writeable and not np.shares_memory(frames, data)


def test_repr_and_info(corpus):
    path = corpus[1][0]
    raw = fc.read_raw(str(path))
    text = repr(raw)
    assert str(path) in text and "(6, 2, 64, 64)" in text and "int16" in text, text
    assert raw.info["format"] == "BigTIFF" and raw.info["pages"] == 12
    assert raw.info["metadata_frames"] == 6 and raw.info["saved_channels"] == [1, 2]


def test_unusable_but_readable_files(corpus):
    summed, _, _, no_sidecar, bad_json = corpus[2]
    # An already-summed image: one frame on disk, while its sidecar still says 6.
    raw = fc.read_raw(summed)
    assert raw.shape == (1, 2, 64, 64) and raw.tile_data["TileData"]["framesPerTile"] == 6
    assert np.array_equal(raw.data, tifffile_fcyx(summed, raw.shape))
    assert fc.read_raw(no_sidecar).tile_data is None
    raw = fc.read_raw(bad_json)
    assert raw.data.shape == (6, 2, 64, 64)
    with pytest.raises(fc.CorruptFileError, match="tileData.txt"):
        raw.tile_data


def test_real_scanimage_2016_bigtiff(fixtures_dir):
    path = fixtures_dir / REAL / "tiffstack" / "TS_UnitTestImage_BigTIFF.tif"
    raw = fc.read_raw(path)
    assert raw.shape == (3, 1, 512, 512) and raw.dtype == np.int16
    assert np.array_equal(raw.data, tifffile_fcyx(path, raw.shape))
    # Values the fixtures' README records (read with tifffile 2023.2.3).
    assert raw.data[0, 0, 0, 0] == -6 and raw.data[1, 0, 10, 20] == -9
    assert raw.data[2, 0, 511, 511] == 12 and int(raw.data.sum()) == 4682469
    assert np.array_equal(raw.frames(1, 3), raw.data[1:3])
    with tifffile.TiffFile(path) as tif:
        assert_header_equal(raw.header, tif.scanimage_metadata["FrameData"])
    assert raw.header["SI.hStackManager.framesPerSlice"] == math.inf
    assert raw.tile_data is None


def test_real_scanimage_3_8(fixtures_dir):
    path = fixtures_dir / REAL / "scanimage38" / "Blank-IPA_1s_16r_032.tif"
    raw = fc.read_raw(path)
    assert raw.shape == (30, 1, 64, 64) and raw.dtype == np.uint16
    assert np.array_equal(raw.data, tifffile_fcyx(path, raw.shape))
    assert raw.data[29, 0, 63, 63] == 45 and int(raw.data.sum()) == 5767841
    with tifffile.TiffFile(path) as tif:
        expected = tifffile.matlabstr2py(tif.pages[0].description)
    assert_header_equal(raw.header, expected)
    assert raw.header["state.acq.numberOfFrames"] == 30


def test_two_threads_share_one_raw_image(corpus):
    raw = fc.read_raw(corpus[1][1])
    want = tifffile_fcyx(corpus[1][1], raw.shape)
    results, errors = [], []

    def read(start, stop):
        try:
            for _ in range(50):
                results.append((start, np.array_equal(raw.frames(start, stop), want[start:stop])))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=read, args=r) for r in ((0, 6), (1, 4))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 100 and all(ok for _, ok in results)
