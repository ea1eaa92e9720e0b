"""`patches`' work done with CSBDeep's own create_patches (the benchmark's baseline, as the
original care_data_configuration.ipynb did it): the dataset's train pairs read with tifffile,
padded to the dataset's largest Y, X, normalised per channel with the dataset's 1st/99th
percentiles (flamecare's formula), each (image, channel) one 2-D sample, then
csbdeep.data.create_patches with n = floor(Y_max / P) * m patches per sample, CSBDeep's
no_background_patches(threshold) filter, no further normalisation, saved to an npz by CSBDeep.

Usage: csbdeep_patches.py DATASET_JSON DATA_DIR OUT_NPZ [P] [M] [THRESHOLD]
"""
import json
import os
import sys

import numpy as np
import tifffile
from csbdeep.data import RawData, create_patches, no_background_patches


def main():
    dataset_json, data_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
    p = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    m = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    threshold = float(sys.argv[6]) if len(sys.argv) > 6 else 0.5
    with open(dataset_json) as f:
        d = json.load(f)["FLAME_Dataset"]
    shapes = d["image_shapes"]
    y_max = max(s[2] for s in shapes)
    x_max = max(s[3] for s in shapes)
    folder = os.path.join(data_dir, d["name"], "train")
    xs, ys = [], []
    for image_id in d["image_ids"]:
        if image_id in d["test_ids"]:
            continue
        pair = []
        for side, frames in (("input", d["input"]["n_frames"]), ("output", d["output"]["n_frames"])):
            img = tifffile.imread(os.path.join(folder, f"image{image_id}_frames{frames}.tif"))[0]
            padded = np.zeros((img.shape[0], y_max, x_max), img.dtype)
            padded[:, :img.shape[1], :img.shape[2]] = img
            p1 = np.array(d[side]["pixel_1pct"])[:, None, None]
            p99 = np.array(d[side]["pixel_99pct"])[:, None, None]
            pair.append(np.clip((padded.astype(np.float64) - p1) / (p99 - p1 + 1e-20), 0, 1)
                        .astype(np.float32))
        for c in range(pair[0].shape[0]):
            xs.append(pair[0][c])
            ys.append(pair[1][c])
    raw = RawData.from_arrays(xs, ys, axes="YX")
    create_patches(raw, (p, p), (y_max // p) * m, patch_filter=no_background_patches(threshold),
                   normalization=None, save_file=out, verbose=False)


if __name__ == "__main__":
    main()
