"""`create`'s work done the way a capable numpy/tifffile user would write it (the benchmark's
baseline; see docs/BENCHMARKS.md).

For every usable raw image (a sidecar whose framesPerTile covers N_gt): read only the pages of
frames [0, N_gt) with tifffile, sum frames [0, N_in) into int32, continue that sum to N_gt,
apply the sidecar's bidirectional correction, write the two sums as (1, C, Y, X) TIFFs. The
statistics are exact with memory bounded by the value range, not the pixel count: one
np.bincount histogram per channel and side, merged across images; the percentiles are read off
the histograms at numpy's ranks and interpolated by np.percentile itself, so they equal
np.percentile on the concatenated pixels. Images are processed by a thread pool (numpy's sums,
tifffile's reads and writes release the GIL). Writes no preview and does not fsync.

Usage: numpy_create.py RAW_ROOT OUT_DIR N_IN N_GT [--threads N]
"""
import argparse
import concurrent.futures
import glob
import json
import os
import threading

import numpy as np
import tifffile

PERCENTILES = (0.1, 1, 5, 95, 99, 99.9)


class Histogram:
    """Exact counts of integer values: a dense array from `base`, grown as needed."""

    def __init__(self):
        self.base, self.counts = None, np.zeros(0, np.int64)

    def merge(self, lo, counts):
        if self.base is None:
            self.base, self.counts = lo, counts.astype(np.int64)
            return
        new_lo = min(self.base, lo)
        new_hi = max(self.base + len(self.counts), lo + len(counts))
        if new_lo != self.base or new_hi != self.base + len(self.counts):
            grown = np.zeros(new_hi - new_lo, np.int64)
            grown[self.base - new_lo:self.base - new_lo + len(self.counts)] = self.counts
            self.base, self.counts = new_lo, grown
        self.counts[lo - self.base:lo - self.base + len(counts)] += counts

    def percentiles(self, dtype):
        """np.percentile (linear) of the counted values, exactly."""
        n = int(self.counts.sum())
        cumulative = np.cumsum(self.counts)
        values = np.arange(self.base, self.base + len(self.counts))

        def at_rank(rank):
            return values[np.searchsorted(cumulative, rank, side="right")]

        out = []
        for q in PERCENTILES:
            # numpy's linear method: virtual index (n - 1) * q / 100, then _lerp of its neighbours;
            # a two-value array with quantile gamma gives exactly that _lerp.
            virtual = (n - 1) * np.true_divide(q, 100)
            below = np.floor(virtual)
            gamma = virtual - below
            pair = np.array([at_rank(int(below)), at_rank(min(int(below) + 1, n - 1))], dtype)
            out.append(float(np.quantile(pair, gamma)))
        return out

    def values(self):
        return np.arange(self.base, self.base + len(self.counts), dtype=np.int64)


def bidirectional(img, b):
    if b == 0:
        return img
    width = img.shape[-1]
    out = img.copy()
    if b > 0:
        out[:, 0::2, :width - b] = img[:, 0::2, b:]
        return out[:, :, :width - b]
    a = -b
    out[:, 0::2, a:] = img[:, 0::2, :width - a]
    return out[:, :, a:]


def usable_images(root, n_gt):
    images = []
    for tif in sorted(glob.glob(os.path.join(root, "**", "*.tif"), recursive=True)):
        try:
            with open(os.path.splitext(tif)[0] + ".tileData.txt") as f:
                tile = json.load(f)["TileData"]
        except (OSError, ValueError, KeyError):
            continue
        if tile.get("framesPerTile", 0) >= n_gt:
            images.append((tif, int(tile.get("bidirectionalCorrection", 0) or 0)))
    return images


def sum_image(image_id, tif, b, out_dir, n_in, n_gt):
    with tifffile.TiffFile(tif) as t:
        shape = t.series[0].shape  # (F, C, Y, X); tifffile drops C for one channel
        channels = shape[1] if len(shape) == 4 else 1
        pages = t.asarray(key=range(n_gt * channels))  # only the pages needed
    frames = pages.reshape(n_gt, channels, *pages.shape[-2:])
    inp = frames[:n_in].sum(axis=0, dtype=np.int32)
    gt = inp + frames[n_in:].sum(axis=0, dtype=np.int32)
    inp, gt = bidirectional(inp, b), bidirectional(gt, b)
    for arr, n in ((inp, n_in), (gt, n_gt)):
        tifffile.imwrite(os.path.join(out_dir, "train", f"image{image_id}_frames{n}.tif"),
                         arr[None])
    return inp, gt


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("out")
    parser.add_argument("n_in", type=int)
    parser.add_argument("n_gt", type=int)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    a = parser.parse_args()
    os.makedirs(os.path.join(a.out, "train"), exist_ok=True)
    images = usable_images(a.root, a.n_gt)
    hists = {"input": [], "output": []}
    lock = threading.Lock()

    def work(item):
        image_id, (tif, b) = item
        inp, gt = sum_image(image_id, tif, b, a.out, a.n_in, a.n_gt)
        counted = [[(int(p.min()), np.bincount((p - p.min()).ravel())) for p in side]
                   for side in (inp, gt)]
        with lock:
            for side, planes in zip(("input", "output"), counted):
                while len(hists[side]) < len(planes):
                    hists[side].append(Histogram())
                for h, (lo, counts) in zip(hists[side], planes):
                    h.merge(lo, counts)

    with concurrent.futures.ThreadPoolExecutor(max(1, a.threads)) as pool:
        list(pool.map(work, enumerate(images)))
    stats = {}
    for side, channel_hists in hists.items():
        s = {"percentiles": [h.percentiles(np.int32) for h in channel_hists]}
        n_all = sum(int(h.counts.sum()) for h in channel_hists)
        mean = sum(int(np.dot(h.values(), h.counts)) for h in channel_hists) / n_all
        sq = sum(float(np.dot((h.values() - mean) ** 2, h.counts)) for h in channel_hists)
        s.update(mean=mean, std=(sq / n_all) ** 0.5,
                 min=min(h.base for h in channel_hists),
                 max=max(h.base + len(h.counts) - 1 for h in channel_hists))
        stats[side] = s
    with open(os.path.join(a.out, "stats.json"), "w") as f:
        json.dump({"images": len(images), **stats}, f)


if __name__ == "__main__":
    main()
