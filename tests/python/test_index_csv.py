"""Reads raw_image_index.csv written by `flamecare index` the way the original notebooks did:
pandas.read_csv(...)['id' / 'image' / 'imgarr_nframes']."""
import os

import pandas as pd

from flamecare_testlib import run

HEADER = ["id", "image", "imgarr_nframes", "channels", "height", "width", "dtype",
          "bidirectional_correction", "size_bytes", "mtime_ns", "sidecar_size_bytes",
          "sidecar_mtime_ns", "status", "reason", "image_bytes"]
TRICKY = ["plain.tif", "with space/a b.tif", "comma,dir/x,y.TIF", 'quote"d/"q".tiff',
          "ünï/日本語 σ.tif", "deep/er/still/z.Tiff"]


def read_rows(path):
    """Columns and rows as dicts of id/image/imgarr_nframes/status, via pandas.read_csv."""
    df = pd.read_csv(path)
    nframes = [None if pd.isna(v) else int(v) for v in df["imgarr_nframes"]]
    return list(df.columns), [
        {"id": int(i), "image": im, "imgarr_nframes": n, "status": s}
        for i, im, n, s in zip(df["id"], df["image"], nframes, df["status"])]


def test_tricky_paths_and_legacy_csv(cli, tmp_path):
    raw, datasets = tmp_path / "raw", tmp_path / "datasets"
    for i, name in enumerate(TRICKY):
        path = raw / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (i + 1))
    (raw / "dir.tif").mkdir()
    csv_path = datasets / "raw_image_index.csv"

    # A legacy file as the notebooks left it: duplicated id columns, one row already there.
    datasets.mkdir()
    csv_path.write_text("id,id,id.1,image,imgarr_nframes\n5,0,0,plain.tif,40\n9,1,1,old/gone.tif,40\n",
                        encoding="utf-8")
    run(cli, "index", raw, "--datasets", datasets, "--threads", 2)

    header, rows = read_rows(csv_path)
    assert header[:3] == HEADER[:3], "header starts id,image,imgarr_nframes"
    assert header == HEADER, "header is exactly the documented columns"
    by_image = {r["image"]: r for r in rows}
    assert sorted(by_image) == sorted(TRICKY + ["old/gone.tif"]) and len(rows) == 7, \
        "every tricky path indexed exactly once"
    assert len({r["id"] for r in rows}) == len(rows), "ids unique"
    assert by_image["plain.tif"]["id"] == 5, "legacy id kept (first id column wins)"
    assert by_image["old/gone.tif"]["id"] == 9 and by_image["old/gone.tif"]["status"] == "missing", \
        "gone file keeps id 9, status missing"
    new = sorted(TRICKY[1:], key=lambda s: s.encode("utf-8"))
    assert [by_image[n]["id"] for n in new] == list(range(10, 10 + len(new))), \
        "new ids are 10.. in byte order of the path"
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows), "rows sorted by id"
    present = [by_image[n] for n in TRICKY]
    assert all(r["imgarr_nframes"] is not None and
               (r["imgarr_nframes"] == -1) == (r["status"] == "unusable") and
               (r["imgarr_nframes"] >= 0) == (r["status"] == "usable") for r in present), \
        "imgarr_nframes screened: -1 exactly when unusable, else >= 0"
    text = csv_path.read_text(encoding="utf-8")
    assert "id.1" not in text and not text.startswith("id,id"), "legacy duplicate id columns are gone"

    # A second run rewrites nothing but keeps the same content.
    run(cli, "index", raw, "--datasets", datasets, "--threads", 2)
    _, rows2 = read_rows(csv_path)
    assert rows2 == rows, "second run: same rows"
    assert os.path.isfile(datasets / "index.log"), "the CLI writes index.log"
