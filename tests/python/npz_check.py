"""Independent check of an .npz written by flamecare::NpzWriter (run by tests/unit/npz_test.cpp).

Usage: npz_check.py FILE {plain|zip64}
The C++ test writes, for S = 3 samples of 1 x 4 x 4:
  X[s, 0, y, x] = s * 100 + y * 10 + x + 0.5   (float32)
  Y = -X                                         (float32)
  axes = 0-d '<U4' 'SCYX'
  coords[i, j] = i * 10 + j                      (int32, shape (3, 4))
Exits non-zero with a message on the first failed check.
"""
import struct
import sys
import zipfile

import numpy as np

from flamecare_testlib import csbdeep_load_training_data

S = 3


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok:", msg)


# --- ZIP64 detection ---------------------------------------------------------------------------
def local_extra_ids(path, info):
    """Header ids in the local file header's extra field (zipfile does not expose it)."""
    with open(path, 'rb') as fh:
        fh.seek(info.header_offset)
        head = fh.read(30)
        sig, = struct.unpack('<I', head[:4])
        if sig != 0x04034b50:
            fail(f"{info.filename}: no local header at {info.header_offset}")
        name_len, extra_len = struct.unpack('<HH', head[26:30])
        fh.seek(name_len, 1)
        extra = fh.read(extra_len)
    ids, pos = [], 0
    while pos + 4 <= len(extra):
        hid, size = struct.unpack('<HH', extra[pos:pos + 4])
        ids.append(hid)
        pos += 4 + size
    return ids


def main():
    path, mode = sys.argv[1], sys.argv[2]
    expect_x = np.zeros((S, 1, 4, 4), np.float32)
    for s in range(S):
        for y in range(4):
            for x in range(4):
                expect_x[s, 0, y, x] = s * 100 + y * 10 + x + 0.5
    expect_coords = np.array([[i * 10 + j for j in range(4)] for i in range(S)], np.int32)

    with np.load(path) as f:
        check(sorted(f.files) == ['X', 'Y', 'axes', 'coords'], f"members {sorted(f.files)}")
        X, Y, axes, coords = f['X'], f['Y'], f['axes'], f['coords']
        check(X.dtype == np.float32 and X.shape == (S, 1, 4, 4), f"X {X.dtype} {X.shape}")
        check(Y.dtype == np.float32 and Y.shape == (S, 1, 4, 4), f"Y {Y.dtype} {Y.shape}")
        check(np.array_equal(X, expect_x), "X values")
        check(np.array_equal(Y, -expect_x), "Y values")
        check(axes.dtype.str == '<U4' and axes.shape == () and str(axes) == 'SCYX',
              f"axes {axes.dtype.str} {axes.shape} {str(axes)!r}")
        check(coords.dtype == np.int32 and np.array_equal(coords, expect_coords),
              f"coords {coords.dtype} {coords.shape}")

    # numpy's own .npy bytes for the same arrays (np.save) must equal our members exactly.
    import io
    with zipfile.ZipFile(path) as z:
        for name, arr in (('X', expect_x), ('Y', -expect_x), ('axes', np.array('SCYX')),
                          ('coords', expect_coords)):
            buf = io.BytesIO()
            np.save(buf, arr)
            check(z.read(name + '.npy') == buf.getvalue(), f"{name}.npy byte-identical to np.save")
        infos = z.infolist()
        check(all(i.compress_type == zipfile.ZIP_STORED for i in infos), "members stored")
        ids = [local_extra_ids(path, i) for i in infos]
    has_zip64 = [0x0001 in i for i in ids]
    if mode == 'zip64':
        check(all(has_zip64), f"every local header has a ZIP64 extra (ids {ids})")
    else:
        check(not any(has_zip64), f"no ZIP64 extras in a small plain archive (ids {ids})")

    (Xt, Yt), val, ax = csbdeep_load_training_data(path, validation_split=0.34, verbose=False)
    check(ax == 'SYXC', f"CSBDeep axes {ax}")
    check(Xt.shape == (2, 4, 4, 1) and val[0].shape == (1, 4, 4, 1),
          f"CSBDeep split {Xt.shape} / {val[0].shape}")
    check(np.array_equal(val[1][..., 0], -expect_x[2:, 0]), "CSBDeep validation Y values")
    print("all npz checks passed:", path, mode)


if __name__ == '__main__':
    main()
