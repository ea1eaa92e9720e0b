"""A sharded create: plan_create, create_shard and create_merge (one create across machines)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence, Union

from . import _core
from ._create import PathLike, create_options
from ._dataset import Dataset
from ._options import as_int
from ._report import Sink, logger


class CreatePlan:
    """A plan made by :func:`plan_create` (what ``<out>/<name>.plan.json`` holds).

    Attributes:
        path: the plan file (pass it, or this object, to :func:`create_shard` and
            :func:`create_merge`; other machines can use the path).
        name: the dataset name the plan reserved.
        id: the dataset id the plan reserved (``"0x%04x"``).
        seed: the split seed (drawn when none was given).
        n_images: how many images the shards sum between them.
    """

    def __init__(self, plan: _core.CreatePlan) -> None:
        self._plan = plan
        self.path: Path = Path(plan.path)
        self.name: str = plan.name
        self.id: str = plan.id
        self.seed: int = plan.seed
        self.n_images: int = plan.n_images

    @classmethod
    def open(cls, path: PathLike) -> "CreatePlan":
        """Reads a plan file. Raises NotFoundError, IoError, CorruptFileError."""
        return cls(_core.read_create_plan(os.fspath(path)))

    def __repr__(self) -> str:
        return (f"CreatePlan({self.name!r}, id={self.id}, seed={self.seed}, "
                f"n_images={self.n_images})")


PlanLike = Union[CreatePlan, str, "os.PathLike[str]"]


def _plan_path(plan: PlanLike) -> str:
    return os.fspath(plan.path if isinstance(plan, CreatePlan) else plan)


def plan_create(
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
    pairing: str = "nested",
    group_by: str = "image",
    test_ids: Sequence[int] | None = None,
    min_frames: int | None = None,
) -> CreatePlan:
    """Plans a create to be summed in shards, as ``flamecare create --plan-only`` does.

    Takes :func:`create`'s arguments (but ``ladder``). Updates the index, selects the images,
    draws the seed when none is given, fixes the date, reserves the dataset's name (plans'
    names count as taken, so a second plan or a plain ``create`` gets another) and its id, and
    writes ``<out_dir>/<name>.plan.json`` with a staging folder next to it. Then run
    :func:`create_shard` for k = 1..n (on any machines that see the same paths) and
    :func:`create_merge`: the dataset is the one :func:`create` makes with the same seed.

    Returns:
        The :class:`CreatePlan`.

    Raises:
        As :func:`create`.
    """
    options = create_options(raw_root, datasets_dir, out_dir, input_frames, gt_frames,
                             test_fraction, seed, channels, threads, type=type, date=date,
                             pairing=pairing, group_by=group_by, test_ids=test_ids,
                             min_frames=min_frames)
    plan = CreatePlan(_core.plan_create(options, Sink(progress)))
    logger.info("plan %s (id %s), seed %d: %d images: %s", plan.name, plan.id, plan.seed,
                plan.n_images, plan.path)
    return plan


def create_shard(plan: PlanLike, shard: int, shards: int, threads: int = 0,
                 progress: bool = True) -> Path:
    """Sums shard ``shard`` of ``shards`` of a plan, as ``flamecare create-shard`` does.

    The shard takes the plan's images at positions i with ``i % shards == shard - 1``, writes
    their sums into the plan's staging folder and, last, its state file (its exact partial
    statistics and which images it summed or could not read). Running it again (after a
    crash) redoes only this shard's part.

    Parameters:
        plan: a :class:`CreatePlan` or the path of its file.
        shard: which shard, 1..shards.
        shards: how many shards the plan is cut into.
        threads: worker threads; 0 uses all cores.
        progress: show a tqdm bar.

    Returns:
        The path of the shard's state file.

    Raises:
        InvalidArgumentError: not 1 <= shard <= shards.
        NotFoundError: the plan file or its staging folder is gone (merged already?).
        CorruptFileError: the plan is not a plan or was edited.
        IoError: a sum cannot be written.
        KeyboardInterrupt: Ctrl-C; the shard leaves no state (run it again).
    """
    result = _core.create_shard(_plan_path(plan), as_int("shard", shard),
                                as_int("shards", shards), as_int("threads", threads),
                                Sink(progress))
    logger.info("shard %d/%d: %d images summed, %d could not be read", result.shard,
                result.shards, result.summed, result.failed)
    return Path(result.state)


def create_merge(plan: PlanLike, threads: int = 0, progress: bool = True) -> Dataset:
    """Merges a plan's shards and publishes the dataset, as ``flamecare create-merge`` does.

    Requires the states of one complete set of shards 1..n made for this plan; merges their
    statistics, then writes the JSON and preview and moves the data into place exactly as
    :func:`create` does at its end, and removes the plan and its staging folder.

    Parameters:
        plan: a :class:`CreatePlan` or the path of its file.
        threads: threads for the preview; 0 uses all cores.
        progress: show tqdm bars.

    Returns:
        The new :class:`Dataset`.

    Raises:
        NotFoundError: a shard has not finished (named), or a finished shard's sums are gone.
        CorruptFileError: a stale shard state (another plan, another shard count) is present.
        IoError: an output cannot be written.
    """
    r = _core.create_merge(_plan_path(plan), as_int("threads", threads), Sink(progress))
    skipped = ", ".join(f"{k} {v}" for k, v in r.skipped_by_reason.items()) or "none"
    logger.info("dataset %s (id %s), seed %d: %d train, %d test images; skipped: %s", r.name,
                r.id, r.seed, r.n_train, r.n_test, skipped)
    return Dataset(r.dataset)
