"""Independent check of a TIFF written by flamecare::write_sum_tiff (run by sum_tiff_test.cpp).

Usage: sum_tiff_check.py FILE DTYPE C Y X
Pixel (c, y, x) must equal the formula in expected() (same as the C++ test's), cast to DTYPE with
wrap-around. Exits non-zero on the first failed check.
"""
import sys

import numpy as np
import tifffile


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok:", msg)


def expected(dtype, C, Y, X):
    c, y, x = np.meshgrid(np.arange(C), np.arange(Y), np.arange(X), indexing='ij')
    base = (c * 1000 + y * 37 + x).astype(np.int64)
    dt = np.dtype(dtype)
    if dt.kind == 'f':
        return (base + 0.25).astype(dt)
    if dt.itemsize == 8:
        return (base - 2**40).astype(dt) if dt.kind == 'i' else (base.astype(np.uint64) + np.uint64(2**40))
    return (base - 500 if dt.kind == 'i' else base).astype(dt)


def main():
    path, dtype = sys.argv[1], sys.argv[2]
    C, Y, X = (int(v) for v in sys.argv[3:6])
    want = expected(dtype, C, Y, X)[np.newaxis]

    arr = tifffile.imread(path)
    check(arr.shape == (1, C, Y, X), f"imread shape {arr.shape}")
    check(arr.dtype == np.dtype(dtype), f"imread dtype {arr.dtype}")
    check(np.array_equal(arr, want), "pixel values")
    with tifffile.TiffFile(path) as tif:
        check(not tif.is_bigtiff and tif.byteorder == '<', "classic little-endian TIFF")
        series = tif.series[0]
        check(series.shape == (1, C, Y, X) and series.kind == 'shaped',
              f"series[0] {series.shape} {series.kind}")
        check(len(tif.pages) == C, f"{len(tif.pages)} pages")
        for i, page in enumerate(tif.pages):
            check(page.compression == 1 and page.photometric == 1 and page.samplesperpixel == 1
                  and page.shape == (Y, X), f"page {i} uncompressed minisblack {page.shape}")
            want_desc = '{"shape": [1, %d, %d, %d]}' % (C, Y, X) if i == 0 else ''
            check(page.description == want_desc, f"page {i} description {page.description!r}")
        # tifffile's shaped reader takes a contiguous-data shortcut when page 1's IFD lies far
        # enough after page 0's; keeping all IFDs ahead of the pixel data rules that out.
        ifds = [page.offset for page in tif.pages]
        first_data = min(min(page.dataoffsets) for page in tif.pages)
        check(max(ifds) < first_data, f"IFDs {ifds} precede pixel data at {first_data}")
    print("all sum-TIFF checks passed:", path)


if __name__ == '__main__':
    main()
