"""Run code of this checkout and of a baseline commit side by side, in child processes.

A helper of bench_pk.py and bench_nm.py (not a benchmark itself: run.py only collects
bench_*.py). The baseline is the source tree of ``BASELINE_COMMIT`` (``git archive``),
put first on the child's ``sys.path``; the child reports its own wall time, CPU time
(user + system) and peak resident memory (``ru_maxrss``), so each number belongs to one
run. On a shared machine compare CPU times; wall times include waiting for a core.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The code before issue 12's scale work (main when the nm-conformance branch started).
BASELINE_COMMIT = os.environ.get("XPOSIM_BASELINE_COMMIT", "e8b69d1")

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
g = {"__name__": "__bench__"}
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), g)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print("BENCH " + json.dumps({"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime,
                             "peak_mb": ru.ru_maxrss / 1024, "result": g.get("RESULT")}))
"""


def baseline_tree(dest: Path) -> Path:
    """The baseline commit's files under ``dest`` (extracted once)."""
    tree = dest / f"xposim-{BASELINE_COMMIT}"
    if not (tree / "xposim" / "__init__.py").is_file():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_COMMIT],
                                 check=True, capture_output=True).stdout
        with tempfile.TemporaryFile() as fh:
            fh.write(archive)
            fh.seek(0)
            with tarfile.open(fileobj=fh) as tar:
                tar.extractall(tree, filter="data")
    return tree


def run_child(script: str, *, tree: Path | None = None, timeout: float = 3600.0
              ) -> dict[str, object]:
    """Run ``script`` (Python source) in a fresh interpreter, with ``tree`` (a source
    tree) first on its path, or this checkout; return its wall/CPU time (s), peak memory
    (MB) and ``result``: whatever the script left in a global ``RESULT``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_child.py"
        path.write_text(script, encoding="utf-8")
        env = dict(os.environ)
        src = str(tree) if tree is not None else str(ROOT)
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
        env["MPLBACKEND"] = "Agg"
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=tmp, env=env,
                              capture_output=True, text=True, timeout=timeout)
        line = [x for x in proc.stdout.splitlines() if x.startswith("BENCH ")]
        if proc.returncode != 0 or not line:
            raise RuntimeError(f"benchmark child failed ({proc.returncode}): "
                               f"{proc.stderr[-2000:]}")
        return json.loads(line[-1].removeprefix("BENCH "))


def cli_script(argv: list[str]) -> str:
    """Child source running ``xposim ARGV`` (exit code 0 required)."""
    return ("from xposim.cli import main\n"
            "try:\n"
            f"    main({argv!r})\n"
            "except SystemExit as exc:\n"
            "    if exc.code:\n"
            "        raise\n")
