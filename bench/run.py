"""End-to-end benchmark of flamecare (`make bench`): create, patches and index against their I/O
floors, a numpy/tifffile script, the original notebooks' approach and CSBDeep, all in one run on
the same synthetic corpora, every time a median of --runs runs with the page cache warm (and
create against its floor with the raw files read from disk: at most 3 runs), every ratio from
numbers of this run. docs/BENCHMARKS.md says what each column is.

Usage: run.py --cli build/flamecare --floor build/bench/flamecare_bench_floor
              [--cases 32x512,8x1200] [--frames 40] [--channels 3] [--runs 5]
              [--index-files 10000] [--work DIR] [--quick]
Corpora are kept in --work (default $FLAMECARE_BENCH_WORK or /tmp/flamecare-bench) and reused
when their parameters match, outputs are removed after each run.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def call(cmd, **kwargs):
    """subprocess.run with every argument as a string; fails on a non-zero exit."""
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def load():
    with open("/proc/loadavg") as f:
        one = float(f.read().split()[0])
    busy = subprocess.run(["pgrep", "-c", "cc1plus"], capture_output=True, text=True).stdout
    return one, int(busy.strip() or 0)


def timed(cmd, env=None):
    """Wall seconds and peak RSS (MiB, GNU time) of one command; fails loudly. Dirty pages of
    earlier commands are written first, so no command pays for another's writeback."""
    os.sync()
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *map(str, cmd)],
                              capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, cmd))}: exit {proc.returncode}\n{proc.stdout}"
                             f"{proc.stderr}")
        return seconds, int(rss.read().split()[-1]) / 1024, proc.stdout


def warm(paths):
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 22):
                pass


def drop_from_cache(paths):
    """Writes dirty pages, then drops the files from the page cache: the next read is from disk."""
    os.sync()
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def read_from_disk(paths):
    """Drops the files from the page cache and reads them back, so they are cached as a first
    read from disk leaves them (readahead's large folios, up to 2 MiB, which a map then maps a
    PMD at a time) whatever wrote them: written by `synth` they sit in 4 KiB pages, which cost
    every reader of this run 3x the kernel time (docs/BENCHMARKS.md, 2026-11-26 sixth session)."""
    drop_from_cache(paths)
    warm(paths)


def tiffs(root):
    return sorted(str(p) for p in Path(root).rglob("*.tif"))


# The floor's variants: key, threads, writeback started early, input read through a map.
FLOOR_VARIANTS = [(f"t{t}{' early' if e else ''}{' mmap' if m else ''}", t, e, m)
                  for m in (False, True) for t in (1, 2) for e in (False, True)]


