"""Start-up of the command line: ``xposim --help`` in a fresh interpreter.

Wall time and peak RSS of the process (median of repeated runs), and how many modules it
imports. Before issue 9 it imported the whole library (pandas, SciPy, libRoadRunner, the
pint registry): 1.57 s, 234 MB and 1515 modules on this machine (median of 15 runs).
Which modules --help may not import is checked by tests/test_startup.py; this records
the cost.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

RUNS = 15

# Runs in a small helper interpreter: a forked child's peak RSS starts at its parent's
# (the benchmark runner holds hundreds of MB by the time this runs).
_MEASURE = """
import json, os, subprocess, sys, time
out = []
for _ in range(int(sys.argv[1])):
    t = time.perf_counter()
    proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{sys.argv[2:]} failed")
    out.append((time.perf_counter() - t, usage.ru_maxrss / 1024))  # Linux: KiB -> MiB
print(json.dumps(out))
"""


def _measure(argv: list[str]) -> list[tuple[float, float]]:
    """(wall s, peak RSS MB) of RUNS fresh processes running ``argv``."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(RUNS), *argv],
                          capture_output=True, text=True, check=True)
    return [tuple(x) for x in json.loads(proc.stdout)]


def run() -> dict[str, dict[str, object]]:
    exe = str(Path(sys.executable).with_name("xposim"))
    samples = _measure([exe, "--help"])
    bare = [w for w, _ in _measure([sys.executable, "-c", "import typer"])]
    count = subprocess.run(
        [sys.executable, "-c", "import sys; from xposim.cli import main\n"
         "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
         "print(len(sys.modules), file=sys.stderr)"],
        capture_output=True, text=True, check=True)
    return {
        "help_wall_s": {"value": statistics.median(w for w, _ in samples), "unit": "s",
                        "note": f"median of {RUNS} runs of `xposim --help`; "
                                "1.57 s before issue 9"},
        "help_peak_rss_mb": {"value": statistics.median(m for _, m in samples), "unit": "MB",
                             "note": "234 MB before issue 9"},
        "help_modules_imported": {"value": int(count.stderr.strip().splitlines()[-1]),
                                  "unit": "modules", "note": "1515 before issue 9"},
        "python_typer_import_s": {"value": statistics.median(bare), "unit": "s",
                                  "note": "floor: a bare interpreter importing typer"},
    }
