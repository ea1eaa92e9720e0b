"""
flamecare's C++ core. Use the functions of the `flamecare` package instead.
"""

import os
import pathlib
from typing import Annotated

from numpy.typing import NDArray


def version() -> str:
    """flamecare's version, as `flamecare --version`."""

class RawReader:
    """An open raw ScanImage stack: metadata now, pixels on demand."""

    def __init__(self, path: str | os.PathLike) -> None:
        """Opens a stack and reads its headers and IFD chain (not its pixels)."""

    @property
    def path(self) -> pathlib.Path: ...

    @property
    def big_tiff(self) -> bool: ...

    @property
    def flavor(self) -> str: ...

    @property
    def header_version(self) -> int: ...

    @property
    def scanimage_version(self) -> str: ...

    @property
    def channels(self) -> int: ...

    @property
    def metadata_frames(self) -> int:
        """Frames per slice as the header says (F on disk may differ)."""

    @property
    def frames(self) -> int:
        """Whole frames on disk."""

    @property
    def slices(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def width(self) -> int: ...

    @property
    def saved_channels(self) -> list[int]: ...

    @property
    def dtype(self) -> str:
        """numpy dtype name of the pixels."""

    @property
    def pages(self) -> int: ...

    @property
    def file_size(self) -> int: ...

    @property
    def metadata(self) -> dict[str, str]:
        """SI.* / state.* header keys and their raw MATLAB value text."""

    def read_frames(self, start: int, stop: int, out: Annotated[NDArray, dict(order='C', device='cpu')]) -> None:
        """
        Reads frames [start, stop) into `out`, a C-contiguous array of shape (stop - start, C, Y, X) and the file's dtype, without holding the GIL.
        """

def read_sidecar(tif: str | os.PathLike) -> bytes | None:
    """
    The bytes of `<stem>.tileData.txt` beside `tif`, validated as a FLAME sidecar, or None when it does not exist.
    """

def update_index(raw_root: str | os.PathLike, datasets_dir: str | os.PathLike, threads: int, sink: object) -> tuple[bytes, dict]:
    """
    Creates or updates <datasets_dir>/raw_image_index.csv (screening on `threads` threads, 0 = all cores) and returns (csv_bytes, summary). Log lines and progress go to `sink`.
    """
