"""
flamecare's C++ core. Use the functions of the `flamecare` package instead.
"""

from collections.abc import Sequence
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

def inspect_json(file: str | os.PathLike) -> str:
    """
    The JSON object `flamecare inspect --json FILE` prints, as text. Raises NotFoundError when nothing exists at `file`, InvalidArgumentError for a directory.
    """

class DatasetStats:
    """Statistics of one side of a dataset (input or ground-truth sums)."""

    @property
    def n_frames(self) -> int:
        """Frames summed for this side."""

    @property
    def p0_1(self) -> list[float]:
        """0.1th percentile per channel."""

    @property
    def p1(self) -> list[float]:
        """1st percentile per channel."""

    @property
    def p5(self) -> list[float]:
        """5th percentile per channel."""

    @property
    def p95(self) -> list[float]:
        """95th percentile per channel."""

    @property
    def p99(self) -> list[float]:
        """99th percentile per channel."""

    @property
    def p99_9(self) -> list[float]:
        """99.9th percentile per channel."""

    @property
    def channel_mean(self) -> list[float]:
        """Mean per channel (may be empty)."""

    @property
    def channel_std(self) -> list[float]:
        """Std per channel (may be empty)."""

    @property
    def min(self) -> float:
        """Minimum over all channels."""

    @property
    def max(self) -> float:
        """Maximum over all channels."""

    @property
    def mean(self) -> float:
        """Mean over all channels."""

    @property
    def std(self) -> float:
        """Population std over all channels."""

    @property
    def n_pixels(self) -> int | None:
        """Pixels over all channels, when recorded."""

