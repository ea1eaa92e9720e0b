"""fc.inspect: the dict `flamecare inspect --json` prints (one C++ function makes both), the
sidecar's path and state, folders and missing files."""
import json

import pytest

import flamecare as fc

from flamecare_testlib import run


def cli_json(cli, path):
    return json.loads(run(cli, "inspect", "--json", path).stdout)


def test_inspect_equals_the_cli_json(cli, corpus):
    _, good, bad = corpus
    for path in good + bad:
        assert fc.inspect(path) == cli_json(cli, path), path


def test_usable_image(corpus):
    _, good, _ = corpus
    info = fc.inspect(good[0])
    assert info["usable"] is True and info["reason"] == ""
    assert (info["frames"], info["channels"], info["height"], info["width"]) == (6, 2, 64, 64)
    assert info["dtype"] == "int16" and info["format"] == "BigTIFF"
    assert info["sidecar_state"] == "valid" and info["sidecar_problem"] == ""
    assert info["sidecar_path"] == str(good[0].with_name(good[0].stem + ".tileData.txt"))
    assert info["sidecar"]["frames_per_tile"] == 6


def test_sidecar_states(corpus, fixtures_dir, tmp_path):
    _, good, bad = corpus
    tif = tmp_path / "a.tif"
    tif.write_bytes(good[0].read_bytes())
    side = tmp_path / "a.tileData.txt"
    assert fc.inspect(tif)["sidecar_state"] == "missing"
    assert fc.inspect(tif)["reason"].startswith("no_sidecar: ")
    side.write_text('{"TileData": {"tileID": 1,')
    info = fc.inspect(tif)
    assert info["sidecar_state"] == "invalid" and info["sidecar"] is None
    assert info["sidecar_problem"].startswith("malformed JSON at byte "), info
    assert "json.exception" not in info["sidecar_problem"] + info["reason"]
    assert str(side) not in info["sidecar_problem"]  # the path is in sidecar_path
    # A valid sidecar beside a TIFF that is not ScanImage is still shown as valid.
    imagej = tmp_path / "ij.tif"
    imagej.write_bytes((fixtures_dir / "real" / "tiffstack" / "TS_UnitTestImage.tif").read_bytes())
    (tmp_path / "ij.tileData.txt").write_bytes(
        good[0].with_name(good[0].stem + ".tileData.txt").read_bytes())
    info = fc.inspect(imagej)
    assert info["reason"].startswith("not_scanimage: ") and info["format"] is None
    assert info["sidecar_state"] == "valid" and info["sidecar"]["frames_per_tile"] == 6


def test_folder_is_a_usage_error(cli, tmp_path):
    (tmp_path / "d.tif").mkdir()
    with pytest.raises(fc.InvalidArgumentError, match="is a directory"):
        fc.inspect(tmp_path / "d.tif")
    proc = run(cli, "inspect", tmp_path / "d.tif", expect=2)
    assert "is a directory; inspect takes one raw image file" in proc.stderr
    with pytest.raises(fc.NotFoundError):
        fc.inspect(tmp_path / "none.tif")