class Case:
    """One corpus: its files, the dataset made from it and the numbers measured on it."""

    def __init__(self, args, images, size):
        self.args, self.images, self.size = args, images, size
        self.name = f"{images}x{size}"
        self.raw = Path(args.work) / f"raw-{images}i-{size}px-{args.frames}f-{args.channels}c"
        self.times = {}
        self.rss = {}

    def prepare(self):
        stamp = self.raw / ".complete"
        if not stamp.exists():
            shutil.rmtree(self.raw, ignore_errors=True)
            log(f"synth {self.name} ...")
            call([self.args.cli, "synth", self.raw, "--images", self.images, "--size", self.size,
                  "--frames", self.args.frames, "--channels", self.args.channels, "--seed", 1],
                 capture_output=True)
            stamp.touch()
        self.scratch = Path(tempfile.mkdtemp(prefix=f"run-{self.name}-", dir=self.args.work))
        self.ds = self.scratch / "datasets"
        call([self.args.cli, "index", self.raw, "--datasets", self.ds], capture_output=True)
        self.bytes = sum(os.path.getsize(p) for p in tiffs(self.raw))
        read_from_disk(tiffs(self.raw))

    def record(self, key, seconds, rss=None):
        self.times.setdefault(key, []).append(seconds)
        if rss is not None:
            self.rss[key] = max(self.rss.get(key, 0), rss)

    def create(self, threads=None, keep=False):
        out = self.scratch / "out"
        cmd = [self.args.cli, "create", self.raw, "--datasets", self.ds, "--out", out,
               "--input-frames", 5, "--gt-frames", self.args.frames, "--seed", 1,
               "--date", "20000101"]
        if threads:
            cmd += ["--threads", threads]
        seconds, rss, stdout = timed(cmd)
        name = stdout.split()[1]
        if keep:
            return seconds, rss, name
        shutil.rmtree(out / name)
        for suffix in (".json", ".png"):
            (self.ds / (name + suffix)).unlink()
        return seconds, rss, name

    def script(self, script):
        out = self.scratch / "script-out"
        seconds, rss, _ = timed([PYTHON, HERE / script, self.raw, out, 5, self.args.frames])
        shutil.rmtree(out)
        return seconds, rss

    def floor(self, inputs, sizes, threads, early, mapped):
        out = self.scratch / "floor-out"
        out.mkdir()
        cmd = [self.args.floor, "--threads", threads, "--out", out, "--sizes",
               ",".join(map(str, sizes)), *inputs]
        if early:
            cmd.insert(1, "--early-writeback")
        if mapped:
            cmd.insert(1, "--mmap")
        os.sync()
        proc = call(cmd, capture_output=True, text=True)
        shutil.rmtree(out)
        return float(proc.stdout)

    def floors(self, prefix, inputs, sizes):
        """Every floor variant once; the floor of this run is the fastest of them."""
        best = None
        for key, threads, early, mapped in FLOOR_VARIANTS:
            warm(inputs)
            seconds = self.floor(inputs, sizes, threads, early, mapped)
            self.record(f"{prefix} {key}", seconds)
            best = seconds if best is None else min(best, seconds)
        self.record(prefix, best)

    def median(self, key):
        return statistics.median(self.times[key])


def measure_create(case, runs):
    # One untimed create tells the floor what create writes (the sizes of its TIFFs).
    _, _, name = case.create(keep=True)
    data = case.scratch / "out" / name
    case.outputs = sorted(os.path.getsize(p) for p in data.rglob("*.tif"))
    case.dataset = name
    inputs = tiffs(case.raw)
    for r in range(runs):
        log(f"{case.name}: create run {r + 1}/{runs}")
        # Every command starts on a warm cache (this VM's DAMON pages out file pages idle for a
        # minute, see docs/BENCHMARKS.md).
        case.floors("floor", inputs, case.outputs)
        for threads, key in ((None, "create"), (1, "create t1"), (2, "create t2")):
            warm(inputs)
            seconds, rss, _ = case.create(threads)
            case.record(key, seconds, rss)
        for script, key in (("numpy_create.py", "numpy"), ("original_create.py", "original")):
            if key == "original" and case.args.skip_original:
                continue
            warm(inputs)
            seconds, rss = case.script(script)
            case.record(key, seconds, rss)


def measure_patches(case, runs):
    data = case.scratch / "out" / case.dataset
    train = sorted(str(p) for p in (data / "train").glob("*.tif"))
    json_path = case.ds / (case.dataset + ".json")
    for r in range(runs):
        log(f"{case.name}: patches run {r + 1}/{runs}")
        warm(train)
        seconds, rss, stdout = timed([case.args.cli, "patches", json_path, "--seed", 1])
        case.record("patches", seconds, rss)
        npz = next(data.glob("*.npz"))
        case.npz_bytes = os.path.getsize(npz)
        case.patch_count = next((line.split()[1] for line in stdout.splitlines()
                                 if line.startswith("patches:")), "?")
        for path in data.iterdir():
            if path.is_file() and (path.suffix in (".npz", ".png") or "patch" in path.name):
                path.unlink()
        case.floors("patches floor", train, [case.npz_bytes])
        npz = case.scratch / "csbdeep.npz"
        warm(train)
        seconds, rss, _ = timed([PYTHON, HERE / "csbdeep_patches.py", json_path,
                                 case.scratch / "out", npz])
        case.record("csbdeep", seconds, rss)
        npz.unlink()


