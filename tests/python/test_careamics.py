"""CAREamics for real (PyTorch on the CPU): a CARE model trained on a nested-pair export and a
Noise2Noise model trained on a disjoint-pair export, each for one short epoch with flamecare's
statistics passed in; training must run, use those statistics and give a finite loss.

Needs `make venv-ml` (python/requirements-ml.txt). `make test` sets FLAMECARE_REQUIRE_CAREAMICS=1,
so there a missing CAREamics fails instead of skipping.
"""
import importlib.util
import math
import os

import numpy as np
import pytest

import flamecare as fc

# Only whether it is installed: importing it needs import_careamics()'s workaround first.
if os.environ.get("FLAMECARE_REQUIRE_CAREAMICS") != "1" and importlib.util.find_spec("careamics") is None:
    pytest.skip("CAREamics not installed: run `make venv-ml`", allow_module_level=True)


def import_careamics():
    """Imports CAREamics. PyPI's torchvision 0.28.0 (the release for torch 2.13.0) is built for
    CUDA: with the CPU torch its compiled operators do not load, and its import then fails while
    registering a fake kernel for the detection operators nms / qnms. Declaring those two
    operators' schemas (torchvision's own, from its C++ registration) lets the import finish;
    CAREamics's CARE / Noise2Noise training never calls them."""
    import torch

    try:
        import torchvision  # noqa: F401
    except RuntimeError as e:
        if "torchvision::nms" not in str(e):
            raise
        import sys

        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
        lib = torch.library.Library("torchvision", "DEF")  # kept alive below
        lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        import_careamics.library = lib
        import torchvision  # noqa: F401,F811
    import careamics

    assert torch.version.cuda is None, "a CUDA build of torch; the tests pin the CPU build"
    assert careamics.__version__ == fc.CAREAMICS_VERSION
    return careamics


@pytest.fixture(scope="module")
def careamics():
    return import_careamics()


@pytest.fixture(scope="module")
def raw(cli, tmp_path_factory):
    root = tmp_path_factory.mktemp("cam") / "raw"
    from flamecare_testlib import run

    run(cli, "synth", root, "--images", 12, "--size", 64, "--frames", 8, "--channels", 2,
        "--seed", 13)
    return root


def train_one_epoch(careamics, ex, algorithm, work_dir):
    from careamics import CAREamist
    from careamics.config import create_advanced_care_config, create_advanced_n2n_config

    cfg = ex.config
    factory = create_advanced_care_config if algorithm == "care" else create_advanced_n2n_config
    config = factory(
        experiment_name=f"flamecare_{algorithm}",
        data_type=cfg["data_config"]["data_type"],
        axes=cfg["data_config"]["axes"],
        patch_size=[32, 32],
        batch_size=2,
        num_epochs=1,
        num_steps=3,
        n_channels_in=cfg["n_channels"],
        n_channels_out=cfg["n_channels"],
        normalization="mean_std",
        normalization_params=ex.normalization_params(),
        num_workers=0,
        model_params={"depth": 2, "num_channels_init": 8},
        trainer_params={"accelerator": "cpu", "devices": 1, "limit_val_batches": 2,
                        "enable_model_summary": False},
        seed=7,
    )
    careamist = CAREamist(config, work_dir=work_dir, enable_progress_bar=False)
    careamist.train(train_data=ex.folder("train", "input"),
                    train_data_target=ex.folder("train", "target"),
                    val_data=ex.folder("val", "input"),
                    val_data_target=ex.folder("val", "target"))
    return careamist


def check_trained(careamist, ex):
    trainer = careamist.trainer
    assert trainer.current_epoch == 1 and trainer.global_step > 0
    losses = {k: float(v) for k, v in trainer.callback_metrics.items() if "loss" in k}
    assert any(k.startswith("train_loss") for k in losses), losses
    assert losses and all(math.isfinite(v) for v in losses.values()), losses
    # CAREamics normalised with flamecare's exact statistics, not with an estimate of its own.
    used = careamist.train_datamodule.config.normalization
    for key, value in ex.normalization_params().items():
        np.testing.assert_array_equal(getattr(used, key), value)


def test_care_trains_on_a_nested_export_with_flamecare_statistics(careamics, raw, tmp_path):
    ds = fc.create(raw, tmp_path / "ds", tmp_path / "data", input_frames=2, gt_frames=8,
                   seed=1, test_fraction=0.2, progress=False, group_by="mosaic")
    ex = fc.export(ds, tmp_path / "careamics", validation_fraction=0.3, seed=2, progress=False)
    assert ex.axes == "CYX" and ex.val_ids and ex.train_ids
    careamist = train_one_epoch(careamics, ex, "care", tmp_path / "work")
    check_trained(careamist, ex)


def test_noise2noise_trains_on_a_disjoint_export(careamics, raw, tmp_path):
    ds = fc.create(raw, tmp_path / "ds", tmp_path / "data", input_frames=4, gt_frames=4,
                   seed=1, test_fraction=0.2, progress=False, pairing="disjoint")
    ex = fc.export(ds, tmp_path / "careamics", validation_fraction=0.3, seed=2, progress=False)
    assert ex.config["flamecare"]["target_frames"] == [4, 8]
    careamist = train_one_epoch(careamics, ex, "n2n", tmp_path / "work")
    check_trained(careamist, ex)


def test_careamics_json_validates_as_careamics_configuration(careamics, raw, tmp_path):
    from careamics.config.data.normalization_config import MeanStdConfig, QuantileConfig

    ds = fc.create(raw, tmp_path / "ds", tmp_path / "data", input_frames=2, gt_frames=8,
                   seed=1, progress=False)
    ex = fc.export(ds, tmp_path / "careamics", progress=False)
    mean_std = MeanStdConfig(**ex.config["data_config"]["normalization"])
    mean_std.validate_size(2, 2)
    quantile = QuantileConfig(**ex.config["quantile_normalization"])
    quantile.validate_size(2, 2)
    assert not mean_std.needs_computation() and not quantile.needs_computation()
