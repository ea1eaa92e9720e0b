"""make_patches: normalised CARE training patches in an .npz, and loading them back."""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, Union

import numpy as np

from . import _core
from ._dataset import Dataset
from ._options import as_float, as_int, as_seed
from ._report import Sink

PathLike = Union[str, "os.PathLike[str]"]


class Patches:
    """What :func:`make_patches` wrote: the npz ``<name>_patch<P>_<n>PpI_<1|All>Chan.npz``, its
    config JSON (the dataset JSON plus ``Patch_Config``) and two PNG sheets of sample pairs."""

    def __init__(self, result: _core.PatchResult) -> None:
        self._result = result

    @property
    def npz_path(self) -> Path:
        """The npz: ``X``, ``Y`` (float32, (S, C', P, P)), ``axes`` (``"SCYX"``), ``coords``."""
        return Path(self._result.npz)

    @property
    def config_path(self) -> Path:
        """``<npz stem>.json``: the dataset JSON plus ``Patch_Config``."""
        return Path(self._result.config)

    @functools.cached_property
    def config(self) -> dict[str, Any]:
        """The config JSON as a dict (``{"FLAME_Dataset": ..., "Patch_Config": {...}}``)."""
        with open(self._result.config, encoding="utf-8") as f:
            return json.load(f)

    @property
    def samples(self) -> list[Path]:
        """The two PNG sheets of 8 input/target pairs each."""
        return [Path(self._result.samples1), Path(self._result.samples2)]

    @property
    def seed(self) -> int:
        """The seed used (given or fresh)."""
        return self._result.seed

    @property
    def n_patches(self) -> int:
        """Patches in the npz (S)."""
        return self._result.n_patches

    @property
    def n_samples(self) -> int:
        """Samples cut: (train image, channel) pairs, or train images with ``all_channels``."""
        return self._result.n_samples

    @property
    def n_skipped(self) -> int:
        """Samples without any patch centre above the background threshold (skipped)."""
        return self._result.n_skipped

    @property
    def patches_per_image(self) -> int:
        """Patches per sample."""
        return self._result.patches_per_image

    @property
    def val_npz_path(self) -> Path | None:
        """``<npz stem>_val.npz`` (same layout as the npz), None without a validation fraction."""
        path = os.fspath(self._result.val_npz)
        return Path(path) if path else None

    @property
    def validation_ids(self) -> list[int]:
        """Train images whose patches went into the validation npz (none of them is in the npz)."""
        return list(self._result.validation_ids)

    @property
    def n_val_patches(self) -> int:
        """Patches in the validation npz."""
        return self._result.n_val_patches

    def load_validation(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reads the validation npz as :meth:`load` reads the npz: ``X_val, Y_val, coords``.
        For CSBDeep: ``model.train(X, Y, validation_data=(X_val, Y_val))``.

        Raises:
            InvalidArgumentError: the patches were cut without a validation fraction."""
        if self.val_npz_path is None:
            from ._errors import InvalidArgumentError

            raise InvalidArgumentError("these patches have no validation npz "
                                       "(make_patches(..., validation_fraction=...))")
        with np.load(self.val_npz_path) as f:
            return f["X"], f["Y"], f["coords"]

    def load(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reads the npz: ``X, Y, coords`` as ``numpy.load`` gives them. ``X`` and ``Y`` are
        float32 (S, C', P, P) with axes ``SCYX``; ``coords`` is int32 (S, 4): image id, channel
        (-1 for all channels), y0, x0 of each patch in its normalised train image."""
        with np.load(self.npz_path) as f:
            return f["X"], f["Y"], f["coords"]

    def __repr__(self) -> str:
        return (f"Patches({str(self.npz_path)!r}, patches={self.n_patches}, "
                f"per sample={self.patches_per_image}, seed={self.seed})")


def make_patches(
    ds: Dataset | PathLike,
    patch_size: int = 128,
    patch_multiple: int = 4,
    all_channels: bool = False,
    seed: int | None = None,
    progress: bool = True,
    *,
    patches_per_image: int | None = None,
    background_threshold: float = 0.5,
    threads: int = 0,
    out_dir: PathLike | None = None,
    data_dir: PathLike | None = None,
    datasets_dir: PathLike | None = None,
    force_zip64: bool = False,
    validation_fraction: float = 0.0,
) -> Patches:
    """Cuts normalised CARE training patches from a dataset's train pairs into an npz, exactly as
    ``flamecare patches`` does.

    Each train pair is normalised per channel with the dataset's 1st/99th percentiles,
    ``clip((v - p1) / (p99 - p1 + 1e-20), 0, 1)`` as float32; patch centres follow CSBDeep's
    ``no_background_patches(background_threshold, 99.9)`` on the ground truth; all patches are
    shuffled (the same seed gives the same npz). The config JSON and sample sheets are written
    first and the npz last, so an npz always has its config.

    Parameters:
        ds: a :class:`Dataset`, or a dataset name (in ``datasets_dir``) or the path of its JSON.
        patch_size: patch side P in pixels (at least 2).
        patch_multiple: m in n = floor(Y_max / P) * m patches per sample.
        all_channels: keep all channels in each patch (default: one channel per sample).
        seed: sampling seed; None draws a fresh one (see ``Patches.seed``).
        progress: show a tqdm bar (a widget in Jupyter).
        patches_per_image: patches per sample, instead of the formula.
        background_threshold: CSBDeep's threshold, in [0, 1].
        threads: worker threads; 0 uses all cores.
        out_dir: where ``<name>/`` with the npz goes (default: ``data_dir``).
        data_dir: the ``create`` output folder (default: the one the dataset JSON records).
        datasets_dir: the folder of dataset JSONs, when ``ds`` is a name.
        force_zip64: write ZIP64 records even for a small npz.
        validation_fraction: hold out this fraction of the train images (whole groups when the
            dataset was split by mosaic or sample) into ``<npz stem>_val.npz``, in [0, 1);
            ``Patches.load_validation()`` reads it, ``Patches.validation_ids`` lists them.

    Returns:
        :class:`Patches`: ``npz_path``, ``config``, ``load()``, ...

    Raises:
        InvalidArgumentError: an option is out of range (also a patch larger than the images).
        NotFoundError: no such dataset, or no patch centre passes the background threshold.
        AlreadyExistsError: the npz exists already (it is never overwritten; the run stops
            before any work).
        CorruptFileError: the dataset's TIFFs do not match its JSON.
        IoError: an output cannot be written, or free space is short.
        KeyboardInterrupt: Ctrl-C or the notebook's interrupt: the run stops within about a
            second and removes its temporary npz, config and sheets.
    """
    options = patch_options(ds, patch_size, patch_multiple, all_channels, seed,
                            patches_per_image=patches_per_image,
                            background_threshold=background_threshold, threads=threads,
                            out_dir=out_dir, data_dir=data_dir, datasets_dir=datasets_dir,
                            force_zip64=force_zip64, validation_fraction=validation_fraction)
    return Patches(_core.make_patches(options, Sink(progress)))


def patch_options(
    ds: Dataset | PathLike,
    patch_size: int,
    patch_multiple: int,
    all_channels: bool,
    seed: int | None,
    *,
    patches_per_image: int | None,
    background_threshold: float,
    threads: int,
    out_dir: PathLike | None,
    data_dir: PathLike | None,
    datasets_dir: PathLike | None,
    force_zip64: bool,
    validation_fraction: float,
) -> _core.PatchOptions:
    """The C++ options of :func:`make_patches`'s arguments (checked as it checks them)."""
    options = _core.PatchOptions()
    if isinstance(ds, Dataset):
        json_path = ds.json_path
        if json_path is None:
            from ._errors import InvalidArgumentError

            raise InvalidArgumentError(f"dataset {ds.name} has no JSON file to cut patches from")
        options.dataset = os.fspath(json_path)
        options.datasets_dir = os.fspath(json_path.parent)
    else:
        options.dataset = os.fspath(ds)
        options.datasets_dir = "" if datasets_dir is None else os.fspath(datasets_dir)
    if data_dir is not None:
        options.data_dir = os.fspath(data_dir)
    if out_dir is not None:
        options.out_dir = os.fspath(out_dir)
    options.patch_size = as_int("patch_size", patch_size)
    options.patch_multiple = as_int("patch_multiple", patch_multiple)
    options.patches_per_image = (None if patches_per_image is None
                                 else as_int("patches_per_image", patches_per_image))
    options.background_threshold = as_float("background_threshold", background_threshold)
    options.all_channels = bool(all_channels)
    options.seed = as_seed(seed)
    options.threads = as_int("threads", threads)
    options.force_zip64 = bool(force_zip64)
    options.validation_fraction = as_float("validation_fraction", validation_fraction)
    return options
