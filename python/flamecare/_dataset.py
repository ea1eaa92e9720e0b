"""Dataset: a dataset made by ``create``, on the C++ library's typed Dataset."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd

from . import _core
from ._report import Sink

PathLike = Union[str, "os.PathLike[str]"]

# Keys of Dataset.stats(): the percentile name and the C++ DatasetStats field holding it.
_PERCENTILES = (("p0.1", "p0_1"), ("p1", "p1"), ("p5", "p5"), ("p95", "p95"), ("p99", "p99"),
                ("p99.9", "p99_9"))


class Dataset:
    """A dataset made by :func:`create` (or by the original notebooks): its JSON
    ``<datasets>/<name>.json``, read by the C++ library into a typed object, and its summed TIFFs
    ``<data_dir>/{train,test}/image<id>_frames<N>.tif``.

    Open one with :meth:`Dataset.open`; :func:`create` and :func:`list_datasets` return them.

    Attributes are read-only; ``json`` is the whole JSON document as a dict.
    """

    def __init__(self, core: _core.Dataset) -> None:
        self._core = core

    @classmethod
    def open(cls, name_or_json_path: PathLike, datasets_dir: PathLike | None = None) -> Dataset:
        """Opens a dataset by name (``<datasets_dir>/<name>.json``) or by the path of its JSON
        (anything ending in ``.json``, containing a ``/``, or naming an existing file).

        Raises:
            NotFoundError: no such dataset (the message lists the datasets that exist).
            CorruptFileError: the JSON is not a dataset JSON.
            IoError: the file cannot be read or is not a regular file.
        """
        directory = "" if datasets_dir is None else os.fspath(datasets_dir)
        return cls(_core.open_dataset(os.fspath(name_or_json_path), directory))

    # --- what the JSON says -------------------------------------------------------------------
    @property
    def name(self) -> str:
        """``<YYYYMMDD>_<n>I_<type>_<N>to<M>F`` (with a ``_2``, ... suffix when taken)."""
        return self._core.name

    @property
    def id(self) -> str:
        """The dataset id as the JSON writes it, ``"0x%04x"`` (e.g. ``"0x0001"``)."""
        return _core.format_dataset_id(self._core.id)

    @property
    def type(self) -> str:
        """The dataset type (``"denoising"``)."""
        return self._core.type

    @property
    def seed(self) -> int | None:
        """The split seed (None in the original notebooks' JSONs)."""
        return self._core.seed

    @property
    def test_fraction(self) -> float | None:
        """The test fraction asked for (the split itself is in ``test_ids``)."""
        return self._core.test_fraction

    @property
    def input_frames(self) -> int:
        """Frames summed for the noisy input."""
        return self._core.input.n_frames

    @property
    def gt_frames(self) -> int:
        """Frames summed for the ground truth."""
        return self._core.output.n_frames

    @property
    def pairing(self) -> str:
        """``"nested"`` (target = frames [0, gt_frames)) or ``"disjoint"`` (target = frames
        [input_frames, input_frames + gt_frames), a Noise2Noise pair)."""
        return self._core.pairing

    @property
    def input_frame_range(self) -> tuple[int, int]:
        """Frames ``[begin, end)`` summed for the input."""
        return tuple(self._core.input_frames())

    @property
    def target_frame_range(self) -> tuple[int, int]:
        """Frames ``[begin, end)`` summed for the target (ground truth)."""
        return tuple(self._core.target_frames())

    @property
    def group_by(self) -> str:
        """How the split grouped images: ``"image"``, ``"mosaic"`` or ``"sample"``."""
        return self._core.group_by

    @property
    def channels(self) -> int:
        """Channels of every image (0 for an empty dataset)."""
        return self._core.channels()

    @property
    def image_ids(self) -> list[int]:
        """Ids (of the raw image index) of all images, ascending."""
        return self._core.image_ids()

    @property
    def test_ids(self) -> list[int]:
        """Ids of the test images."""
        return self._core.test_ids()

    @property
    def train_ids(self) -> list[int]:
        """Ids of the train images."""
        return self._core.train_ids()

    @property
    def images(self) -> pd.DataFrame:
        """One row per image: ``id, image`` (raw path relative to ``raw_root``), ``split``,
        ``group`` (its split group), ``channels, height, width, bidirectional_correction``, and
        the paths of its sums ``input_path`` and ``ground_truth_path``."""
        rows = [{
            "id": i.id, "image": i.image, "split": i.split, "group": i.group,
            "channels": i.channels, "height": i.height, "width": i.width,
            "bidirectional_correction": i.bidirectional_correction,
            "input_path": self._core.input_path(i.id),
            "ground_truth_path": self._core.ground_truth_path(i.id),
        } for i in self._core.images]
        columns = ["id", "image", "split", "group", "channels", "height", "width",
                   "bidirectional_correction", "input_path", "ground_truth_path"]
        return pd.DataFrame(rows, columns=columns)

    @property
    def raw_root(self) -> Path:
        """The raw root the dataset was made from (as the creating run saw it)."""
        return Path(self._core.raw_root)

    @property
    def data_dir(self) -> Path:
        """``<out>/<name>``: the folder holding ``train/`` and ``test/``."""
        return Path(self._core.data_dir)

    @property
    def json_path(self) -> Path | None:
        """The JSON file the dataset was read from."""
        path = os.fspath(self._core.json_path)
        return Path(path) if path else None

    @property
    def json(self) -> dict[str, Any]:
        """The whole dataset JSON (``{"FLAME_Dataset": {...}}``) as a dict, as the library writes
        it."""
        return json.loads(_core.format_dataset_json(self._core))

    def stats(self, which: str = "input") -> dict[str, Any]:
        """Statistics over all pixels of all images of one side of the dataset, as ``create``
        computed them (numpy's default linear percentiles, population std).

        Parameters:
            which: ``"input"`` (the few-frame sums) or ``"output"`` (the ground truth; also
                ``"gt"``).

        Returns:
            ``p0.1, p1, p5, p95, p99, p99.9``: float64 arrays with one value per channel;
            ``min, max, mean, std``: numpy float64 over all channels; ``channel_mean``,
            ``channel_std`` (per channel; empty for the original notebooks' JSONs);
            ``n_frames`` and ``n_pixels`` (None when not recorded).

        Raises:
            InvalidArgumentError: ``which`` is none of these.
        """
        side = self._side(which)
        out: dict[str, Any] = {key: np.array(getattr(side, field), dtype=np.float64)
                               for key, field in _PERCENTILES}
        for key in ("min", "max", "mean", "std"):
            out[key] = np.float64(getattr(side, key))
        out["channel_mean"] = np.array(side.channel_mean, dtype=np.float64)
        out["channel_std"] = np.array(side.channel_std, dtype=np.float64)
        out["n_frames"] = side.n_frames
        out["n_pixels"] = side.n_pixels
        return out

    def _side(self, which: str) -> _core.DatasetStats:
        from ._errors import InvalidArgumentError

        if which == "input":
            return self._core.input
        if which in ("output", "gt", "ground_truth"):
            return self._core.output
        raise InvalidArgumentError(f'which must be "input" or "output", got {which!r}')

    # --- the summed images --------------------------------------------------------------------
    def pair(self, image_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The input and ground-truth sums of one image, read from its TIFFs by the C++ reader
        without the GIL.

        Returns:
            ``(x, y)``: numpy arrays (C, Y, X) of the sums' dtype (int32 for signed raw data,
            uint32 for unsigned, float32 for float; 64-bit when needed).

        Raises:
            NotFoundError: ``image_id`` is not in the dataset, or a TIFF is missing.
            CorruptFileError: a TIFF is damaged or its shape differs from the JSON's.
        """
        return _core.read_pair(self._core, int(image_id))

    def input_path(self, image_id: int) -> Path:
        """``<data_dir>/<train|test>/image<id>_frames<input_frames>.tif`` (disjoint datasets:
        ``image<id>_frames0-<N>.tif``).
        Raises NotFoundError for an id not in the dataset."""
        return Path(self._core.input_path(int(image_id)))

    def ground_truth_path(self, image_id: int) -> Path:
        """``<data_dir>/<train|test>/image<id>_frames<gt_frames>.tif`` (disjoint datasets:
        ``image<id>_frames<N>-<N+M>.tif``).
        Raises NotFoundError for an id not in the dataset."""
        return Path(self._core.ground_truth_path(int(image_id)))

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, id={self.id}, images={len(self.image_ids)} "
                f"(train {len(self.train_ids)}, test {len(self.test_ids)}), "
                f"frames {self.input_frames}->{self.gt_frames} ({self.pairing}), "
                f"channels={self.channels}, "
                f"seed={self.seed})")


def list_datasets(datasets_dir: PathLike) -> list[Dataset]:
    """Every dataset in ``datasets_dir`` (its ``*.json`` dataset files), sorted by name.

    Files named ``*.json`` there that are not dataset JSONs are skipped with a WARNING on the
    ``flamecare`` logger. A missing folder gives an empty list.

    Raises:
        IoError: the folder cannot be listed.
    """
    return [Dataset(core) for core in _core.list_datasets(os.fspath(datasets_dir), Sink(False))]
