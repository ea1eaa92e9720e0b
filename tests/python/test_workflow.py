"""workflow/Snakefile for real: Snakemake (pinned in python/requirements-workflow.txt) runs the
sharded workflow (index, create plan, 3 create shards, merge, patches plan, 3 patches shards, merge)
on a small corpus with odd files and two image sizes, locally with `--cores 2` and on a one-node
Slurm cluster this test starts through workflow/profiles/slurm; both must give exactly what one
`flamecare create` + `flamecare patches` run with the same seed gives: the same TIFF bytes, the
same dataset and patch config JSON but for the time and the paths that differ by design, a
byte-identical npz. A run whose create shard is killed fails without a dataset; run again, it
finishes with the same outputs.

The workflow needs the shard commands of issue 11 (`create --plan-only`, `create-shard`,
`create-merge`, `patches --plan-only`, `patches-shard`, `patches-merge`); without them these tests
fail saying so.

Slurm: slurm-wlm and munge (scripts/install-deps.sh) and root. `make test` sets
FLAMECARE_REQUIRE_SLURM=1, so there a cluster that cannot start fails the test instead of skipping
it. The cluster runs with cgroups (process tracking, cores and memory confined to each job's
request, so a profile's mem_mb that is too small fails the job) where slurmd can manage them, else
with the documented fallback (proctrack/linuxproc, task/none); see slurm_cluster.py.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from flamecare_testlib import run
from slurm_cluster import SlurmCluster, SlurmUnavailable, missing_tools

REPO = Path(__file__).resolve().parents[2]
SNAKEFILE = REPO / "workflow" / "Snakefile"
PROFILE = REPO / "workflow" / "profiles" / "slurm"
SEED = 7
SHARDS = 3
CREATE = ["--input-frames", 2, "--gt-frames", 6]
PATCHES = ["--patch-size", 16, "--patch-multiple", 2]
SHARD_COMMANDS = ("create-shard", "create-merge", "patches-shard", "patches-merge")


def require_shard_commands(cli):
    """Fails (never skips) when the CLI lacks the sharded steps the workflow runs."""
    missing = [c for c in SHARD_COMMANDS
               if subprocess.run([cli, c, "--help"], capture_output=True).returncode != 0]
    assert not missing, (
        f"{cli} has no {', '.join(missing)}: the workflow needs the shard commands of issue 11 "
        "(branches shard-create and shard-patches)")


RUNS = ("single", "local", "resume", "slurm")


@pytest.fixture(scope="module")
def base(cli, tmp_path_factory):
    """raw/: 5 good stacks of two sizes (3 of 48 x 48, 2 of 64 x 64; 2 channels, 6 frames), 5
    unusable files, and one of the 64 x 64 stacks damaged after every run's datasets dir indexed
    it (same size and mtime: it passes screening, its sums cannot be read, and the dataset gets
    another name than its plan reserved); single/: one create + patches run on it with the
    workflow's seed."""
    require_shard_commands(cli)
    base = tmp_path_factory.mktemp("workflow")
    run(cli, "synth", base / "raw" / "a", "--images", 3, "--size", 48, "--frames", 6,
        "--channels", 2, "--seed", 3, "--with-bad-files")
    run(cli, "synth", base / "raw" / "b", "--images", 3, "--size", 64, "--frames", 6,
        "--channels", 2, "--seed", 4)
    for name in RUNS:
        run(cli, "index", base / "raw", "--datasets", base / name / "datasets")
    [victim] = (base / "raw" / "b").rglob("Im_00002.tif")
    stat = victim.stat()
    with open(victim, "r+b") as f:
        f.truncate(stat.st_size // 3)
        f.truncate(stat.st_size)
    os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    single = base / "single"
    proc = run(cli, "create", base / "raw", "--datasets", single / "datasets", "--out",
               single / "data", *CREATE, "--seed", SEED)
    assert "read_failed 1" in proc.stdout, proc.stdout
    [dataset_json] = (single / "datasets").glob("*.json")
    run(cli, "patches", dataset_json.stem, "--datasets", single / "datasets", *PATCHES,
        "--seed", SEED)
    return base


def write_config(base, run_name, **extra):
    """A workflow config with paths relative to `base` (the directory snakemake runs in)."""
    cfg = {"raw_root": "raw", "datasets_dir": f"{run_name}/datasets",
           "out_dir": f"{run_name}/data", "input_frames": CREATE[1], "gt_frames": CREATE[3],
           "seed": SEED, "shards": SHARDS, "patch_size": PATCHES[1],
           "patch_multiple": PATCHES[3], **extra}
    path = base / f"{run_name}.yaml"
    path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in cfg.items()))
    return path


def snakemake_cmd(config, cli, *args):
    return [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "--configfile", str(config),
            "--config", f"flamecare={cli}", *map(str, args)]


