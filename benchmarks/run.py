"""Run every benchmarks/bench_*.py and write one machine-readable results file.

Each bench module exposes ``run() -> dict`` returning named measurements, each a dict
with at least ``value`` and ``unit`` (and optionally ``target`` and ``note``). Speed
targets are checked here, never by timed unit tests.

    python benchmarks/run.py --out benchmarks/results.json [--only NAME]

With ``--only`` the other benchmarks' results already in the output file are kept.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(HERE / "results.json"))
    parser.add_argument("--only", default=None, help="run only bench_<ONLY>.py")
    args = parser.parse_args()
    import xposim

    results: dict[str, object] = {
        "xposim_version": xposim.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "benchmarks": {},
    }
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if args.only and name != args.only:
            continue
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        t0 = time.perf_counter()
        print(f"[bench] {name} ...", flush=True)
        measured = module.run()
        results["benchmarks"][name] = measured  # type: ignore[index]
        for key, m in measured.items():
            target = f" (target {m['target']})" if "target" in m else ""
            print(f"  {key}: {m['value']:.4g} {m['unit']}{target}")
        print(f"  done in {time.perf_counter() - t0:.1f} s")
    out = Path(args.out)
    if args.only and out.exists():
        # one benchmark re-run: the others' results in the file are kept as they were
        previous = json.loads(out.read_text(encoding="utf-8"))
        merged = dict(previous.get("benchmarks", {}))
        merged.update(results["benchmarks"])  # type: ignore[arg-type]
        results["benchmarks"] = merged
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
