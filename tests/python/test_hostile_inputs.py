"""Issue 7, inputs, end to end: `index`, `inspect --json` and `create` on a raw root full of hostile
files (tests/support/crafted_inputs via the flamecare_crafted tool, FIFOs, broken symlinks, a cut
BigTIFF, sidecars of the wrong kind, a file name that is not UTF-8). Every command must finish
(no crash, no hang), pandas must read the index, Python's json must parse inspect's output, create
must build a dataset (and its preview) that includes the non-UTF-8 image. Then the fingerprint:
a fixed sidecar is screened again, a changed bidirectionalCorrection reaches the next dataset,
--rescreen screens everything; and 64-bit ids.
"""
import json
import os
import subprocess
import urllib.parse

import pandas as pd

failures = []
TIMEOUT = 120


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + (f"  [{detail}]" if detail and not ok else ""))
    if not ok:
        failures.append(what)


def run(cli, *args, timeout=TIMEOUT):
    """Runs the CLI; a hang is reported as exit code 'timeout'."""
    try:
        proc = subprocess.run([cli, *map(os.fsencode, args)], capture_output=True,
                              timeout=timeout)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
            proc.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", ""


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def read_index(csv):
    df = pd.read_csv(csv, keep_default_na=False, dtype=str)
    rows = {}
    for _, r in df.iterrows():
        exact = urllib.parse.unquote_to_bytes(r["image_bytes"]) if r["image_bytes"] else \
            os.fsencode(r["image"])
        rows[exact] = r
    return df, rows


def build_corpus(cli, crafted_tool, fixtures, raw):
    code, _, err = run(cli, "synth", raw, "--images", "3", "--size", "32", "--frames", "6",
                       "--channels", "1", "--seed", "3")
    check("synth corpus", code == 0, err)
    good = os.path.join(raw, "S001_PL", "sample_A", "mosaic_01")
    bad = os.path.join(raw, "bad")
    subprocess.run([crafted_tool, bad], check=True)
    os.remove(os.path.join(bad, "index_id_2147483647.csv"))
    os.mkfifo(os.path.join(bad, "fifo.tif"))
    os.symlink("no-such.tif", os.path.join(bad, "dangling.tif"))
    os.symlink("loop.tif", os.path.join(bad, "loop.tif"))
    with open(os.path.join(fixtures, "real/tiffstack/TS_UnitTestImage_BigTIFF.tif"), "rb") as f:
        write(os.path.join(bad, "cut12.tif"), f.read(12))
    stack = open(os.path.join(good, "Im_00001.tif"), "rb").read()
    sidecar = open(os.path.join(good, "Im_00001.tileData.txt"), "rb").read()
    for name in ("fifo_sidecar", "dir_sidecar", "zero_sidecar"):
        write(os.path.join(bad, name + ".tif"), stack)
    os.mkfifo(os.path.join(bad, "fifo_sidecar.tileData.txt"))
    os.mkdir(os.path.join(bad, "dir_sidecar.tileData.txt"))
    os.symlink("/dev/zero", os.path.join(bad, "zero_sidecar.tileData.txt"))
    # A usable image whose name is Latin-1, not UTF-8: paths are bytes.
    latin = os.path.join(os.fsencode(raw), b"caf\xe9")
    os.mkdir(latin)
    write(os.path.join(latin, b"Im_\xe9t\xe9.tif"), stack)
    write(os.path.join(latin, b"Im_\xe9t\xe9.tileData.txt"), sidecar)
    return good, bad


EXPECTED = {  # path relative to the raw root → reason code ("" = usable)
    b"bad/si3_huge_counts.tif": "corrupt", b"bad/si5_huge_counts.tif": "corrupt",
    b"bad/huge_overlapping_strips.tif": "corrupt", b"bad/shared_strips.tif": "corrupt",
    b"bad/self_loop_ifd.tif": "corrupt", b"bad/deep_sidecar.tif": "bad_sidecar",
    b"bad/utf16_sidecar.tif": "bad_sidecar", b"bad/fifo.tif": "unreadable",
    b"bad/dangling.tif": "unreadable", b"bad/loop.tif": "unreadable",
    b"bad/cut12.tif": "truncated", b"bad/fifo_sidecar.tif": "bad_sidecar",
    b"bad/dir_sidecar.tif": "bad_sidecar", b"bad/zero_sidecar.tif": "bad_sidecar",
    b"caf\xe9/Im_\xe9t\xe9.tif": "",
}


