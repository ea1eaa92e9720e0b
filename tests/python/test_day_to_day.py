"""Day-to-day use read from Python: `datasets --json`, the config `show --config` prints (TOML,
read with tomllib) re-making the same sums, and `remove` asking on a real terminal."""
import json
import os
import pty
import subprocess
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tifffile

from flamecare_testlib import run


@pytest.fixture(scope="module")
def made(cli, tmp_path_factory):
    """A corpus, one dataset with test ids and an npz in and out of its data folder."""
    tmp = tmp_path_factory.mktemp("day")
    run(cli, "synth", tmp / "raw", "--images", 5, "--size", 48, "--frames", 8, "--channels", 2,
        "--seed", 4)
    proc = run(cli, "create", tmp / "raw", "--datasets", tmp / "ds", "--out", tmp / "out",
               "--input-frames", 2, "--gt-frames", 6, "--test-ids", "1,3", "--seed", 9,
               "--date", "20250101")
    name = proc.stdout.split()[1]
    run(cli, "patches", name, "--datasets", tmp / "ds", "--patch-size", 16, "--seed", 1)
    run(cli, "patches", name, "--datasets", tmp / "ds", "--patch-size", 16, "--seed", 1,
        "--out", tmp / "npz")
    return tmp, name


def test_datasets_json_describes_every_dataset(cli, made):
    tmp, name = made
    listed = json.loads(run(cli, "datasets", "--datasets", tmp / "ds", "--json").stdout)
    assert [d["name"] for d in listed] == [name]
    entry = listed[0]
    with open(tmp / "ds" / f"{name}.json") as f:
        d = json.load(f)["FLAME_Dataset"]
    assert entry["id"] == d["id"] and entry["created"] == d["created"]
    assert (entry["n_images"], entry["n_train"], entry["n_test"]) == (5, 3, 2)
    assert d["test_ids"] == [1, 3], "--test-ids gave exactly those"
    assert (entry["input_frames"], entry["gt_frames"], entry["seed"]) == (2, 6, 9)
    assert (entry["pairing"], entry["group_by"]) == ("nested", "image")
    assert entry["json"] == str(tmp / "ds" / f"{name}.json")
    assert entry["data_dir"] == str(tmp / "out" / name) == d["data_dir"]
    npz = sorted(entry["npz_files"])
    assert npz == sorted(str(p / name / f"{name}_patch16_12PpI_1Chan.npz")
                         for p in (tmp / "out", tmp / "npz"))
    for path in npz:  # what the list names is what numpy loads, traced to train images only
        with np.load(path) as f:
            assert f["coords"].dtype == np.int32
            assert set(np.unique(f["coords"][:, 0])) <= {0, 2, 4}


def test_show_config_makes_the_same_sums_again(cli, made, tmp_path):
    tmp, name = made
    text = run(cli, "show", name, "--datasets", tmp / "ds", "--config").stdout
    config = tomllib.loads(text)
    with open(tmp / "ds" / f"{name}.json") as f:
        first = json.load(f)["FLAME_Dataset"]
    recorded = first["create_options"]
    assert config == {k.replace("_", "-"): v for k, v in recorded.items()}, text
    assert config["test-ids"] == [1, 3] and config["raw-root"] == str(tmp / "raw")
    (tmp_path / "remake.toml").write_text(text)
    proc = run(cli, "create", "--config", tmp_path / "remake.toml")
    again = json.loads(Path(proc.stdout.split("json:")[1].split()[0]).read_text())["FLAME_Dataset"]
    assert again["name"] != first["name"]
    for key in ("image_ids", "test_ids", "input", "output", "seed", "create_options"):
        assert again[key] == first[key], key
    for image in first["images"]:
        for n in (2, 6):
            rel = Path(image["split"]) / f"image{image['id']}_frames{n}.tif"
            a = tifffile.imread(Path(first["data_dir"]) / rel)
            b = tifffile.imread(Path(again["data_dir"]) / rel)
            assert np.array_equal(a, b), rel


def answer_on_a_terminal(cli, args, answer):
    """Runs the CLI with a pseudo-terminal as stdin and the answer typed ahead (the terminal keeps
    it until the prompt reads it); returns (exit code, stdout + stderr)."""
    main, child = pty.openpty()
    os.write(main, (answer + "\n").encode())
    try:
        proc = subprocess.run([str(cli), *map(str, args)], stdin=child, capture_output=True,
                              text=True, timeout=120)
    finally:
        os.close(child)
        os.close(main)
    return proc.returncode, proc.stdout + proc.stderr


def test_remove_asks_on_a_terminal(cli, tmp_path):
    run(cli, "synth", tmp_path / "raw", "--images", 2, "--size", 32, "--frames", 4,
        "--channels", 1, "--seed", 1)
    proc = run(cli, "create", tmp_path / "raw", "--datasets", tmp_path / "ds", "--out",
               tmp_path / "out", "--input-frames", 1, "--gt-frames", 4, "--seed", 1)
    name = proc.stdout.split()[1]
    args = ["remove", name, "--datasets", tmp_path / "ds"]
    code, output = answer_on_a_terminal(cli, args, "n")
    assert code == 1 and "nothing removed" in output, output
    assert (tmp_path / "ds" / f"{name}.json").exists() and (tmp_path / "out" / name).is_dir()
    code, output = answer_on_a_terminal(cli, args, "y")
    assert code == 0 and f"removed dataset {name}" in output, output
    assert not (tmp_path / "ds" / f"{name}.json").exists()
    assert not (tmp_path / "ds" / f"{name}.png").exists()
    assert not (tmp_path / "out" / name).exists()
    assert len(list((tmp_path / "raw").rglob("*.tif"))) == 2, "raw data untouched"


def test_python_create_takes_test_ids_and_refuses_them_with_groups(made, tmp_path):
    import flamecare as fc
    tmp, _ = made
    ds = fc.create(tmp / "raw", tmp_path / "ds", tmp_path / "out", input_frames=2, gt_frames=6,
                   test_ids=[0, 4], seed=3, progress=False)
    assert ds.test_ids == [0, 4]
    assert ds.json["FLAME_Dataset"]["create_options"]["test_ids"] == [0, 4]
    assert "test_fraction" not in ds.json["FLAME_Dataset"]["create_options"]
    with pytest.raises(fc.InvalidArgumentError, match="grouping by mosaic"):
        fc.create(tmp / "raw", tmp_path / "ds", tmp_path / "out", input_frames=2, gt_frames=6,
                  test_ids=[0], group_by="mosaic", progress=False)
    with pytest.raises(fc.InvalidArgumentError, match="99"):
        fc.create(tmp / "raw", tmp_path / "ds", tmp_path / "out", input_frames=2, gt_frames=6,
                  test_ids=[99], progress=False)
