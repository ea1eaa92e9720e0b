"""`patches` checked independently: numpy.load, every patch recomputed from the TIFFs and JSON,
CSBDeep's background rule re-evaluated with scipy, CSBDeep's own loader, determinism,
all-channels and ZIP64."""
import filecmp
import json
import os
import struct
import zipfile

import numpy as np
import tifffile
from scipy.ndimage import maximum_filter

from flamecare_testlib import csbdeep_load_training_data, normalize, run

P, M, T = 32, 2, 0.5


def has_zip64_field(extra):
    i = 0
    while i + 4 <= len(extra):
        header_id, length = struct.unpack("<HH", extra[i:i + 4])
        if header_id == 0x0001:
            return True
        i += 4 + length
    return False


def all_members_zip64(path):
    """True when every member's local header carries a ZIP64 extended-information field."""
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        for info in zf.infolist():
            raw.seek(info.header_offset)
            header = raw.read(30)
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            raw.seek(info.header_offset + 30 + name_len)
            if not has_zip64_field(raw.read(extra_len)):
                return False
    return True


def check_npz(npz, d, data_dir, all_channels):
    f = np.load(npz)
    assert sorted(f.files) == ["X", "Y", "axes", "coords"], f"npz members {f.files}"
    X, Y, axes, coords = f["X"], f["Y"], f["axes"], f["coords"]
    assert X.dtype == np.float32 and Y.dtype == np.float32, "X, Y float32"
    assert axes.shape == () and str(axes) == "SCYX", f"axes {axes!r}"
    assert coords.dtype == np.int32 and coords.shape == (X.shape[0], 4), f"coords {coords.dtype} {coords.shape}"
    C = d["image_shapes"][0][1]
    assert X.shape[1:] == ((C if all_channels else 1), P, P) and X.shape == Y.shape, f"X shape {X.shape}"
    assert X.min() >= 0 and X.max() <= 1 and Y.min() >= 0 and Y.max() <= 1, "values in [0, 1]"
    ymax = max(s[2] for s in d["image_shapes"])
    n = (ymax // P) * M
    train = [i for i in d["image_ids"] if i not in d["test_ids"]]
    samples = len(train) * (1 if all_channels else C)
    assert X.shape[0] % n == 0 and X.shape[0] <= samples * n, f"{X.shape[0]} patches, {n} per sample"
    p1 = [d[b]["pixel_1pct"] for b in ("input", "output")]
    p99 = [d[b]["pixel_99pct"] for b in ("input", "output")]
    cache, bad_content, bad_rule = {}, 0, 0
    for k, (image_id, ch, y0, x0) in enumerate(coords):
        assert image_id in train, f"patch {k} from a train image"
        if image_id not in cache:
            imgs = []
            for which, frames in ((0, d["input"]["n_frames"]), (1, d["output"]["n_frames"])):
                raw = tifffile.imread(os.path.join(data_dir, d["name"], "train", f"image{image_id}_frames{frames}.tif"))[0]
                imgs.append(np.stack([normalize(raw[q], p1[which][q], p99[which][q]) for q in range(C)]))
            cache[image_id] = imgs
        xin, gt = cache[image_id]
        sl = np.s_[:, y0:y0 + P, x0:x0 + P] if ch < 0 else np.s_[ch:ch + 1, y0:y0 + P, x0:x0 + P]
        if not (np.array_equal(X[k], xin[sl]) and np.array_equal(Y[k], gt[sl])):
            bad_content += 1
        H, W = gt.shape[1:]
        cy, cx = y0 + P // 2, x0 + P // 2
        in_range = P // 2 <= cy < H - P + P // 2 + 1 and P // 2 <= cx < W - P + P // 2 + 1
        if ch >= 0:
            filt = maximum_filter(gt[ch], size=P // 2, mode="constant")
            ok = filt[cy, cx] > T * np.percentile(gt[ch], 99.9)
        else:
            sizes = (C // 2 if C > 1 else C, P // 2, P // 2)
            filt = maximum_filter(gt, size=sizes, mode="constant")
            ok = filt[C // 2, cy, cx] > T * np.percentile(gt, 99.9)
        bad_rule += 0 if (ok and in_range) else 1
    assert bad_content == 0, f"{bad_content} patches differ from the normalised train images at their coords"
    assert bad_rule == 0, f"{bad_rule} patch centres break the background rule or the centre range"
    (X2, Y2), _, axes2 = csbdeep_load_training_data(npz)
    assert axes2 == "SYXC", f"CSBDeep axes {axes2}"
    assert np.array_equal(X2, np.moveaxis(X, 1, -1)) and np.array_equal(Y2, np.moveaxis(Y, 1, -1)), \
        "CSBDeep's load_training_data gives the npz arrays, channels last"
    return X, coords


def test_patches(cli, tmp_path):
    tmp = str(tmp_path)
    raw, ds, data = (os.path.join(tmp, x) for x in ("raw", "datasets", "data"))
    # Two acquisitions of different sizes: patches of the smaller must stay inside it.
    run(cli, "synth", os.path.join(raw, "big"), "--images", 3, "--size", 96, "--frames", 10,
        "--channels", 2, "--seed", 4)
    run(cli, "synth", os.path.join(raw, "small"), "--images", 2, "--size", 64, "--frames", 10,
        "--channels", 2, "--seed", 5)
    proc = run(cli, "create", raw, "--datasets", ds, "--out", data, "--input-frames", 2, "--gt-frames", 8,
               "--test-fraction", 0.25, "--seed", 1)
    name = proc.stdout.split()[1]
    with open(os.path.join(ds, name + ".json")) as f:
        d = json.load(f)["FLAME_Dataset"]
    common = ["--datasets", ds, "--data", data, "--patch-size", P, "--patch-multiple", M,
              "--background-threshold", T]
    run(cli, "patches", name, *common, "--seed", 9, "--out", os.path.join(tmp, "a"))
    run(cli, "patches", os.path.join(ds, name + ".json"), *common, "--seed", 9, "--out", os.path.join(tmp, "b"))
    run(cli, "patches", name, *common, "--seed", 10, "--out", os.path.join(tmp, "c"))
    npz_name = f"{name}_patch{P}_{(96 // P) * M}PpI_1Chan.npz"  # Y_max = 96
    a, b, cc = (os.path.join(tmp, x, name, npz_name) for x in ("a", "b", "c"))
    X, coords = check_npz(a, d, data, False)
    heights = {e["id"]: e["shape"][2] for e in d["images"]}
    assert {heights[int(i)] for i in coords[:, 0]} == {64, 96}, "patches come from both image sizes"
    assert filecmp.cmp(a, b, shallow=False), "same seed gives a byte-identical npz"
    assert not filecmp.cmp(a, cc, shallow=False), "another seed gives other patches"
    with open(os.path.join(tmp, "a", name, "1Chan_patch_config.json")) as f:
        cfg = json.load(f)
    pc = cfg["Patch_Config"]
    assert cfg["FLAME_Dataset"] == d, "config embeds the dataset JSON"
    assert pc["npz_name"] == npz_name and pc["n_patches"] == X.shape[0] and pc["patch_size"] == P, \
        f"Patch_Config {pc}"
    for png in ("patch_samples1.png", "patch_samples2.png"):
        assert os.path.getsize(os.path.join(tmp, "a", name, png)) > 1000, f"{png} written"
    run(cli, "patches", name, *common, "--seed", 9, "--out", os.path.join(tmp, "a"), expect=1)
    run(cli, "patches", name, *common, "--all-channels", "--force-zip64", "--seed", 9,
        "--out", os.path.join(tmp, "z"))
    z = os.path.join(tmp, "z", name, f"{name}_patch{P}_{(96 // P) * M}PpI_AllChan.npz")
    Xa, coords_a = check_npz(z, d, data, True)
    assert (coords_a[:, 1] == -1).all(), "all-channels coords carry channel -1"
    assert all_members_zip64(z), "forced ZIP64 records present in every local header"
    run(cli, "patches", "no_such_dataset", "--datasets", ds, expect=1)
