"""flamecare: turn FLAME ScanImage acquisitions into CARE denoising training data, on a C++ core.

Phase 1 of the Python API::

    import flamecare as fc
    raw = fc.read_raw("Im_00001.tif")       # raw.data (F, C, Y, X), raw.frames(0, 5),
                                             # raw.tile_data, raw.header
    idx = fc.update_index(raw_root, datasets_dir)   # pandas.DataFrame of raw_image_index.csv

Errors are ``fc.FlamecareError`` subclasses that are also the matching built-in exceptions.
Log lines go to the ``flamecare`` logger; heavy calls release the GIL.
"""
from ._core import version as _version
from ._errors import (
    AlreadyExistsError,
    CorruptFileError,
    FlamecareError,
    InternalError,
    InvalidArgumentError,
    IoError,
    NotFoundError,
    UnsupportedFileError,
)
from ._index import update_index
from ._raw import RawImage, read_raw

__version__: str = _version()

__all__ = [
    "__version__",
    "AlreadyExistsError",
    "CorruptFileError",
    "FlamecareError",
    "InternalError",
    "InvalidArgumentError",
    "IoError",
    "NotFoundError",
    "RawImage",
    "UnsupportedFileError",
    "read_raw",
    "update_index",
]
