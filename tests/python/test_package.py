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
