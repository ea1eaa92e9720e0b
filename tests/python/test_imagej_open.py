"""The summed TIFFs `create` writes open in ImageJ (the reader Fiji uses for File > Open) as a
C-slice stack with the same pixel values tifffile reads."""
import glob
import os
import subprocess

import numpy as np
import tifffile

from flamecare_testlib import run

IJ_JAR = "/usr/share/java/ij.jar"
OPENER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "java", "OpenTiff.java")


def test_imagej_opens_summed_tiffs(cli, tmp_path):
    assert os.path.exists(IJ_JAR), \
        f"{IJ_JAR} missing: run scripts/install-deps.sh (Debian package imagej)"
    rng = np.random.default_rng(3)
    tmp = str(tmp_path)
    queries, expected = [], []
    for dtype, channels in (("int16", 2), ("uint16", 3), ("float32", 1)):
        raw, ds, out = (os.path.join(tmp, dtype, d) for d in ("raw", "ds", "out"))
        run(cli, "synth", raw, "--images", 2, "--size", 40, "--frames", 6, "--channels", channels,
            "--dtype", dtype, "--seed", 2)
        run(cli, "create", raw, "--datasets", ds, "--out", out, "--input-frames", 2, "--gt-frames", 6,
            "--seed", 1)
        for path in sorted(glob.glob(os.path.join(out, "*", "*", "*.tif"))):
            data = tifffile.imread(path)[0]
            for _ in range(3):
                ch, y, x = (int(rng.integers(0, n)) for n in data.shape)
                queries.append(f"{path}\t{ch + 1}\t{x}\t{y}")
                expected.append((path, data.shape, float(data[ch, y, x])))
    proc = subprocess.run(["java", "-Djava.awt.headless=true", "-cp", IJ_JAR, OPENER],
                          input="\n".join(queries) + "\n", capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"ImageJ opener ran: {proc.stderr[-500:]}"
    lines = proc.stdout.split("\n")
    for (path, shape, value), line in zip(expected, lines):
        fields = line.split()
        assert len(fields) == 5, f"{path}: ImageJ could not open it ({line!r})"
        width, height, slices, depth = (int(v) for v in fields[:4])
        got = float(fields[4])
        assert (slices, height, width) == shape, \
            f"{path}: ImageJ sees {slices}x{height}x{width}, tifffile {shape}"
        assert depth == 32, f"{path}: ImageJ bit depth {depth}"
        # ImageJ shows 32-bit integers as float32.
        assert np.float32(got) == np.float32(value), f"{path}: ImageJ pixel {got}, tifffile {value}"
    assert len(lines) >= len(expected), "one answer per query"
