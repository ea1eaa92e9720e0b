"""Independent check of an .npz written by flamecare::NpzWriter (run by tests/unit/npz_test.cpp).

Usage: npz_check.py FILE {plain|zip64}
The C++ test writes, for S = 3 samples of 1 x 4 x 4:
  X[s, 0, y, x] = s * 100 + y * 10 + x + 0.5   (float32)
  Y = -X                                         (float32)
  axes = 0-d '<U4' 'SCYX'
  coords[i, j] = i * 10 + j                      (int32, shape (3, 4))
Exits non-zero with a message on the first failed check.
"""
import collections
import struct
import sys
import zipfile

import numpy as np

S = 3


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok:", msg)


# --- A faithful re-implementation of CSBDeep's loading path ------------------------------------
# csbdeep/io/__init__.py load_training_data and csbdeep/utils/utils.py axes_check_and_normalize,
# axes_dict (CSBDeep itself, with its Keras dependency, is not installable here). The backend is
# fixed to channels-last, the TensorFlow default.
def _raise(e):
    raise e


def consume(iterator):
    collections.deque(iterator, maxlen=0)


def axes_check_and_normalize(axes, length=None, disallowed=None, return_allowed=False):
    allowed = 'STCZYX'
    axes is not None or _raise(ValueError('axis cannot be None.'))
    axes = str(axes).upper()
    consume(a in allowed or _raise(ValueError("invalid axis '%s', must be one of %s." % (a, list(allowed)))) for a in axes)
    disallowed is None or consume(a not in disallowed or _raise(ValueError("disallowed axis '%s'." % a)) for a in axes)
    consume(axes.count(a) == 1 or _raise(ValueError("axis '%s' occurs more than once." % a)) for a in axes)
    length is None or len(axes) == length or _raise(ValueError('axes (%s) must be of length %d.' % (axes, length)))
    return (axes, allowed) if return_allowed else axes


def axes_dict(axes):
    axes, allowed = axes_check_and_normalize(axes, return_allowed=True)
    return {a: None if axes.find(a) == -1 else axes.find(a) for a in allowed}


def move_channel_for_backend(X, channel):
    return np.moveaxis(X, channel, -1)  # channels-last backend


def load_training_data(file, validation_split=0, axes=None, n_images=None, verbose=False):
    f = np.load(file)
    X, Y = f['X'], f['Y']
    if axes is None:
        axes = f['axes']
    axes = axes_check_and_normalize(axes)
    assert X.shape == Y.shape
    assert len(axes) == X.ndim
    assert 'C' in axes
    if n_images is None:
        n_images = X.shape[0]
    assert X.shape[0] == Y.shape[0]
    assert 0 < n_images <= X.shape[0]
    assert 0 <= validation_split < 1
    X, Y = X[:n_images], Y[:n_images]
    channel = axes_dict(axes)['C']
    if validation_split > 0:
        n_val = int(round(n_images * validation_split))
        n_train = n_images - n_val
        assert 0 < n_val and 0 < n_train
        X_t, Y_t = X[-n_val:], Y[-n_val:]
        X, Y = X[:n_train], Y[:n_train]
        assert X.shape[0] == n_train and X_t.shape[0] == n_val
        X_t = move_channel_for_backend(X_t, channel=channel)
        Y_t = move_channel_for_backend(Y_t, channel=channel)
    X = move_channel_for_backend(X, channel=channel)
    Y = move_channel_for_backend(Y, channel=channel)
    axes = axes.replace('C', '')
    axes = axes + 'C'
    data_val = (X_t, Y_t) if validation_split > 0 else None
    return (X, Y), data_val, axes


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

    (Xt, Yt), val, ax = load_training_data(path, validation_split=0.34, verbose=False)
    check(ax == 'SYXC', f"CSBDeep axes {ax}")
    check(Xt.shape == (2, 4, 4, 1) and val[0].shape == (1, 4, 4, 1),
          f"CSBDeep split {Xt.shape} / {val[0].shape}")
    check(np.array_equal(val[1][..., 0], -expect_x[2:, 0]), "CSBDeep validation Y values")
    print("all npz checks passed:", path, mode)


if __name__ == '__main__':
    main()
