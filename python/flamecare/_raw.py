"""read_raw: one raw ScanImage stack as numpy arrays, its sidecar and its header."""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from . import _core
from ._matlab import parse_value


class RawImage:
    """One raw ScanImage stack, opened by :func:`read_raw`.

    Opening reads the headers and the IFD chain only; pixels are read when asked for, through
    flamecare's C++ reader without holding the GIL (so other Python threads keep running).
    """

    def __init__(self, reader: _core.RawReader) -> None:
        self._reader = reader

    @property
    def path(self) -> Path:
        """The file."""
        return Path(self._reader.path)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(F, C, Y, X): whole frames on disk, saved channels, height, width."""
        r = self._reader
        return (r.frames, r.channels, r.height, r.width)

    @property
    def dtype(self) -> np.dtype:
        """The pixel type as stored in the file."""
        return np.dtype(self._reader.dtype)

    @functools.cached_property
    def data(self) -> np.ndarray:
        """All frames, numpy (F, C, Y, X) of the file's dtype; read on first access, then kept
        (read-only: copy it to change values). Raises UnsupportedFileError for a z-stack."""
        data = self.frames(0, self._reader.frames)
        data.flags.writeable = False
        return data

    def frames(self, start: int, stop: int) -> np.ndarray:
        """Frames [start, stop) as a new numpy array (stop - start, C, Y, X); reads only their
        pages. Raises InvalidArgumentError unless 0 <= start <= stop <= F, UnsupportedFileError
        for a z-stack (more than one slice)."""
        _, c, y, x = self.shape
        valid = 0 <= start <= stop
        # An invalid range still goes to the reader, which raises InvalidArgumentError.
        out = np.empty((stop - start if valid else 0, c, y, x), dtype=self.dtype)
        self._reader.read_frames(start, stop, out)
        return out

    @functools.cached_property
    def tile_data(self) -> dict[str, Any] | None:
        """The FLAME sidecar ``<stem>.tileData.txt`` as parsed JSON (``{"TileData": {...}}``),
        or None when there is none. Raises CorruptFileError for a malformed sidecar."""
        text = _core.read_sidecar(self._reader.path)
        return None if text is None else json.loads(text)

    @functools.cached_property
    def header(self) -> dict[str, Any]:
        """The SI.* / state.* header values as Python values (numbers, bools, strings, lists;
        as tifffile's ``matlabstr2py`` gives them; text it cannot read stays text)."""
        return {key: parse_value(text) for key, text in self._reader.metadata.items()}

    @property
    def info(self) -> dict[str, Any]:
        """What the file is: container, ScanImage version, header frame count, pages, size."""
        r = self._reader
        return {
            "format": "BigTIFF" if r.big_tiff else "classic TIFF",
            "flavor": r.flavor,
            "scanimage_version": r.scanimage_version,
            "header_version": r.header_version,
            "metadata_frames": r.metadata_frames,
            "slices": r.slices,
            "saved_channels": list(r.saved_channels),
            "pages": r.pages,
            "file_size": r.file_size,
        }

    def __repr__(self) -> str:
        return (
            f"RawImage({str(self.path)!r}, shape={self.shape}, dtype={self.dtype}, "
            f"{self._reader.flavor})"
        )


def read_raw(path: str | os.PathLike[str]) -> RawImage:
    """Opens one raw ScanImage TIFF stack (any version flamecare reads: 2016+ BigTIFF, 4/5,
    3.x) without reading its pixels.

    Parameters:
        path: the ``.tif`` file.

    Returns:
        A :class:`RawImage`: ``.data`` (F, C, Y, X), ``.frames(a, b)``, ``.tile_data``,
        ``.header``, ``.shape``, ``.dtype``, ``.path``.

    Raises:
        NotFoundError: the file does not exist (also a FileNotFoundError).
        CorruptFileError: not a TIFF, truncated or otherwise damaged.
        UnsupportedFileError: a TIFF without ScanImage metadata, or a feature flamecare does
            not read (compression, pixel type, ...).
        IoError: the file cannot be opened or read (also an OSError).
    """
    return RawImage(_core.RawReader(os.fspath(path)))
