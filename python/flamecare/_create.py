"""create: datasets of few-frame / many-frame sums with exact statistics."""
from __future__ import annotations

import os
from typing import Sequence, Union

from . import _core
from ._dataset import Dataset
from ._options import as_float, as_int, as_seed
from ._report import Sink, logger

PathLike = Union[str, "os.PathLike[str]"]

def create(
    raw_root: PathLike,
    datasets_dir: PathLike,
    out_dir: PathLike,
    input_frames: int = 5,
    gt_frames: int = 40,
    test_fraction: float = 0.1,
    seed: int | None = None,
    channels: int | None = None,
    threads: int = 0,
    progress: bool = True,
    *,
    type: str = "denoising",
    date: str | None = None,
    ladder: Sequence[int] | None = None,
    pairing: str = "nested",
    group_by: str = "image",
    test_ids: Sequence[int] | None = None,
    min_frames: int | None = None,
) -> Dataset | list[Dataset]:
    """Builds a dataset of summed frame pairs, exactly as ``flamecare create`` does.

    Updates the index of ``raw_root`` (``<datasets_dir>/raw_image_index.csv``), selects the
    usable images with at least ``gt_frames`` frames, splits them into train and test, sums
    frames [0, input_frames) and [0, gt_frames) of every channel after the sidecar's
    bidirectional correction, computes exact statistics, and writes
    ``<out_dir>/<name>/{train,test}/image<id>_frames<N>.tif``, ``<datasets_dir>/<name>.json``
    (written last: a dataset is complete exactly when its JSON exists) and the preview
    ``<datasets_dir>/<name>.png``. Nothing existing is overwritten: a taken name gets a ``_2``,
    ``_3``, ... suffix.

    Parameters:
        raw_root: folder of raw ScanImage stacks and their ``.tileData.txt`` sidecars.
        datasets_dir: folder of the index, dataset JSONs and previews (created when missing).
        out_dir: where the dataset's folder of summed TIFFs goes (not inside ``raw_root``).
        input_frames: frames summed for the noisy input (at least 1).
        gt_frames: frames summed for the ground truth (more than ``input_frames``).
        test_fraction: fraction of images held out for testing, in [0, 1).
        seed: split seed; None draws a fresh one (recorded in the JSON, see ``Dataset.seed``).
        channels: keep only images with this many channels (needed when they differ).
        threads: worker threads; 0 uses all cores.
        progress: show tqdm bars for the stages (a widget in Jupyter).
        type: the dataset type (``"denoising"``).
        date: ``YYYYMMDD`` used in the name; None means today.
        ladder: frame ladder such as ``[5, 10, 20, 40]``: one dataset per consecutive pair
            (5->10, 10->20, 20->40) with one shared split; ``input_frames`` and ``gt_frames``
            are then ignored and a list of datasets is returned (nested pairing only).
        pairing: ``"nested"`` (target = frames [0, gt_frames)) or ``"disjoint"`` (target =
            frames [input_frames, input_frames + gt_frames): independent of the input, a
            Noise2Noise pair; needs input_frames + gt_frames frames; the name ends ``_disjoint``).
        group_by: ``"image"`` (each image alone: the split of earlier versions for the same
            seed), ``"mosaic"`` (the image's folder) or ``"sample"`` (the folder above it):
            the test split takes whole groups.
        test_ids: exactly these images (index ids) form the test set and the rest train;
            ``test_fraction`` is then not used. Only with ``group_by="image"``; an id that is
            not among the selected images, listed twice, or all of them is an error.
        min_frames: select only images with at least this many frames (None: the frames the
            pairing needs).

    Returns:
        The new :class:`Dataset` (a list of them with ``ladder``).

    Raises:
        InvalidArgumentError: an option is out of range or does not fit the others (also:
            ``ladder`` with disjoint pairing, or no image with the frames disjoint pairing needs).
        NotFoundError: ``raw_root`` does not exist, or no image is usable with enough frames.
        UnsupportedFileError: the images have different channel counts (pick ``channels``).
        IoError: an output cannot be written (full disk, permissions) or free space is short.
        KeyboardInterrupt: Ctrl-C or the notebook's interrupt: the run stops within about a
            second and removes what it wrote (no dataset JSON, data folder or temporary file).

    Bad raw files are not errors: each gets a WARNING on the ``flamecare`` logger. The work runs
    on ``threads`` threads without the GIL.
    """
    options = create_options(raw_root, datasets_dir, out_dir, input_frames, gt_frames,
                             test_fraction, seed, channels, threads, type=type, date=date,
                             pairing=pairing, group_by=group_by, test_ids=test_ids,
                             min_frames=min_frames)
    sink = Sink(progress)
    if ladder is None:
        results = [_core.create_dataset(options, sink)]
    else:
        results = _core.create_ladder(options, [as_int("ladder", r) for r in ladder], sink)
    for r in results:
        skipped = ", ".join(f"{k} {v}" for k, v in r.skipped_by_reason.items()) or "none"
        logger.info("dataset %s (id %s), seed %d: %d train, %d test images; skipped: %s",
                    r.name, r.id, r.seed, r.n_train, r.n_test, skipped)
    datasets = [Dataset(r.dataset) for r in results]
    return datasets if ladder is not None else datasets[0]


def create_options(
    raw_root: PathLike,
    datasets_dir: PathLike,
    out_dir: PathLike,
    input_frames: int,
    gt_frames: int,
    test_fraction: float,
    seed: int | None,
    channels: int | None,
    threads: int,
    *,
    type: str,
    date: str | None,
    pairing: str,
    group_by: str,
    test_ids: Sequence[int] | None,
    min_frames: int | None,
) -> _core.CreateOptions:
    """The C++ CreateOptions of :func:`create`'s arguments (also :func:`plan_create`'s)."""
    options = _core.CreateOptions()
    options.raw_root = os.fspath(raw_root)
    options.datasets_dir = os.fspath(datasets_dir)
    options.out_dir = os.fspath(out_dir)
    options.type = str(type)
    options.input_frames = as_int("input_frames", input_frames)
    options.gt_frames = as_int("gt_frames", gt_frames)
    options.test_fraction = as_float("test_fraction", test_fraction)
    options.seed = as_seed(seed)
    options.threads = as_int("threads", threads)
    options.channels = None if channels is None else as_int("channels", channels)
    options.date = "" if date is None else str(date)
    options.pairing = str(pairing)
    options.group_by = str(group_by)
    if test_ids is not None:
        options.test_ids = [as_int("test_ids", i) for i in test_ids]
    if min_frames is not None:
        options.min_frames = as_int("min_frames", min_frames)
    return options
