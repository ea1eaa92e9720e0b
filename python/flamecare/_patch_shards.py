"""patches in shards: plan_patches, patches_shard, patches_merge (the steps a workflow engine runs
on several machines; together they write exactly what one make_patches run writes)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Union

from . import _core
from ._dataset import Dataset
from ._options import as_int
from ._patches import Patches, patch_options
from ._report import Sink

PathLike = Union[str, "os.PathLike[str]"]


class PatchesPlan:
    """What :func:`plan_patches` decided and wrote to ``<npz stem>.plan.json`` next to the npz:
    the seed, every sample with its seed, patches per sample, validation images, names."""

    def __init__(self, plan: _core.PatchesPlan) -> None:
        self._plan = plan

    @property
    def path(self) -> Path:
        """The plan file (absolute): give it to :func:`patches_shard` and :func:`patches_merge`."""
        return Path(self._plan.path)

    @property
    def npz_path(self) -> Path:
        """The npz :func:`patches_merge` writes."""
        return Path(self._plan.npz)

    @property
    def seed(self) -> int:
        """The seed (given or fresh): the same as one ``make_patches`` run with it."""
        return self._plan.seed

    @property
    def n_samples(self) -> int:
        """Samples the shards share: sample i goes to shard k of n when i % n == k - 1."""
        return self._plan.n_samples

    def __repr__(self) -> str:
        return f"PatchesPlan({str(self.path)!r}, samples={self.n_samples}, seed={self.seed})"


def _plan_path(plan: PatchesPlan | PathLike) -> str:
    return os.fspath(plan.path if isinstance(plan, PatchesPlan) else plan)


def plan_patches(
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
) -> PatchesPlan:
    """Plans a sharded ``make_patches`` (``flamecare patches ... --plan-only``): decides what needs
    the whole dataset and writes ``<npz stem>.plan.json`` atomically next to where the npz goes.
    The arguments are :func:`make_patches`'s (``threads`` is unused here: each shard gets its
    own). Then run :func:`patches_shard` for k = 1 ... n (anywhere that sees the files) and
    :func:`patches_merge`.

    Returns:
        :class:`PatchesPlan`: ``path``, ``npz_path``, ``seed``, ``n_samples``.

    Raises:
        AlreadyExistsError: the npz (or validation npz) exists already.
        Otherwise as :func:`make_patches`.
    """
    options = patch_options(ds, patch_size, patch_multiple, all_channels, seed,
                            patches_per_image=patches_per_image,
                            background_threshold=background_threshold, threads=threads,
                            out_dir=out_dir, data_dir=data_dir, datasets_dir=datasets_dir,
                            force_zip64=force_zip64, validation_fraction=validation_fraction)
    return PatchesPlan(_core.plan_patches(options, Sink(progress)))


def patches_shard(plan: PatchesPlan | PathLike, k: int, n: int, threads: int = 0,
                  progress: bool = True) -> Path:
    """Cuts shard ``k`` of ``n`` (``flamecare patches-shard PLAN --shard K/N``): the plan's samples
    i with i % n == k - 1, with the seeds one run uses, into the shard's files next to the plan;
    its state file is written last. A re-run (after a crash) replaces only this shard's files.

    Returns:
        The shard's state file.

    Raises:
        InvalidArgumentError: unless 1 <= k <= n.
        NotFoundError: no such plan (or the dataset's files are gone).
        CorruptFileError: a damaged plan, or one the dataset no longer gives.
        KeyboardInterrupt: stopped; the shard stays unfinished (no state file).
    """
    result = _core.patches_shard(_plan_path(plan), as_int("k", k), as_int("n", n),
                                 as_int("threads", threads), Sink(progress))
    return Path(result.state)


def patches_merge(plan: PatchesPlan | PathLike, progress: bool = True) -> Patches:
    """Merges the shards of a plan (``flamecare patches-merge PLAN``) into exactly what one
    :func:`make_patches` run with the plan's seed writes (byte-identical npz, validation npz,
    config, sheets), then removes the shard files. The shard states must form a complete set
    1 ... n of one n made for this plan.

    Returns:
        :class:`Patches`, as :func:`make_patches` returns.

    Raises:
        NotFoundError: a shard has not finished (the message names it); nothing written.
        CorruptFileError: a stale shard (another plan, or states of another n) or a damaged one;
            nothing written.
        AlreadyExistsError: the npz exists already.
    """
    return Patches(_core.patches_merge(_plan_path(plan), Sink(progress)))