class DatasetImage:
    """One image of a dataset."""

    @property
    def id(self) -> int:
        """The raw image's index id."""

    @property
    def image(self) -> str:
        """
        Raw path relative to the raw root (bytes that are not UTF-8 written \\xNN).
        """

    @property
    def channels(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def width(self) -> int: ...

    @property
    def split(self) -> str:
        """"train" or "test"."""

    @property
    def bidirectional_correction(self) -> int:
        """Applied before summing (0 = none)."""

    @property
    def group(self) -> str:
        """
        The split group (its mosaic or sample folder, or the image itself); "" when the JSON does not record it.
        """

class Dataset:
    """A dataset made by `create` (C++ flamecare::Dataset)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def id(self) -> int:
        """The id as a number (written 0x%04x)."""

    @property
    def seed(self) -> int | None:
        """Split seed; None in the original notebooks' JSONs."""

    @property
    def test_fraction(self) -> float | None: ...

    @property
    def raw_root(self) -> pathlib.Path: ...

    @property
    def data_dir(self) -> pathlib.Path:
        """<out>/<name>, holding train/ and test/."""

    @property
    def input(self) -> DatasetStats:
        """Statistics of the few-frame input sums."""

    @property
    def output(self) -> DatasetStats:
        """Statistics of the ground-truth sums."""

    @property
    def images(self) -> list[DatasetImage]: ...

    @property
    def tool(self) -> str: ...

    @property
    def created(self) -> str: ...

    @property
    def json_path(self) -> pathlib.Path:
        """The JSON it was read from."""

    def image_ids(self) -> list[int]: ...

    def test_ids(self) -> list[int]: ...

    def train_ids(self) -> list[int]: ...

    def channels(self) -> int: ...

    def image(self, id: int) -> DatasetImage: ...

    @property
    def pairing(self) -> str:
        """"nested" or "disjoint"."""

    @property
    def group_by(self) -> str:
        """"image", "mosaic" or "sample"."""

    def input_frames(self) -> tuple[int, int]:
        """Frames [begin, end) summed for the input."""

    def target_frames(self) -> tuple[int, int]:
        """Frames [begin, end) summed for the target."""

    def image_path(self, id: int, frames: int) -> pathlib.Path: ...

    def input_path(self, id: int) -> pathlib.Path: ...

    def ground_truth_path(self, id: int) -> pathlib.Path: ...

def format_dataset_id(id: int) -> str:
    """"0x%04x", as dataset ids are written."""

def format_dataset_json(dataset: Dataset) -> str:
    """The dataset's JSON text, as `create` writes it."""

def open_dataset(name_or_path: str, datasets_dir: str | os.PathLike) -> Dataset:
    """
    Opens a dataset by name (in `datasets_dir`) or by the path of its JSON.
    """

def list_datasets(datasets_dir: str | os.PathLike, sink: object) -> list[Dataset]:
    """
    Every dataset JSON in `datasets_dir`, sorted by name; warnings about other *.json files go to `sink`.
    """

def read_pair(dataset: Dataset, id: int) -> tuple[Annotated[NDArray, dict(shape=(None, None, None), order='C')], Annotated[NDArray, dict(shape=(None, None, None), order='C')]]:
    """
    The input and ground-truth sums of image `id` as numpy arrays (C, Y, X) of the sums' dtype, read without the GIL.
    """

class CreateOptions:
    """Options of create_dataset (C++ CreateOptions)."""

    def __init__(self) -> None: ...

    @property
    def raw_root(self) -> pathlib.Path: ...

    @raw_root.setter
    def raw_root(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def datasets_dir(self) -> pathlib.Path: ...

    @datasets_dir.setter
    def datasets_dir(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def out_dir(self) -> pathlib.Path: ...

    @out_dir.setter
    def out_dir(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def type(self) -> str: ...

    @type.setter
    def type(self, arg: str, /) -> None: ...

    @property
    def input_frames(self) -> int: ...

    @input_frames.setter
    def input_frames(self, arg: int, /) -> None: ...

    @property
    def gt_frames(self) -> int: ...

    @gt_frames.setter
    def gt_frames(self, arg: int, /) -> None: ...

    @property
    def test_fraction(self) -> float: ...

    @test_fraction.setter
    def test_fraction(self, arg: float, /) -> None: ...

    @property
    def test_ids(self) -> list[int]:
        """
        Exactly these image ids form the test set (empty: test_fraction decides).
        """

    @test_ids.setter
    def test_ids(self, arg: Sequence[int], /) -> None: ...

    @property
    def min_frames(self) -> int:
        """
        Select only images with at least this many frames (0: the frames needed).
        """

    @min_frames.setter
    def min_frames(self, arg: int, /) -> None: ...

    @property
    def seed(self) -> int | None:
        """None: a fresh seed, recorded in the JSON."""

    @seed.setter
    def seed(self, arg: int | None, /) -> None: ...

    @property
    def threads(self) -> int:
        """0 = all cores."""

    @threads.setter
    def threads(self, arg: int, /) -> None: ...

    @property
    def channels(self) -> int | None:
        """Keep only images with this many channels."""

    @channels.setter
    def channels(self, arg: int | None, /) -> None: ...

    @property
    def date(self) -> str:
        """YYYYMMDD for the name; "" = today."""

    @date.setter
    def date(self, arg: str, /) -> None: ...

    @property
    def pairing(self) -> str:
        """
        "nested" (target = frames [0, M)) or "disjoint" (target = frames [N, N + M)).
        """

    @pairing.setter
    def pairing(self, arg: str, /) -> None: ...

    @property
    def group_by(self) -> str:
        """
        Which images stay together in the split: "image", "mosaic" or "sample".
        """

    @group_by.setter
    def group_by(self, arg: str, /) -> None: ...

class CreateResult:
    """What create_dataset made."""

    @property
    def name(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def seed(self) -> int: ...

    @property
    def json(self) -> pathlib.Path: ...

    @property
    def preview(self) -> pathlib.Path: ...

    @property
    def data_dir(self) -> pathlib.Path: ...

    @property
    def n_train(self) -> int: ...

    @property
    def n_test(self) -> int: ...

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        """Images not used, counted by reason code."""

    @property
    def dataset(self) -> Dataset: ...

def create_dataset(options: CreateOptions, sink: object) -> CreateResult:
    """Builds one dataset; progress and log lines go to `sink`."""

def create_ladder(options: CreateOptions, rungs: Sequence[int], sink: object) -> list[CreateResult]:
    """One dataset per consecutive pair of `rungs`, one shared split."""

class CreatePlan:
    """A sharded create's plan (C++ CreatePlan)."""

    @property
    def path(self) -> pathlib.Path:
        """The plan file."""

    @property
    def name(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def seed(self) -> int: ...

    @property
    def n_images(self) -> int: ...

    @property
    def skipped(self) -> dict[str, int]:
        """Images not selected, counted by reason."""

    @property
    def staging(self) -> pathlib.Path: ...

    @property
    def fingerprint(self) -> str: ...

class CreateShardResult:
    """What create_shard did."""

    @property
    def shard(self) -> int: ...

    @property
    def shards(self) -> int: ...

    @property
    def summed(self) -> int: ...

    @property
    def failed(self) -> int: ...

    @property
    def state(self) -> pathlib.Path: ...

def plan_create(options: CreateOptions, sink: object) -> CreatePlan:
    """Plans a sharded create: reserves name and id, writes the plan."""

def read_create_plan(path: str | os.PathLike) -> CreatePlan:
    """Reads a plan file."""

def create_shard(plan: str | os.PathLike, shard: int, shards: int, threads: int, sink: object) -> CreateShardResult:
    """
    Sums shard `shard` of `shards` of the plan's images and writes its state.
    """

def create_merge(plan: str | os.PathLike, threads: int, sink: object) -> CreateResult:
    """Merges the plan's shards and publishes the dataset."""

class PatchOptions:
    """Options of make_patches (C++ PatchOptions)."""

    def __init__(self) -> None: ...

    @property
    def dataset(self) -> str:
        """Dataset name or path to its JSON."""

    @dataset.setter
    def dataset(self, arg: str, /) -> None: ...

    @property
    def datasets_dir(self) -> pathlib.Path: ...

    @datasets_dir.setter
    def datasets_dir(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def data_dir(self) -> pathlib.Path:
        """"" = the one the JSON records."""

    @data_dir.setter
    def data_dir(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def out_dir(self) -> pathlib.Path:
        """"" = data_dir."""

    @out_dir.setter
    def out_dir(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def patch_size(self) -> int: ...

    @patch_size.setter
    def patch_size(self, arg: int, /) -> None: ...

    @property
    def patch_multiple(self) -> int: ...

    @patch_multiple.setter
    def patch_multiple(self, arg: int, /) -> None: ...

    @property
    def patches_per_image(self) -> int | None: ...

    @patches_per_image.setter
    def patches_per_image(self, arg: int | None, /) -> None: ...

    @property
    def background_threshold(self) -> float: ...

    @background_threshold.setter
    def background_threshold(self, arg: float, /) -> None: ...

    @property
    def all_channels(self) -> bool: ...

    @all_channels.setter
    def all_channels(self, arg: bool, /) -> None: ...

    @property
    def seed(self) -> int | None:
        """None: a fresh seed, recorded in the config."""

    @seed.setter
    def seed(self, arg: int | None, /) -> None: ...

    @property
    def threads(self) -> int:
        """0 = all cores."""

    @threads.setter
    def threads(self, arg: int, /) -> None: ...

    @property
    def force_zip64(self) -> bool: ...

    @force_zip64.setter
    def force_zip64(self, arg: bool, /) -> None: ...

    @property
    def validation_fraction(self) -> float:
        """Fraction of the train images held out into <npz stem>_val.npz."""

    @validation_fraction.setter
    def validation_fraction(self, arg: float, /) -> None: ...

class PatchResult:
    """What make_patches wrote."""

    @property
    def npz(self) -> pathlib.Path: ...

    @property
    def config(self) -> pathlib.Path: ...

    @property
    def samples1(self) -> pathlib.Path: ...

    @property
    def samples2(self) -> pathlib.Path: ...

    @property
    def legacy_copies(self) -> list[pathlib.Path]: ...

    @property
    def seed(self) -> int: ...

    @property
    def n_samples(self) -> int: ...

    @property
    def n_skipped(self) -> int: ...

    @property
    def n_patches(self) -> int: ...

    @property
    def patches_per_image(self) -> int: ...

    @property
    def npz_bytes(self) -> int: ...

    @property
    def val_npz(self) -> pathlib.Path:
        """"" without a validation fraction."""

    @property
    def validation_ids(self) -> list[int]: ...

    @property
    def n_val_patches(self) -> int: ...

def make_patches(options: PatchOptions, sink: object) -> PatchResult:
    """Cuts patches into an npz; progress and log lines go to `sink`."""

class PatchesPlan:
    """What plan_patches decided and wrote."""

    @property
    def path(self) -> pathlib.Path: ...

    @property
    def npz(self) -> pathlib.Path: ...

    @property
    def seed(self) -> int: ...

    @property
    def n_samples(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

class PatchShardResult:
    """What one patches_shard call wrote."""

    @property
    def state(self) -> pathlib.Path: ...

    @property
    def shard(self) -> int: ...

    @property
    def shards(self) -> int: ...

    @property
    def n_samples(self) -> int: ...

    @property
    def n_patches(self) -> int: ...

    @property
    def n_skipped(self) -> int: ...

def plan_patches(options: PatchOptions, sink: object) -> PatchesPlan:
    """Writes the plan of a sharded patches run."""

def patches_shard(plan: str | os.PathLike, shard: int, shards: int, threads: int, sink: object) -> PatchShardResult:
    """Cuts shard `shard` of `shards` of a plan."""

def patches_merge(plan: str | os.PathLike, sink: object) -> PatchResult:
    """Merges every shard of a plan into the npz one run writes."""

careamics_version: str = '0.3.5'

class ExportOptions:
    """Options of export_dataset (C++ ExportOptions)."""

    def __init__(self) -> None: ...

    @property
    def dataset(self) -> str:
        """Dataset name or path to its JSON."""

    @dataset.setter
    def dataset(self, arg: str, /) -> None: ...

    @property
    def datasets_dir(self) -> pathlib.Path: ...

    @datasets_dir.setter
    def datasets_dir(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def data_dir(self) -> pathlib.Path:
        """"" = the one the JSON records."""

    @data_dir.setter
    def data_dir(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def out_dir(self) -> pathlib.Path:
        """The export goes to <out_dir>/<name>."""

    @out_dir.setter
    def out_dir(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def format(self) -> str:
        """"careamics"."""

    @format.setter
    def format(self, arg: str, /) -> None: ...

    @property
    def validation_fraction(self) -> float: ...

    @validation_fraction.setter
    def validation_fraction(self, arg: float, /) -> None: ...

    @property
    def seed(self) -> int | None:
        """None: a fresh seed, recorded in careamics.json."""

    @seed.setter
    def seed(self, arg: int | None, /) -> None: ...

    @property
    def threads(self) -> int:
        """0 = all cores."""

    @threads.setter
    def threads(self, arg: int, /) -> None: ...

class ExportResult:
    """What export_dataset wrote."""

    @property
    def dir(self) -> pathlib.Path: ...

    @property
    def config(self) -> pathlib.Path: ...

    @property
    def axes(self) -> str: ...

    @property
    def seed(self) -> int: ...

    @property
    def train_ids(self) -> list[int]: ...

    @property
    def val_ids(self) -> list[int]: ...

    @property
    def test_ids(self) -> list[int]: ...

    @property
    def n_linked(self) -> int: ...

    @property
    def n_copied(self) -> int: ...

def export_dataset(options: ExportOptions, sink: object) -> ExportResult:
    """Exports a dataset for a trainer; progress and log lines go to `sink`."""

class SynthOptions:
    """Options of write_synthetic_corpus (C++ SynthOptions)."""

    def __init__(self) -> None: ...

    @property
    def out(self) -> pathlib.Path: ...

    @out.setter
    def out(self, arg: str | os.PathLike, /) -> None: ...

    @property
    def images(self) -> int: ...

    @images.setter
    def images(self, arg: int, /) -> None: ...

    @property
    def size(self) -> int: ...

    @size.setter
    def size(self, arg: int, /) -> None: ...

    @property
    def frames(self) -> int: ...

    @frames.setter
    def frames(self, arg: int, /) -> None: ...

    @property
    def channels(self) -> int: ...

    @channels.setter
    def channels(self, arg: int, /) -> None: ...

    @property
    def dtype(self) -> str:
        """Pixel type of the raw stacks (numpy name)."""

    @dtype.setter
    def dtype(self, arg: str, /) -> None: ...

    @property
    def seed(self) -> int: ...

    @seed.setter
    def seed(self, arg: int, /) -> None: ...

    @property
    def with_bad_files(self) -> bool: ...

    @with_bad_files.setter
    def with_bad_files(self, arg: bool, /) -> None: ...

class SynthResult:
    """The files write_synthetic_corpus wrote."""

    @property
    def good(self) -> list[pathlib.Path]:
        """Usable stacks."""

    @property
    def bad(self) -> list[pathlib.Path]:
        """Deliberately unusable files."""

def write_synthetic_corpus(options: SynthOptions, sink: object) -> SynthResult:
    """
    Writes a synthetic corpus of ScanImage stacks and sidecars; progress goes to `sink`.
    """
