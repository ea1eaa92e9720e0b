"""synth: a synthetic FLAME corpus, for trying flamecare (and its tests) without a microscope."""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, Union

from . import _core
from ._options import as_int, as_seed
from ._report import Sink

PathLike = Union[str, "os.PathLike[str]"]


class Corpus(NamedTuple):
    """The files :func:`synth` wrote."""

    root: Path
    good: list[Path]  #: usable stacks
    bad: list[Path]  #: deliberately unusable files (with ``with_bad_files``)


def synth(
    out: PathLike,
    images: int = 8,
    size: int = 256,
    frames: int = 40,
    channels: int = 2,
    dtype: str = "int16",
    seed: int = 1,
    with_bad_files: bool = False,
    progress: bool = False,
) -> Corpus:
    """Writes a synthetic FLAME corpus, as ``flamecare synth`` does: ScanImage 2016+ BigTIFFs
    with photon-count-like content (smooth tissue, bright fibres and cells, dark background,
    Poisson noise per frame) and ``.tileData.txt`` sidecars, laid out as
    ``out/S001_PL/<sample>/<mosaic>/Im_000NN.tif``. Some images carry a
    ``bidirectionalCorrection`` and really show the line-shift artefact. The same seed writes
    the same bytes.

    Parameters:
        out: root folder to write (created when missing).
        images: number of good stacks.
        size: width and height in pixels (at least 8).
        frames: frames per stack.
        channels: channels per frame (1 to 4).
        dtype: raw pixel type: int16 (as FLAME writes), uint16, int8, uint8, int32, uint32 or
            float32.
        seed: random seed.
        with_bad_files: also write unusable files of every kind (summed, truncated, not
            ScanImage, no sidecar, bad sidecar).
        progress: show a tqdm bar.

    Returns:
        ``Corpus(root, good, bad)``: the paths written.

    Raises:
        InvalidArgumentError: an option is out of range.
        IoError: a file cannot be written.
    """
    options = _core.SynthOptions()
    options.out = os.fspath(out)
    options.images = as_int("images", images)
    options.size = as_int("size", size)
    options.frames = as_int("frames", frames)
    options.channels = as_int("channels", channels)
    options.dtype = str(dtype)
    checked_seed = as_seed(seed)
    options.seed = 1 if checked_seed is None else checked_seed
    options.with_bad_files = bool(with_bad_files)
    result = _core.write_synthetic_corpus(options, Sink(progress))
    return Corpus(Path(out), [Path(p) for p in result.good], [Path(p) for p in result.bad])
