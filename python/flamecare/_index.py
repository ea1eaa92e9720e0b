"""update_index: the raw image index as a pandas DataFrame."""
from __future__ import annotations

import io
import os

import pandas as pd

from . import _core
from ._report import Sink


def update_index(
    raw_root: str | os.PathLike[str],
    datasets_dir: str | os.PathLike[str],
    threads: int = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Creates or updates ``<datasets_dir>/raw_image_index.csv`` for the ``.tif``/``.tiff``
    files under ``raw_root`` and returns it, as ``pandas.read_csv`` reads that file.

    New files get new ids (ids are never reused), new and changed files are screened in
    parallel, files that disappeared keep their row with status ``missing``; the CSV is written
    atomically under a lock, exactly as ``flamecare index`` does.

    Parameters:
        raw_root: folder searched recursively for raw stacks.
        datasets_dir: folder holding ``raw_image_index.csv`` (created when missing).
        threads: screening threads; 0 uses all cores.
        progress: show a progress bar (tqdm; a widget in Jupyter).

    Returns:
        One row per indexed file, columns ``id, image, imgarr_nframes, channels, height, width,
        dtype, bidirectional_correction, size_bytes, mtime_ns, status, reason``.
        ``df.attrs["summary"]`` holds the run's counts (found, added, screened, usable,
        unusable, missing, unusable_by_reason) and the CSV path.

    Raises:
        NotFoundError: ``raw_root`` does not exist.
        CorruptFileError: the existing CSV cannot be read (it is left untouched).
        IoError: the CSV or its lock cannot be written.
        InvalidArgumentError: ``threads`` is negative.

    Unusable files are not errors: each gets a WARNING on the ``flamecare`` logger and its
    reason in the ``reason`` column. The work runs without the GIL.
    """
    csv, summary = _core.update_index(
        os.fspath(raw_root), os.fspath(datasets_dir), threads, Sink(progress)
    )
    frame = pd.read_csv(io.BytesIO(csv))
    frame.attrs["summary"] = summary
    return frame
