"""The Python suite runs in the project virtualenv (`make venv`) against the installed package.

By default the CLI under test is the `flamecare` command installed beside this interpreter (the
wheel's), `--cli PATH` picks another (e.g. build/flamecare). The crafted hostile inputs come from
build/tests/flamecare_crafted (or $FLAMECARE_CRAFTED). The real-file fixtures are
../shared/fixtures beside the checkout, or $FLAMECARE_FIXTURES.
"""
import os
import sys
from pathlib import Path

import pytest

from flamecare_testlib import run

REPO = Path(__file__).resolve().parents[2]


def pytest_addoption(parser):
    parser.addoption("--cli", default=None,
                     help="flamecare executable (default: the one installed beside this Python)")


@pytest.fixture(scope="session")
def cli(request):
    path = request.config.getoption("--cli") or str(Path(sys.executable).parent / "flamecare")
    assert os.access(path, os.X_OK), f"{path}: no flamecare executable (run `make venv`)"
    return path


@pytest.fixture(scope="session")
def fixtures_dir():
    path = Path(os.environ.get("FLAMECARE_FIXTURES", REPO.parent / "shared" / "fixtures"))
    assert (path / "real").is_dir(), f"{path}: no real/ fixtures (set FLAMECARE_FIXTURES)"
    return path


@pytest.fixture(scope="session")
def crafted_tool():
    """The test tool that writes the crafted hostile inputs (built with the C++ tests in build/)."""
    path = os.environ.get("FLAMECARE_CRAFTED", str(REPO / "build" / "tests" / "flamecare_crafted"))
    assert os.access(path, os.X_OK), f"{path}: no flamecare_crafted (run `make build`)"
    return path


@pytest.fixture(scope="session")
def corpus(cli, tmp_path_factory):
    """A small synthetic corpus with every kind of bad file: 4 good int16 stacks, 2 channels,
    64 x 64, 6 frames (one of them bidirectionally shifted) and 5 unusable files."""
    root = tmp_path_factory.mktemp("corpus") / "raw"
    proc = run(cli, "synth", root, "--images", 4, "--size", 64, "--frames", 6, "--channels", 2,
               "--seed", 5, "--with-bad-files")
    good = [Path(line.split(None, 1)[1]) for line in proc.stdout.splitlines()
            if line.startswith("good ")]
    bad = [Path(line.split(None, 1)[1]) for line in proc.stdout.splitlines()
           if line.startswith("bad ")]
    assert len(good) == 4 and len(bad) == 5, proc.stdout
    return root, good, bad
