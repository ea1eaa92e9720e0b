"""The installed package: version, the `flamecare` command it brings, stubs, signatures, docs."""
import importlib.metadata
import inspect
import pydoc
import re
import subprocess
import sys
from pathlib import Path

import flamecare as fc

REPO = Path(__file__).resolve().parents[2]


def installed_files():
    return {str(f) for f in importlib.metadata.files("flamecare")}


def test_version_is_the_cli_version_and_the_distribution_version():
    cli = Path(sys.executable).parent / "flamecare"
    proc = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["flamecare", fc.__version__]
    assert importlib.metadata.version("flamecare") == fc.__version__
    with open(REPO / "CMakeLists.txt") as f:
        assert f"project(flamecare VERSION {fc.__version__} " in f.read()


def test_the_wheel_installs_the_cli_into_the_environment():
    files = installed_files()
    scripts = [f for f in files if f.endswith("/bin/flamecare")]
    assert len(scripts) == 1, sorted(files)
    cli = (Path(importlib.metadata.distribution("flamecare").locate_file(scripts[0]))).resolve()
    assert cli == (Path(sys.executable).parent / "flamecare").resolve()
    proc = subprocess.run([cli, "index", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "--datasets" in proc.stdout


def test_package_ships_stubs_and_typed_marker():
    files = installed_files()
    for name in ("flamecare/_core.pyi", "flamecare/py.typed", "flamecare/__init__.py"):
        assert name in files, sorted(files)
    assert any(f.startswith("flamecare/_core.") and f.endswith(".so") for f in files)


def test_committed_stubs_match_the_module(tmp_path):
    """python/flamecare/_core.pyi is what nanobind.stubgen writes for the built module (`make
    stubs` regenerates it)."""
    out = tmp_path / "_core.pyi"
    subprocess.run([sys.executable, "-m", "nanobind.stubgen", "-q", "-m", "flamecare._core",
                    "-o", out], check=True)
    assert out.read_text() == (REPO / "python" / "flamecare" / "_core.pyi").read_text(), \
        "stale python/flamecare/_core.pyi: run `make stubs`"


def test_public_api_signatures_and_help():
    assert set(fc.__all__) <= set(dir(fc))
    params = inspect.signature(fc.update_index).parameters
    assert list(params) == ["raw_root", "datasets_dir", "threads", "progress"]
    assert params["threads"].default == 0 and params["progress"].default is True
    assert list(inspect.signature(fc.read_raw).parameters) == ["path"]
    assert list(inspect.signature(fc.RawImage.frames).parameters) == ["self", "start", "stop"]
    text = pydoc.render_doc(fc.read_raw, renderer=pydoc.plaintext)
    assert "read_raw(path" in text and "NotFoundError" in text
    text = pydoc.render_doc(fc.update_index, renderer=pydoc.plaintext)
    assert re.search(r"threads: '?int'? = 0", text) and re.search(r"progress: '?bool'? = True", text)
    for name in ("data", "frames", "tile_data", "header", "shape", "dtype", "path"):
        assert getattr(fc.RawImage, name).__doc__, name


def test_phase_2_signatures_and_help():
    params = inspect.signature(fc.create).parameters
    assert list(params)[:10] == ["raw_root", "datasets_dir", "out_dir", "input_frames",
                                 "gt_frames", "test_fraction", "seed", "channels", "threads",
                                 "progress"]
    defaults = {name: p.default for name, p in params.items()}
    assert (defaults["input_frames"], defaults["gt_frames"], defaults["test_fraction"]) == \
        (5, 40, 0.1)
    assert defaults["seed"] is None and defaults["channels"] is None
    assert defaults["threads"] == 0 and defaults["progress"] is True
    assert {"type", "date", "ladder"} <= set(params)
    text = pydoc.render_doc(fc.create, renderer=pydoc.plaintext)
    for word in ("input_frames", "gt_frames", "test_fraction", "KeyboardInterrupt",
                 "UnsupportedFileError", "ladder"):
        assert word in text, word
    params = inspect.signature(fc.make_patches).parameters
    assert list(params)[:6] == ["ds", "patch_size", "patch_multiple", "all_channels", "seed",
                                "progress"]
    assert (params["patch_size"].default, params["patch_multiple"].default) == (128, 4)
    assert {"patches_per_image", "background_threshold", "threads", "out_dir",
            "data_dir"} <= set(params)
    assert "AlreadyExistsError" in pydoc.render_doc(fc.make_patches, renderer=pydoc.plaintext)
    assert list(inspect.signature(fc.Dataset.open).parameters) == ["name_or_json_path",
                                                                   "datasets_dir"]
    assert list(inspect.signature(fc.Dataset.pair).parameters) == ["self", "image_id"]
    assert list(inspect.signature(fc.inspect).parameters) == ["path"]
    assert list(inspect.signature(fc.synth).parameters)[:8] == [
        "out", "images", "size", "frames", "channels", "dtype", "seed", "with_bad_files"]
    for name in ("name", "id", "seed", "image_ids", "test_ids", "train_ids", "json", "stats",
                 "pair", "images", "data_dir", "json_path", "open"):
        assert getattr(fc.Dataset, name).__doc__, name
    for name in ("npz_path", "config", "load", "seed", "n_patches"):
        assert getattr(fc.Patches, name).__doc__, name
    for function in (fc.create, fc.make_patches, fc.inspect, fc.synth, fc.list_datasets):
        assert function.__doc__ and "Raises" in function.__doc__, function
