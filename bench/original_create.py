"""`create`'s work the way the original notebooks (create_care_dataset.ipynb) did it: every raw
stack read whole with tifffile.imread, frames summed, the bidirectional correction applied, the
two sums written with tifffile.imwrite and kept in lists, then every pixel of the dataset
concatenated per side for np.percentile, mean, std, min and max (docs/BENCHMARKS.md).

This is the generous version: the pixels are concatenated once at the end (the notebooks grew
the array image by image, which is quadratic in time), and the work is the same as numpy_create.py
otherwise (no preview, no fsync).

Usage: original_create.py RAW_ROOT OUT_DIR N_IN N_GT
"""
import json
import os
import sys

import numpy as np
import tifffile

from numpy_create import PERCENTILES, bidirectional, usable_images


def main():
    root, out, n_in, n_gt = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(os.path.join(out, "train"), exist_ok=True)
    sides = {"input": [], "output": []}
    for image_id, (tif, b) in enumerate(usable_images(root, n_gt)):
        data = tifffile.imread(tif)  # the whole stack, (F, C, Y, X)
        if data.ndim == 3:
            data = data[:, None]
        for side, n in (("input", n_in), ("output", n_gt)):
            summed = bidirectional(data[:n].sum(axis=0, dtype=np.int32), b)
            tifffile.imwrite(os.path.join(out, "train", f"image{image_id}_frames{n}.tif"),
                             summed[None])
            sides[side].append(summed)
    stats = {}
    for side, images in sides.items():
        pixels = np.concatenate([a.reshape(a.shape[0], -1) for a in images], axis=1)
        stats[side] = {
            "percentiles": [np.percentile(pixels[c], PERCENTILES).tolist()
                            for c in range(pixels.shape[0])],
            "mean": float(pixels.mean()), "std": float(pixels.std()),
            "min": float(pixels.min()), "max": float(pixels.max())}
    with open(os.path.join(out, "stats.json"), "w") as f:
        json.dump(stats, f)


if __name__ == "__main__":
    main()
