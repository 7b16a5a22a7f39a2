"""The command line's promises that have a clock: a bad destination is refused before any
work (issue 10: ``xposim pk --regimen ... --out EXISTING_FILE`` must exit 2 in < 2 s; it
used to simulate first and then fail with a traceback), and an interrupt ends a run
promptly.

Wall time of fresh processes (median of repeated runs).
"""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 9


def _refuse_bad_out(exe: str, folder: Path) -> float:
    taken = folder / "taken"
    taken.write_text("hi\n")
    t = time.perf_counter()
    proc = subprocess.run([exe, "pk", "--regimen", "selinexor 80 mg PO once", "--out",
                           str(taken)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 2:
        raise SystemExit(f"expected exit 2, got {proc.returncode}: {proc.stderr}")
    return wall


def _interrupt(exe: str, folder: Path) -> float:
    """Seconds from SIGINT to the process's exit, during a population PK run."""
    # the child starts with default SIGINT: a benchmark launched in the background (SIGINT
    # ignored, inherited) would otherwise run the command to its end
    proc = subprocess.Popen([exe, "pk", "--regimen", "label:selinexor-dex", "--n", "5000",
                             "--quiet", "--out", str(folder / "run")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while not any(".partial-" in p.name for p in folder.iterdir()):
        time.sleep(0.02)
    time.sleep(2.0)  # well into the simulation
    t = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    code = proc.wait()
    if code != 130:
        raise SystemExit(f"expected exit 130, got {code}")
    return time.perf_counter() - t


def run() -> dict[str, dict[str, object]]:
    exe = str(Path(sys.executable).with_name("xposim"))
    with tempfile.TemporaryDirectory() as tmp:
        refuse = [_refuse_bad_out(exe, Path(tmp)) for _ in range(RUNS)]
    with tempfile.TemporaryDirectory() as tmp:
        stop = [_interrupt(exe, Path(tmp)) for _ in range(3)]
    return {
        "refuse_bad_out_wall_s": {"value": statistics.median(refuse), "unit": "s",
                                  "target": "< 2",
                                  "note": f"median of {RUNS} runs of `xposim pk --out "
                                          "EXISTING_FILE` (exit 2, before any simulation)"},
        "sigint_to_exit_s": {"value": statistics.median(stop), "unit": "s",
                             "note": "SIGINT during `xposim pk --n 5000` to exit 130 "
                                     "(median of 3), temporaries removed"},
    }
