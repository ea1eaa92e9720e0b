"""Reads raw_image_index.csv written by `flamecare index` the way the original notebooks did.

The notebooks used pandas.read_csv(...)['id' / 'image' / 'imgarr_nframes']; scripts/install-deps.sh
installs Debian's python3-pandas for this check. Without pandas it falls back to Python's csv
module (RFC 4180, the quoting rules pandas' default C parser applies) and says so.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

HEADER = ["id", "image", "imgarr_nframes", "channels", "height", "width", "dtype",
          "bidirectional_correction", "size_bytes", "mtime_ns", "sidecar_size_bytes",
          "sidecar_mtime_ns", "status", "reason", "image_bytes"]
TRICKY = ["plain.tif", "with space/a b.tif", "comma,dir/x,y.TIF", 'quote"d/"q".tiff',
          "ünï/日本語 σ.tif", "deep/er/still/z.Tiff"]

try:
    import pandas  # noqa: F401
    HAVE_PANDAS = True
except ImportError:
    HAVE_PANDAS = False

failures = []


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def read_rows(path):
    """Rows as dicts of id/image/imgarr_nframes (+ status), via pandas when available."""
    if HAVE_PANDAS:
        import pandas as pd
        df = pd.read_csv(path)
        nframes = [None if pd.isna(v) else int(v) for v in df["imgarr_nframes"]]
        return list(df.columns), [
            {"id": int(i), "image": im, "imgarr_nframes": n, "status": s}
            for i, im, n, s in zip(df["id"], df["image"], nframes, df["status"])]
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [dict(zip(header, r)) for r in reader]
    return header, [{"id": int(r["id"]), "image": r["image"],
                     "imgarr_nframes": int(r["imgarr_nframes"]) if r["imgarr_nframes"] else None,
                     "status": r["status"]} for r in rows]


def run_index(cli, raw, datasets):
    proc = subprocess.run([cli, "index", raw, "--datasets", datasets, "--threads", "2"],
                          capture_output=True, text=True)
    check(f"flamecare index exit 0 (got {proc.returncode})", proc.returncode == 0)
    if proc.returncode != 0:
        print(proc.stderr)
    return proc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--fixtures", required=True)
    args = parser.parse_args()
    print("reader:", "pandas.read_csv" if HAVE_PANDAS else "csv module (pandas not installed)")

    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw")
        datasets = os.path.join(tmp, "datasets")
        for i, name in enumerate(TRICKY):
            path = os.path.join(raw, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(b"x" * (i + 1))
        os.makedirs(os.path.join(raw, "dir.tif"))
        csv_path = os.path.join(datasets, "raw_image_index.csv")

        # A legacy file as the notebooks left it: duplicated id columns, one row already there.
        os.makedirs(datasets)
        with open(csv_path, "w", encoding="utf-8", newline="") as f:
            f.write('id,id,id.1,image,imgarr_nframes\n5,0,0,plain.tif,40\n9,1,1,old/gone.tif,40\n')
        run_index(args.cli, raw, datasets)

        header, rows = read_rows(csv_path)
        check("header starts id,image,imgarr_nframes", header[:3] == HEADER[:3])
        check("header is exactly the documented columns", header == HEADER)
        by_image = {r["image"]: r for r in rows}
        check("every tricky path indexed exactly once",
              sorted(by_image) == sorted(TRICKY + ["old/gone.tif"]) and len(rows) == 7)
        check("ids unique", len({r["id"] for r in rows}) == len(rows))
        check("legacy id kept (first id column wins)", by_image["plain.tif"]["id"] == 5)
        check("gone file keeps id 9, status missing",
              by_image["old/gone.tif"]["id"] == 9 and by_image["old/gone.tif"]["status"] == "missing")
        new = sorted(TRICKY[1:], key=lambda s: s.encode("utf-8"))
        check("new ids are 10.. in byte order of the path",
              [by_image[n]["id"] for n in new] == list(range(10, 10 + len(new))))
        check("rows sorted by id", [r["id"] for r in rows] == sorted(r["id"] for r in rows))
        present = [by_image[n] for n in TRICKY]
        check("imgarr_nframes screened: -1 exactly when unusable, else >= 0",
              all(r["imgarr_nframes"] is not None and
                  (r["imgarr_nframes"] == -1) == (r["status"] == "unusable") and
                  (r["imgarr_nframes"] >= 0) == (r["status"] == "usable") for r in present))
        with open(csv_path, encoding="utf-8") as f:
            text = f.read()
        check("legacy duplicate id columns are gone", "id.1" not in text and
              not text.startswith("id,id"))

        # A second run rewrites nothing but keeps the same content.
        run_index(args.cli, raw, datasets)
        _, rows2 = read_rows(csv_path)
        check("second run: same rows", rows2 == rows)

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
