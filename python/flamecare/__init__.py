"""flamecare: turn FLAME ScanImage acquisitions into CARE denoising training data, on a C++ core.

::

    import flamecare as fc
    fc.synth("raw", images=8)                        # a synthetic corpus to try things on
    fc.inspect("raw/.../Im_00001.tif")               # dict, as `flamecare inspect --json`
    raw = fc.read_raw("raw/.../Im_00001.tif")        # raw.data (F, C, Y, X), raw.frames(0, 5)
    idx = fc.update_index("raw", "datasets")         # pandas.DataFrame of raw_image_index.csv
    ds = fc.create("raw", "datasets", "data", input_frames=5, gt_frames=40, seed=1)
    ds.stats("input")["p99"]; x, y = ds.pair(ds.train_ids[0])
    ps = fc.make_patches(ds, patch_size=64)          # ps.npz_path, ps.config
    X, Y, coords = ps.load()
    ex = fc.export(ds, "careamics", validation_fraction=0.1)   # CAREamics folders + careamics.json

Errors are ``fc.FlamecareError`` subclasses that are also the matching built-in exceptions.
Log lines go to the ``flamecare`` logger; heavy calls release the GIL and run on all cores;
Ctrl-C stops ``create`` and ``make_patches`` cleanly (KeyboardInterrupt, nothing left behind).
"""
from ._core import version as _version
from ._create import create
from ._create_shards import CreatePlan, create_merge, create_shard, plan_create
from ._dataset import Dataset, list_datasets
from ._export import CAREAMICS_VERSION, Export, export
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
from ._inspect import inspect
from ._patch_shards import PatchesPlan, patches_merge, patches_shard, plan_patches
from ._patches import Patches, make_patches
from ._raw import RawImage, read_raw
from ._synth import Corpus, synth

__version__: str = _version()

__all__ = [
    "__version__",
    "CAREAMICS_VERSION",
    "Export",
    "AlreadyExistsError",
    "Corpus",
    "CreatePlan",
    "CorruptFileError",
    "Dataset",
    "FlamecareError",
    "InternalError",
    "InvalidArgumentError",
    "IoError",
    "NotFoundError",
    "Patches",
    "PatchesPlan",
    "RawImage",
    "UnsupportedFileError",
    "create",
    "create_merge",
    "create_shard",
    "export",
    "inspect",
    "list_datasets",
    "make_patches",
    "patches_merge",
    "patches_shard",
    "plan_create",
    "plan_patches",
    "read_raw",
    "synth",
    "update_index",
]
