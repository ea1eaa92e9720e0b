"""`create` reads raw stacks in place through memory maps and installs a SIGBUS handler for the
stack it is reading (docs/ROBUSTNESS.md). In Python that handler must leave every other SIGBUS to
the handler that was there before (faulthandler here) or to the default action: a bus error of
the user's own mmap after `fc.create` still gives Python's fatal-error report and kills the
process, it is not swallowed.
"""
import signal
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import mmap, os, sys
    import flamecare as fc
    root = sys.argv[1]
    fc.synth(root + "/raw", images=2, size=64, frames=4, channels=1)
    fc.create(root + "/raw", datasets_dir=root + "/ds", out_dir=root + "/out",
              input_frames=1, gt_frames=4, seed=1)
    with open(root + "/f", "wb") as f:
        f.write(b"x" * 8192)
    with open(root + "/f", "rb") as f:
        m = mmap.mmap(f.fileno(), 8192, prot=mmap.PROT_READ)
    print("created", flush=True)
    os.truncate(root + "/f", 0)
    print(m[5000])
    print("survived", flush=True)
""")


def test_a_foreign_sigbus_after_create_still_reaches_faulthandler(tmp_path):
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", SCRIPT, str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert "created" in proc.stdout, proc.stderr
    assert "survived" not in proc.stdout
    assert proc.returncode == -signal.SIGBUS, (proc.returncode, proc.stderr[-2000:])
    assert "Fatal Python error: Bus error" in proc.stderr


def test_without_faulthandler_the_default_action_kills(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert "created" in proc.stdout, proc.stderr
    assert "survived" not in proc.stdout
    assert proc.returncode == -signal.SIGBUS, (proc.returncode, proc.stderr[-2000:])
