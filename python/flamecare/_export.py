"""export: a dataset as the folders CAREamics trains from, with flamecare's exact statistics."""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, Union

from . import _core
from ._dataset import Dataset
from ._options import as_float, as_int, as_seed
from ._report import Sink

PathLike = Union[str, "os.PathLike[str]"]

#: The CAREamics release whose configuration field names ``careamics.json`` uses.
CAREAMICS_VERSION: str = _core.careamics_version


class Export:
    """What :func:`export` wrote: ``<out_dir>/<name>/{train,val,test}/{input,target}/image<id>.tif``
    and ``careamics.json``."""

    def __init__(self, result: _core.ExportResult) -> None:
        self._result = result

    @property
    def dir(self) -> Path:
        """``<out_dir>/<name>``."""
        return Path(self._result.dir)

    @property
    def config_path(self) -> Path:
        """``<dir>/careamics.json``."""
        return Path(self._result.config)

    @functools.cached_property
    def config(self) -> dict[str, Any]:
        """``careamics.json`` as a dict: ``data_config`` (``data_type``, ``axes``,
        ``normalization``: CAREamics's mean_std fields), ``quantile_normalization`` (its quantile
        fields), ``paths``, ``n_channels`` and ``flamecare`` (dataset, ids, seed, ...)."""
        with open(self._result.config, encoding="utf-8") as f:
            return json.load(f)

    @property
    def axes(self) -> str:
        """``"CYX"``, or ``"YX"`` for one channel."""
        return self._result.axes

    @property
    def seed(self) -> int:
        """The seed that chose the validation images."""
        return self._result.seed

    @property
    def train_ids(self) -> list[int]:
        return list(self._result.train_ids)

    @property
    def val_ids(self) -> list[int]:
        return list(self._result.val_ids)

    @property
    def test_ids(self) -> list[int]:
        return list(self._result.test_ids)

    def folder(self, split: str, side: str) -> Path:
        """``<dir>/<split>/<side>``: split ``"train"``, ``"val"`` or ``"test"``, side ``"input"``
        or ``"target"``."""
        return self.dir / split / side

    def normalization_params(self) -> dict[str, list[float]]:
        """The mean_std statistics as CAREamics's ``normalization_params`` (``input_means``,
        ``input_stds``, ``target_means``, ``target_stds``), for
        ``create_advanced_care_config(..., normalization="mean_std", normalization_params=...)``."""
        norm = self.config["data_config"]["normalization"]
        return {k: norm[k] for k in ("input_means", "input_stds", "target_means", "target_stds")}

    def __repr__(self) -> str:
        return (f"Export({str(self.dir)!r}, axes={self.axes}, train={len(self.train_ids)}, "
                f"val={len(self.val_ids)}, test={len(self.test_ids)})")


def export(
    ds: Dataset | PathLike,
    out_dir: PathLike,
    format: str = "careamics",
    validation_fraction: float = 0.0,
    seed: int | None = None,
    progress: bool = True,
    *,
    threads: int = 0,
    data_dir: PathLike | None = None,
    datasets_dir: PathLike | None = None,
) -> Export:
    """Writes a dataset as the folders a trainer reads, exactly as ``flamecare export`` does.

    For CAREamics: ``<out_dir>/<name>/{train,val,test}/{input,target}/image<id>.tif`` (the same
    file names in ``input/`` and ``target/``; ``val/`` only with a validation fraction), each a
    TIFF that tifffile reads as (C, Y, X), or (Y, X) for one channel, and ``careamics.json`` with
    the exact per-channel statistics of the export's train images. The export appears complete or
    not at all; the dataset is never changed.

    Parameters:
        ds: a :class:`Dataset`, or a dataset name (in ``datasets_dir``) or the path of its JSON.
        out_dir: the export goes to ``<out_dir>/<name>`` (which must not exist).
        format: ``"careamics"``.
        validation_fraction: move this fraction of the train images (whole groups when the
            dataset was split by mosaic or sample) to ``val/``, in [0, 1).
        seed: chooses the validation images; None draws a fresh one (recorded).
        progress: show a tqdm bar.
        threads: worker threads; 0 uses all cores.
        data_dir: the ``create`` output folder (default: the one the dataset JSON records).
        datasets_dir: the folder of dataset JSONs, when ``ds`` is a name.

    Raises:
        InvalidArgumentError: unknown format, or a fraction outside [0, 1).
        NotFoundError: no such dataset, or a sum is missing.
        AlreadyExistsError: ``<out_dir>/<name>`` exists.
        IoError: an output cannot be written.
        KeyboardInterrupt: the export stops and removes what it wrote.
    """
    options = _core.ExportOptions()
    if isinstance(ds, Dataset):
        if ds.json_path is None:
            from ._errors import InvalidArgumentError

            raise InvalidArgumentError(f"dataset {ds.name} has no JSON file to export")
        options.dataset = os.fspath(ds.json_path)
    else:
        options.dataset = os.fspath(ds)
        options.datasets_dir = "" if datasets_dir is None else os.fspath(datasets_dir)
    options.out_dir = os.fspath(out_dir)
    if data_dir is not None:
        options.data_dir = os.fspath(data_dir)
    options.format = str(format)
    options.validation_fraction = as_float("validation_fraction", validation_fraction)
    options.seed = as_seed(seed)
    options.threads = as_int("threads", threads)
    return Export(_core.export_dataset(options, Sink(progress)))