def snakemake(base, config, cli, *args, env=None, expect_ok=True):
    cmd = snakemake_cmd(config, cli, *args)
    proc = subprocess.run(cmd, cwd=base, capture_output=True, text=True, env=env, timeout=600)
    if expect_ok and proc.returncode != 0:
        logs = "".join(f"--- {p}\n{p.read_text(errors='replace')}"
                       for p in sorted(base.glob("*/data/.flamecare-workflow/*/logs/*.log")))
        raise AssertionError(f"snakemake failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}"
                             f"\n{proc.stderr[-8000:]}\n{logs[-6000:]}")
    return proc


def outputs(root):
    """The dataset JSON, its name and the npz of one run under root/{datasets,data}."""
    [dataset_json] = [p for p in (root / "datasets").glob("*.json")]
    name = dataset_json.stem
    [npz] = [p for p in (root / "data" / name).glob("*.npz") if not p.stem.endswith("_val")]
    return dataset_json, name, npz


def normalised(value, root, name, date):
    """JSON with the run's own paths, dataset name and date replaced by placeholders and the
    creation time removed: what may differ between two runs of the same settings."""
    if isinstance(value, dict):
        return {k: normalised(v, root, name, date) for k, v in value.items() if k != "created"}
    if isinstance(value, list):
        return [normalised(v, root, name, date) for v in value]
    if isinstance(value, str):
        return (value.replace(str(root), "<RUN>").replace(name, "<NAME>")
                .replace(date, "<DATE>"))
    return value


def differences(a, b, where=""):
    """Where two JSON values differ (key paths with both values), for a readable failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in differences(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def assert_same_outputs(single_root, sharded_root):
    """Sharded run == single run: TIFF bytes, JSONs but time and paths, npz bytes, pictures."""
    s_json, s_name, s_npz = outputs(single_root)
    w_json, w_name, w_npz = outputs(sharded_root)
    # The name is <YYYYMMDD>_...: two runs on either side of midnight differ only in the date.
    assert re.fullmatch(r"\d{8}_.*", s_name) and s_name[8:] == w_name[8:], (s_name, w_name)

    s_data, w_data = single_root / "data" / s_name, sharded_root / "data" / w_name
    s_tifs = sorted(p.relative_to(s_data) for p in s_data.rglob("*.tif"))
    w_tifs = sorted(p.relative_to(w_data) for p in w_data.rglob("*.tif"))
    assert s_tifs == w_tifs and len(s_tifs) == 2 * 5, (s_tifs, w_tifs)  # 6 good, 1 damaged
    for rel in s_tifs:
        assert (s_data / rel).read_bytes() == (w_data / rel).read_bytes(), rel

    def norm(path, root, name):
        return normalised(json.loads(path.read_text()), root, name, name[:8])

    assert not differences(norm(s_json, single_root, s_name), norm(w_json, sharded_root, w_name))
    assert s_npz.name[len(s_name):] == w_npz.name[len(w_name):]
    assert s_npz.read_bytes() == w_npz.read_bytes()
    s_cfg, w_cfg = s_npz.with_suffix(".json"), w_npz.with_suffix(".json")
    assert not differences(norm(s_cfg, single_root, s_name), norm(w_cfg, sharded_root, w_name))
    for suffix in ("_samples1.png", "_samples2.png"):
        assert (Path(str(s_npz)[:-4] + suffix).read_bytes()
                == Path(str(w_npz)[:-4] + suffix).read_bytes()), suffix
    if s_name == w_name:  # the preview's title names the dataset
        assert ((single_root / "datasets" / f"{s_name}.png").read_bytes()
                == (sharded_root / "datasets" / f"{w_name}.png").read_bytes())


def test_workflow_local_matches_single_run(base, cli):
    config = write_config(base, "local")
    snakemake(base, config, cli, "--cores", 2)
    assert_same_outputs(base / "single", base / "local")
    # Each shard was its own job: one marker per shard and stage.
    [state] = (base / "local" / "data" / ".flamecare-workflow").iterdir()
    for stage in ("create", "patches"):
        assert sorted(p.name for p in state.glob(f"{stage}.shard*.done")) == [
            f"{stage}.shard{k}of{SHARDS}.done" for k in range(1, SHARDS + 1)]
    # The markers say what is done: a second run starts nothing and makes no second dataset.
    again = snakemake(base, config, cli, "--cores", 2)
    assert "Nothing to be done" in again.stdout + again.stderr
    assert len(list((base / "local" / "datasets").glob("*.json"))) == 1


def stopped(command, under):
    """Pids of stopped (SIGSTOP) flamecare `command` processes whose arguments lie under `under`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue
        if state == "T" and command.encode() in args and any(
                a.startswith(str(under).encode()) for a in args):
            pids.append(int(entry.name))
    return pids


