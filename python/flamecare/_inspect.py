"""inspect: what one raw image is, as ``flamecare inspect --json`` prints it."""
from __future__ import annotations

import json
import os
from typing import Any, Union

from . import _core

PathLike = Union[str, "os.PathLike[str]"]


def inspect(path: PathLike) -> dict[str, Any]:
    """Describes one raw ScanImage image and screens it as ``index`` does, without reading its
    pixels: the dict ``flamecare inspect --json`` prints (made by the same C++ function).

    Parameters:
        path: the ``.tif`` file.

    Returns:
        Keys ``file, format, scanimage_version, header_version, frames, channels, slices,
        height, width, dtype, pages, file_size`` (the TIFF's facts; None when it cannot be read
        as ScanImage), ``sidecar`` (the sidecar's ``tile_id, frames_per_tile, channels_saved,
        bidirectional_correction`` when it is valid, else None), ``sidecar_path``,
        ``sidecar_state`` (``"missing"``, ``"valid"`` or ``"invalid"``), ``sidecar_problem``
        (why it is invalid, else ""), ``usable`` (bool) and ``reason`` (``"<code>: <detail>"``,
        "" when usable).

    Raises:
        NotFoundError: nothing exists at ``path``.
        InvalidArgumentError: ``path`` is a directory (inspect takes one file).

    An unusable file (not a TIFF, truncated, a FIFO, a broken symlink, ...) is not an error: it
    is reported with ``usable`` False and its reason.
    """
    return json.loads(_core.inspect_json(os.fspath(path)))