def measure_cold(case, runs):
    """create and its floor (2 threads, early writeback, read with pread or through a map: the
    faster) with the raw files read from disk: each command starts with them dropped from the
    page cache. What a user meets the first time a folder is read; the disk sets the pace."""
    inputs = tiffs(case.raw)
    for r in range(runs):
        log(f"{case.name}: cold-cache run {r + 1}/{runs}")
        best = None
        for mapped in (False, True):
            drop_from_cache(inputs)
            seconds = case.floor(inputs, case.outputs, 2, True, mapped)
            best = seconds if best is None else min(best, seconds)
        case.record("cold floor", best)
        drop_from_cache(inputs)
        case.record("cold create", case.create()[0])
    read_from_disk(inputs)  # as the other measurements found them


def measure_rss_flat(case, runs):
    """create's peak RSS with twice the images: the same files hard-linked under a second name."""
    double = Path(case.args.work) / f"{case.raw.name}-twice"
    if not (double / ".complete").exists():
        shutil.rmtree(double, ignore_errors=True)
        for copy in ("a", "b"):
            shutil.copytree(case.raw, double / copy, copy_function=os.link)
        (double / ".complete").touch()
    ds = case.scratch / "datasets-twice"
    out = case.scratch / "out-twice"
    call([case.args.cli, "index", double, "--datasets", ds], capture_output=True)
    for r in range(runs):
        warm(tiffs(double))
        seconds, rss, stdout = timed([case.args.cli, "create", double, "--datasets", ds, "--out",
                                      out, "--gt-frames", case.args.frames, "--seed", 1])
        case.record("create x2", seconds, rss)
        shutil.rmtree(out)
        shutil.rmtree(ds)
        call([case.args.cli, "index", double, "--datasets", ds], capture_output=True)