def check_index(cli, raw, datasets):
    code, out, err = run(cli, "index", raw, "--datasets", datasets)
    check(f"index on the hostile corpus exits 0 (got {code})", code == 0, err[-2000:])
    csv = os.path.join(datasets, "raw_image_index.csv")
    try:
        df, rows = read_index(csv)
    except Exception as e:  # noqa: BLE001 - any failure to read is the finding
        check(f"pandas reads the index ({e})", False)
        return {}
    check("pandas reads the index", True)
    for rel, code_expected in EXPECTED.items():
        r = rows.get(rel)
        if r is None:
            check(f"{rel!r} is indexed", False, str(sorted(rows)))
            continue
        got = r["reason"].split(":")[0]
        check(f"{rel!r}: reason {code_expected or 'usable'}", got == code_expected,
              r["reason"])
    latin = rows.get(b"caf\xe9/Im_\xe9t\xe9.tif")
    if latin is not None:
        check("non-UTF-8 path: image is escaped UTF-8", latin["image"] == "caf\\xE9/Im_\\xE9t\\xE9.tif",
              latin["image"])
        check("non-UTF-8 path: image_bytes recovers the exact path",
              os.path.exists(os.path.join(os.fsencode(raw), urllib.parse.unquote_to_bytes(
                  latin["image_bytes"]))), latin["image_bytes"])
    check("image_bytes empty for UTF-8 paths",
          all(r["image_bytes"] == "" for k, r in rows.items() if b"\xe9" not in k))
    try:
        open(csv, "rb").read().decode("utf-8", "strict")
        check("index CSV is valid UTF-8", True)
    except UnicodeDecodeError as e:
        check("index CSV is valid UTF-8", False, str(e))
    return rows


def check_inspect(cli, raw):
    for rel, code_expected in EXPECTED.items():
        path = os.path.join(os.fsencode(raw), rel)
        code, out, err = run(cli, "inspect", "--json", path, timeout=30)
        try:
            d = json.loads(out)
        except ValueError:
            check(f"inspect --json {rel!r} prints JSON (exit {code})", False, err[-300:])
            continue
        got = d["reason"].split(":")[0]
        check(f"inspect --json {rel!r}: exit 0, reason {code_expected or 'usable'}",
              code == 0 and got == code_expected and d["usable"] == (code_expected == ""),
              f"exit {code}: {d['reason']}")
    code, out, _ = run(cli, "inspect", "--json", os.path.join(os.fsencode(raw),
                                                              b"caf\xe9/Im_\xe9t\xe9.tif"))
    check("inspect --json file field is escaped UTF-8",
          code == 0 and json.loads(out)["file"].endswith("caf\\xE9/Im_\\xE9t\\xE9.tif"), out[:300])


def check_create(cli, raw, datasets, out_dir):
    existing = set(os.listdir(datasets))
    code, out, err = run(cli, "create", raw, "--datasets", datasets, "--out", out_dir,
                         "--input-frames", "2", "--gt-frames", "6", "--seed", "5",
                         "--test-fraction", "0", "--date", "20240101")
    check(f"create on the hostile corpus exits 0 (got {code})", code == 0, err[-2000:])
    jsons = [f for f in os.listdir(datasets) if f.endswith(".json") and f not in existing]
    check("create wrote one new dataset JSON", len(jsons) == 1, str(jsons))
    if not jsons:
        return None
    d = json.load(open(os.path.join(datasets, jsons[0])))["FLAME_Dataset"]
    images = [i["image"] for i in d["images"]]
    check("the non-UTF-8 image is in the dataset (escaped)",
          "caf\\xE9/Im_\\xE9t\\xE9.tif" in images, str(images))
    check("the preview PNG was drawn", os.path.getsize(
        os.path.join(datasets, jsons[0][:-5] + ".png")) > 0)
    return d


def width_of(dataset, image):
    return next(i["shape"][3] for i in dataset["images"] if i["image"] == image)


