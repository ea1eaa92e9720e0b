"""A private one-node Slurm cluster on this machine, for tests/python/test_workflow.py.

Debian's slurm-wlm and munge (scripts/install-deps.sh), run as root: munged, slurmctld and slurmd
with a generated key, slurm.conf and free ports, everything (state, spool, logs, sockets) in one
private directory, so nothing of the machine's own configuration is read or changed. Clients
(sinfo, sbatch, squeue, srun) find the cluster through SLURM_CONF in `env`.

Processes are tracked by pid; `stop()` ends exactly the daemons `start()` started.
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

# How slurmd tracks and confines job processes. First what a real cluster uses (cgroups: processes
# tracked and memory limited to the job's --mem); where slurmd cannot manage cgroups (a container
# without a writable cgroup hierarchy) the fallback documented for such machines: the Linux process
# tree, no confinement, no cgroup accounting.
VARIANTS = {
    "cgroup": (["ProctrackType=proctrack/cgroup", "TaskPlugin=task/cgroup,task/affinity",
                "JobAcctGatherType=jobacct_gather/cgroup"],
               "CgroupPlugin=autodetect\nConstrainCores=yes\nConstrainRAMSpace=yes\n"),
    "linuxproc": (["ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
                   "JobAcctGatherType=jobacct_gather/none"],
                  "CgroupPlugin=autodetect\n"),
}
DAEMONS = ("munged", "slurmctld", "slurmd")


class SlurmUnavailable(Exception):
    """The cluster cannot run here; the message says exactly why (the daemon's own words)."""


CLIENTS = ("sinfo", "sbatch", "squeue", "srun", "scancel", "scontrol", "sacct")


def missing_tools():
    """The programs the cluster needs that are not installed (empty when all are)."""
    return [n for n in ("munged", "slurmctld", "slurmd", *CLIENTS)
            if shutil.which(n) is None and not os.access(f"/usr/sbin/{n}", os.X_OK)]


def _tool(name):
    return shutil.which(name) or f"/usr/sbin/{name}"


def _free_ports(count):
    """Ports free right now (bound then released together, so they are distinct)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _mem_total_mb():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    raise SlurmUnavailable("/proc/meminfo: no MemTotal line")


class SlurmCluster:
    """One node (this machine's hostname, 2 CPUs, most of its memory) in one partition."""

    def __init__(self, base, partition="fctest", cpus=2):
        self.base = Path(base)
        self.partition = partition
        self.cpus = cpus
        self.node = socket.gethostname()
        # slurmd drains a node whose configured memory exceeds what it finds: leave headroom.
        self.memory_mb = int(_mem_total_mb() * 0.9)
        self.procs = {}
        self.variant = None
        self.conf = self.base / "slurm.conf"
        self.munge_socket = self.base / "munge" / "munge.socket"
        # The job-step plugin (snakemake-executor-plugin-slurm-jobstep 0.6.1) removes every
        # SLURM_* variable but the job's identity before it calls srun inside a job, SLURM_CONF
        # too (a real cluster's nodes read /etc/slurm/slurm.conf instead): clients are reached
        # through wrappers on PATH that name this cluster's config.
        self.bin = self.base / "bin"
        self.env = dict(os.environ, SLURM_CONF=str(self.conf),
                        PATH=f"{self.bin}:{os.environ.get('PATH', '')}")

    def _write_config(self, variant):
        for sub in ("munge", "state", "spool", "log"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.base / "munge", 0o700)
        key = self.base / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        ctld_port, slurmd_port = _free_ports(2)
        b = self.base
        tracking, cgroup_conf = VARIANTS[variant]
        lines = [
            "ClusterName=flamecaretest",
            f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={slurmd_port}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            f"StateSaveLocation={b / 'state'}",
            f"SlurmdSpoolDir={b / 'spool'}",
            f"SlurmctldPidFile={b / 'slurmctld.pid'}",
            f"SlurmdPidFile={b / 'slurmd.pid'}",
            f"SlurmctldLogFile={b / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={b / 'log' / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            *tracking,
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "ReturnToService=2",
            # Finished jobs stay visible to squeue for 10 minutes: without accounting, squeue is
            # how the Slurm executor learns that a job ended.
            "MinJobAge=600",
            # Job cgroups are named by job id on the machine's one hierarchy: two test clusters
            # running at once must not both start at job 1.
            f"FirstJobId={random.randrange(1000, 60000000)}",
            "SchedulerParameters=sched_interval=1",
            "MessageTimeout=20",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} "
            f"RealMemory={self.memory_mb} State=UNKNOWN",
            f"PartitionName={self.partition} Nodes={self.node} Default=YES MaxTime=INFINITE "
            "State=UP",
        ]
        self.conf.write_text("\n".join(lines) + "\n")
        self.bin.mkdir(exist_ok=True)
        for name in CLIENTS:
            wrapper = self.bin / name
            wrapper.write_text(f"#!/bin/sh\nSLURM_CONF='{self.conf}' exec {shutil.which(name)} \"$@\"\n")
            wrapper.chmod(0o755)
        (b / "cgroup.conf").write_text(cgroup_conf)

    def _spawn(self, name, args):
        log = open(self.base / "log" / f"{name}.out", "wb")
        self.procs[name] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                            env=self.env, start_new_session=True)
        log.close()

    def _died(self, name):
        proc = self.procs[name]
        if proc.poll() is None:
            return None
        out = (self.base / "log" / f"{name}.out").read_text(errors="replace")
        logfile = self.base / "log" / f"{name}.log"
        if logfile.exists():
            out += logfile.read_text(errors="replace")
        tail = "\n".join(out.strip().splitlines()[-15:])
        return f"{name} exited with status {proc.returncode}:\n{tail}"

    def _wait(self, what, ready, timeout, watch):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in watch:
                why = self._died(name)
                if why:
                    raise SlurmUnavailable(why)
            if ready():
                return
            time.sleep(0.5)
        raise SlurmUnavailable(f"{what} not ready after {timeout} s; logs in {self.base / 'log'}")

    def _node_state(self):
        proc = subprocess.run(["sinfo", "-h", "-N", "-n", self.node, "-o", "%T"],
                              capture_output=True, text=True, env=self.env, timeout=30)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    def start(self, timeout=60):
        """Starts munged, slurmctld and slurmd and waits until the node is idle, with cgroups,
        else with the fallback; raises SlurmUnavailable with each attempt's daemon messages."""
        failures = []
        for variant in VARIANTS:
            try:
                self._start(variant, timeout)
                self.variant = variant
                return
            except SlurmUnavailable as e:
                failures.append(f"[{variant}] {e}")
                self.stop()
                for sub in ("state", "spool", "log"):
                    shutil.rmtree(self.base / sub, ignore_errors=True)
        raise SlurmUnavailable("\n".join(failures))

    def _start(self, variant, timeout):
        self._write_config(variant)
        m = self.base / "munge"
        self._spawn("munged", [_tool("munged"), "--foreground", "--force",
                               f"--socket={self.munge_socket}", f"--key-file={m / 'munge.key'}",
                               f"--pid-file={m / 'munged.pid'}", f"--log-file={m / 'munged.log'}",
                               f"--seed-file={m / 'munged.seed'}"])
        self._wait("munged", self.munge_socket.exists, timeout, ["munged"])
        self._spawn("slurmctld", [_tool("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._spawn("slurmd", [_tool("slurmd"), "-D", "-f", str(self.conf), "-N", self.node])
        self._wait(f"node {self.node} (sinfo)", lambda: self._node_state() == "idle",
                   timeout, DAEMONS)

    def logs(self):
        """The daemons' log tails, for a failure message."""
        out = []
        for f in sorted((self.base / "log").glob("*")):
            text = f.read_text(errors="replace").strip().splitlines()[-20:]
            out.append(f"--- {f.name}\n" + "\n".join(text))
        return "\n".join(out)

    def stop(self):
        """Ends the daemons this object started (SIGTERM, then SIGKILL), slurmd first."""
        for name in reversed(DAEMONS):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