def measure_index(args, runs):
    root = Path(args.work) / f"index-{args.index_files}"
    if not (root / ".complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        log(f"index corpus: {args.index_files} files ...")
        seed = root / "seed"
        call([args.cli, "synth", seed, "--images", 1, "--size", 32, "--frames", 4, "--channels", 1],
             capture_output=True)
        tif = tiffs(seed)[0]
        sidecar = tif[:-4] + ".tileData.txt"
        for i in range(args.index_files):
            folder = root / "raw" / f"tile{i // 1000:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tif, folder / f"Im_{i:05d}.tif")
            shutil.copyfile(sidecar, folder / f"Im_{i:05d}.tileData.txt")
        shutil.rmtree(seed)
        (root / ".complete").touch()
    ds = Path(tempfile.mkdtemp(prefix="index-ds-", dir=args.work))
    call([args.cli, "index", root / "raw", "--datasets", ds], capture_output=True)
    times = []
    for _ in range(runs):
        times.append(timed([args.cli, "index", root / "raw", "--datasets", ds])[0])
    shutil.rmtree(ds)
    return times


def report(cases, index_times, args, load_before, load_after):
    out = []
    def row(*cells):
        out.append("| " + " | ".join(cells) + " |")
    out.append(f"runs: median of {args.runs}; load before {load_before[0]:.2f} "
               f"({load_before[1]} compilers), after {load_after[0]:.2f} ({load_after[1]})")
    out.append("")
    row("case", "floor", "`create`", "numpy script", "original notebooks")
    row("---", "---", "---", "---", "---")
    for c in cases:
        floor, create = c.median("floor"), c.median("create")
        orig = (f"{c.median('original'):.2f} s ({c.median('original') / create:.1f}× create)"
                if "original" in c.times else "not run")
        row(f"{c.images} images {c.size}², {args.channels} ch, {args.frames} frames "
            f"({c.bytes / 1e9:.2f} GB)", f"{floor:.2f} s",
            f"{create:.2f} s ({create / floor:.2f}× floor)",
            f"{c.median('numpy'):.2f} s ({c.median('numpy') / create:.1f}× create)", orig)
    out.append("")
    row("case", "floor variants: pread, then mmap (each 1 thread plain / early writeback, "
        "2 threads plain / early)", "`create --threads 1`", "`--threads 2`",
        "peak RSS create / numpy / original")
    row("---", "---", "---", "---", "---")
    for c in cases:
        variants = ", ".join(" / ".join(f"{c.median('floor ' + key):.2f}"
                                        for key, _, _, m in FLOOR_VARIANTS if m == mapped)
                             for mapped in (False, True))
        rss = " / ".join(f"{c.rss[k]:.0f}" for k in ("create", "numpy", "original") if k in c.rss)
        row(c.name, variants + " s", f"{c.median('create t1'):.2f} s",
            f"{c.median('create t2'):.2f} s", rss + " MiB")
    twice = [c for c in cases if "create x2" in c.times]
    if twice:
        out.append("")
        row("case", "peak RSS of create", "with twice the images")
        row("---", "---", "---")
        for c in twice:
            row(c.name, f"{c.rss['create']:.0f} MiB ({c.images} images)",
                f"{c.rss['create x2']:.0f} MiB ({2 * c.images} images, "
                f"{c.median('create x2'):.2f} s)")
    cold = [c for c in cases if "cold create" in c.times]
    if cold:
        out.append("")
        row("from a cold page cache", "floor (2 threads, the faster of pread and mmap)",
            "`create`")
        row("---", "---", "---")
        for c in cold:
            floor, create = c.median("cold floor"), c.median("cold create")
            row(f"{c.name}, median of {len(c.times['cold create'])}", f"{floor:.2f} s",
                f"{create:.2f} s ({create / floor:.2f}× floor)")
    patched = [c for c in cases if "patches" in c.times]
    if patched:
        out.append("")
        row("patches (P = 128, m = 4)", "floor: read train sums + write npz + fsync",
            "`patches`", "CSBDeep create_patches")
        row("---", "---", "---", "---")
        for c in patched:
            floor, patches = c.median("patches floor"), c.median("patches")
            row(f"{c.name}: {c.patch_count} patches, npz {c.npz_bytes / 1e6:.0f} MB",
                f"{floor:.2f} s", f"{patches:.2f} s ({patches / floor:.2f}× floor, "
                f"{c.rss['patches']:.0f} MiB)",
                f"{c.median('csbdeep'):.2f} s ({c.median('csbdeep') / patches:.1f}× patches)")
    if index_times:
        out.append("")
        out.append(f"`index` of an already indexed folder of {args.index_files} files: "
                   f"{statistics.median(index_times):.3f} s (runs: "
                   + ", ".join(f"{t:.3f}" for t in index_times) + ")")
    out.append("")
    out.append("all runs (s): " + "; ".join(
        f"{c.name} {k}: " + ", ".join(f"{t:.2f}" for t in v)
        for c in cases for k, v in c.times.items()))
    print("\n".join(out))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--floor", required=True)
    parser.add_argument("--cases", default="32x512,8x1200")
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--index-files", type=int, default=10000)
    parser.add_argument("--work", default=os.environ.get("FLAMECARE_BENCH_WORK",
                                                         "/tmp/flamecare-bench"))
    parser.add_argument("--skip-original", action="store_true",
                        help="leave out the (slow) original notebooks' approach")
    parser.add_argument("--quick", action="store_true",
                        help="small corpora, one run: a check that the harness works")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.frames, args.runs, args.index_files = "4x256", 12, 1, 300
    args.cli, args.floor = (str(Path(p).resolve()) for p in (args.cli, args.floor))
    Path(args.work).mkdir(parents=True, exist_ok=True)
    load_before = load()
    if load_before[0] > 0.3 or load_before[1] > 0:
        log(f"warning: the machine is busy (load {load_before[0]:.2f}, {load_before[1]} "
            "compilers running): timings will be noisy")
    cases = []
    specs = [tuple(map(int, spec.split("x"))) for spec in args.cases.split(",")]
    largest = max(size for _, size in specs)
    for images, size in specs:
        case = Case(args, images, size)
        case.prepare()
        try:
            measure_create(case, args.runs)
            measure_patches(case, args.runs)
            measure_cold(case, max(1, min(args.runs, 3)))
            if size == largest:  # memory must stay flat where images are largest
                measure_rss_flat(case, args.runs)
        finally:
            shutil.rmtree(case.scratch, ignore_errors=True)
        cases.append(case)
    index_times = measure_index(args, args.runs) if args.index_files > 0 else []
    report(cases, index_times, args, load_before, load())


if __name__ == "__main__":
    main()