def check_fingerprint(cli, raw, good, bad, datasets, out_dir):
    write(os.path.join(bad, "utf16_sidecar.tileData.txt"),
          json.dumps({"TileData": {"tileID": 1, "tileResolution": [32, 32],
                                   "tileChannelsAvailable": 4, "channelsAcquired": [1],
                                   "channelsSaved": [1], "framesPerTile": 1,
                                   "tileScannedThisFile": True, "tileZs": [0]}}))
    code, out, err = run(cli, "index", raw, "--datasets", datasets)
    check("after fixing one sidecar, index screens exactly that file",
          code == 0 and "screened: 1\n" in out, out + err[-500:])
    _, rows = read_index(os.path.join(datasets, "raw_image_index.csv"))
    check("the fixed sidecar's image is usable now",
          rows[b"bad/utf16_sidecar.tif"]["status"] == "usable", rows[b"bad/utf16_sidecar.tif"]["reason"])

    # bidirectionalCorrection -3 → 0 must reach the next dataset (the index's value is used).
    side = os.path.join(good, "Im_00002.tileData.txt")
    tile = json.load(open(side))
    tile["TileData"]["bidirectionalCorrection"] = -3
    write(side, json.dumps(tile))
    before = check_create(cli, raw, datasets, out_dir)
    tile["TileData"]["bidirectionalCorrection"] = 0
    write(side, json.dumps(tile))
    st = os.stat(side)
    os.utime(side, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    after = check_create(cli, raw, datasets, out_dir)
    name = "S001_PL/sample_A/mosaic_01/Im_00002.tif"
    if before and after:
        check("bidirectionalCorrection -3 crops 3 columns", width_of(before, name) == 29)
        check("after the sidecar says 0, the next create uses 0 (full width)",
              width_of(after, name) == 32, str(width_of(after, name)))

    code, out, _ = run(cli, "index", raw, "--datasets", datasets, "--rescreen")
    found = next((line.split(": ")[1] for line in out.splitlines()
                  if line.startswith("files found")), "?")
    check("index --rescreen screens every file", code == 0 and f"screened: {found}\n" in out, out)


def check_ids(cli, tmp):
    raw = os.path.join(tmp, "ids_raw")
    os.makedirs(raw)
    write(os.path.join(raw, "new.tif"), b"x")
    for last, expect_ok in ((2147483647, True), (9223372036854775807, False)):
        ds = os.path.join(tmp, f"ids_{last}")
        os.makedirs(ds)
        write(os.path.join(ds, "raw_image_index.csv"),
              f"id,image,imgarr_nframes\n{last},old/gone.tif,40\n")
        code, out, err = run(cli, "index", raw, "--datasets", ds)
        if expect_ok:
            df = pd.read_csv(os.path.join(ds, "raw_image_index.csv"))
            ids = dict(zip(df["image"], df["id"]))
            check("id after 2147483647 is 2147483648",
                  code == 0 and ids.get("new.tif") == 2147483648, f"{code} {ids} {err[-300:]}")
        else:
            check("no id after 9223372036854775807: exit 1 with a clear message",
                  code == 1 and "the largest 64-bit id" in err, f"{code} {err[-300:]}")
    fifo_ds = os.path.join(tmp, "fifo_ds")
    os.makedirs(fifo_ds)
    os.mkfifo(os.path.join(fifo_ds, "raw_image_index.csv"))
    code, _, err = run(cli, "index", raw, "--datasets", fifo_ds, timeout=30)
    check("an index CSV that is a FIFO: exit 1, no hang",
          code == 1 and "is a FIFO, not a regular file" in err, f"{code} {err[-300:]}")


def test_hostile_raw_root(cli, crafted_tool, fixtures_dir, tmp_path):
    """Every command on the hostile raw root, in order (each step builds on the one before)."""
    failures.clear()
    raw = str(tmp_path / "raw")
    datasets = str(tmp_path / "datasets")
    out_dir = str(tmp_path / "out")
    good, bad = build_corpus(cli, crafted_tool, str(fixtures_dir), raw)
    check_index(cli, raw, datasets)
    check_inspect(cli, raw)
    check_create(cli, raw, datasets, out_dir)
    check_fingerprint(cli, raw, good, bad, datasets, out_dir)
    check_ids(cli, str(tmp_path))
    assert not failures, f"{len(failures)} failure(s): {failures}"