def test_workflow_resumes_after_a_killed_shard(base, cli):
    """A create shard killed mid-run (after summing, before its state) fails the run and leaves
    no dataset; snakemake run again does the rest and gives the single run's outputs."""
    config = write_config(base, "resume")
    env = dict(os.environ, FLAMECARE_TEST_STOP_AT="create-shard:summed")
    proc = subprocess.Popen(snakemake_cmd(config, cli, "--cores", 2), cwd=base, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed = []
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            for pid in stopped("create-shard", base / "resume"):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
        out = proc.communicate()[0]
    assert killed and proc.returncode != 0, out
    assert "Error in rule create_shard" in out
    assert not list((base / "resume" / "datasets").glob("*.json"))
    snakemake(base, config, cli, "--cores", 2)
    assert_same_outputs(base / "single", base / "resume")


def test_workflow_config_errors(base, cli, tmp_path):
    missing = tmp_path / "missing.yaml"
    missing.write_text(write_config(base, "bad").read_text().replace(f"shards: {SHARDS}\n", ""))
    proc = snakemake(base, missing, cli, "--cores", 1, "-n", expect_ok=False)
    assert proc.returncode != 0
    assert "workflow config: missing key(s) shards" in proc.stdout + proc.stderr
    typo = write_config(base, "bad", patch_sise=16)
    proc = snakemake(base, typo, cli, "--cores", 1, "-n", expect_ok=False)
    assert proc.returncode != 0
    assert "workflow config: unknown key(s) patch_sise" in proc.stdout + proc.stderr
    zero = write_config(base, "bad", shards=0)
    proc = snakemake(base, zero, cli, "--cores", 1, "-n", expect_ok=False)
    assert "workflow config: shards must be at least 1 (got 0)" in proc.stdout + proc.stderr
    assert not (base / "bad").exists()
    # A step that fails reports flamecare's own message; nothing after it runs.
    no_root = write_config(base, "bad", raw_root="no-such-root")
    proc = snakemake(base, no_root, cli, "--cores", 1, expect_ok=False)
    assert proc.returncode != 0
    assert (f"flamecare: {base / 'no-such-root'}: raw root is not an existing directory"
            in proc.stdout + proc.stderr)
    assert not list((base / "bad" / "data" / ".flamecare-workflow").glob("*/*.plan"))


@pytest.fixture
def slurm(tmp_path_factory):
    """A one-node Slurm cluster for one test, stopped afterwards whatever happens."""
    required = os.environ.get("FLAMECARE_REQUIRE_SLURM") == "1"

    def unavailable(reason):
        if required:
            pytest.fail(f"FLAMECARE_REQUIRE_SLURM=1 but {reason}")
        pytest.skip(reason)

    if missing_tools():
        unavailable(f"Slurm not installed ({', '.join(missing_tools())} missing): "
                    "scripts/install-deps.sh installs slurm-wlm and munge")
    if os.geteuid() != 0:
        unavailable("starting slurmctld and slurmd (SlurmUser=root) needs root")
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    try:
        cluster.start(timeout=60)
    except SlurmUnavailable as e:
        cluster.stop()
        unavailable(f"one-node Slurm cluster cannot start here: {e}")
    try:
        yield cluster
    finally:
        cluster.stop()


def test_workflow_slurm_matches_single_run(base, cli, slurm):
    config = write_config(base, "slurm")
    # The profile as it is, with the test's partition. squeue tells when jobs end (the cluster
    # has no accounting database for sacct; finished jobs stay in squeue for MinJobAge = 600 s),
    # first asked 12 s after a submission (a job here takes 6-10 s; the plugin then waits 10 s
    # more for each further query).
    env = dict(slurm.env, PATH=f"{Path(sys.executable).parent}:{slurm.env['PATH']}")
    snakemake(base, config, cli, "--profile", PROFILE,
              "--default-resources", f"slurm_partition={slurm.partition}",
              "--slurm-status-command", "squeue",
              "--slurm-init-seconds-before-status-checks", 12, env=env)
    assert_same_outputs(base / "single", base / "slurm")
    # Every step ran as a Slurm job on the test's partition, with the profile's cores, memory and
    # time limit for its rule (the plugin puts the rule's name in the job's comment).
    rows = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%k|%T|%P|%C|%m|%l"],
                          env=slurm.env, capture_output=True, text=True, check=True).stdout.split()
    wanted = yaml.safe_load((PROFILE / "config.yaml").read_text())["set-resources"]
    ran = []
    for row in rows:
        comment, state, partition, cpus, mem, limit = row.split("|")
        [rule] = [r for r in wanted if re.match(rf"rule_{r}(_|$)", comment)]
        ran.append(rule)
        want = wanted[rule]
        assert (state, partition) == ("COMPLETED", slurm.partition), row
        assert (int(cpus), mem) == (want["cpus_per_task"], f"{want['mem_mb']}M"), row
        h, m = divmod(want["runtime"], 60)
        assert limit == (f"{h}:{m:02d}:00" if h else f"{m}:00"), row
    assert sorted(ran) == sorted(["index", "create_plan", "create_merge", "patches_plan",
                                  "patches_merge"] + ["create_shard", "patches_shard"] * SHARDS)
