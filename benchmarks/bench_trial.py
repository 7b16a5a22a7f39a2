"""Trial runner speed and memory.

Today (no patient model yet, issue 13) this measures the runner's *own* cost with the test
double (tests/trial_double.py, a toy stand-in, never a model), so the model's cost can be
isolated later: per-subject overhead outside ``simulate`` (population draw, patient,
flattening, tables), Parquet write per chunk, memory of one chunk's tables, and the
2-process speed-up of the runner on the double.

The keys the patient model fills are reserved (value NaN until it lands):
``subject_years_per_second_per_core`` (STORM arm, full clinical model, target >= 20),
``bare_engine_subject_years_per_second_per_core`` (a bare libRoadRunner loop over the same
SBML and output times; xposim <= 1.2x its time per subject),
``seconds_10000_subject_year_2_workers``, ``peak_memory_gb_10000_subject_year`` (<= 2),
``speedup_2_workers`` (>= 1.7).
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

NAN = float("nan")
PENDING = "pending: filled when the patient model lands (issue 13)"


def _overhead(n: int = 100) -> dict[str, float]:
    from trial_double import make_double

    from xposim.trials.protocol import load_protocol
    from xposim.trials.run import Chunk, ChunkTask, make_patient, simulate_chunk
    from xposim.trials.store import RunFolder

    proto = load_protocol("storm")
    double = make_double()
    plan = proto.arm_plan("Xd")
    from xposim.trials import run as run_mod

    task = ChunkTask(double.recipe, proto.text, proto.where, (), 1, Chunk("Xd", 0, 0, n))
    t0 = time.perf_counter()
    patients = [make_patient(proto, "Xd", i, 1)[0] for i in range(n)]
    draw_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    outcomes = {p.subject_id: double.simulate(p, plan, seed=1) for p in patients}
    model_s = time.perf_counter() - t0

    class Replay:  # returns the precomputed outcomes: the chunk time is the runner's own
        def simulate(self, patient, arm, *, seed):
            return outcomes[patient.subject_id]

    run_mod._WORKER_CACHE["sim:" + double.recipe.key()] = Replay()
    simulate_chunk(ChunkTask(double.recipe, proto.text, proto.where, (), 1,
                             Chunk("Xd", 0, 0, 2)))  # warm the protocol cache
    t0 = time.perf_counter()
    tables = simulate_chunk(task)
    chunk_s = time.perf_counter() - t0
    run_mod._WORKER_CACHE.clear()
    tmp = Path(tempfile.mkdtemp())
    try:
        folder = RunFolder(tmp, {})
        t0 = time.perf_counter()
        folder.write_chunk("Xd", 0, tables)
        write_s = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    mem = sum(t.memory_usage(deep=True).sum() for t in tables.values())
    return {            "per_subject_model_ms": model_s / n * 1e3,
            "per_subject_draw_ms": draw_s / n * 1e3,
            "per_subject_overhead_ms": chunk_s / n * 1e3,
            "chunk_write_ms_per_subject": write_s / n * 1e3,
            "chunk_memory_kb_per_subject": mem / n / 1e3}


def _speedup(n: int = 120) -> tuple[float, float, float]:
    from trial_double import make_double

    from xposim.trials.run import run_trial

    tmp = Path(tempfile.mkdtemp())
    try:
        t0 = time.perf_counter()
        run_trial("storm", n=n, seed=1, out=tmp / "s", simulator=make_double(), chunk_size=10)
        serial = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_trial("storm", n=n, seed=1, out=tmp / "p", simulator=make_double(), chunk_size=10,
                  backend="processes", workers=2)
        two = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return serial, two, serial / two


def run() -> dict[str, dict]:
    o = _overhead()
    serial, two, speedup = _speedup()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB -> GB (Linux)
    note = "test double (tests/trial_double.py) standing in for the patient model"
    out = {
        "subject_years_per_second_per_core": {"value": NAN, "unit": "subject-years/s",
                                              "target": ">= 20", "note": PENDING},
        "bare_engine_subject_years_per_second_per_core": {"value": NAN,
                                                          "unit": "subject-years/s",
                                                          "note": PENDING},
        "seconds_10000_subject_year_2_workers": {"value": NAN, "unit": "s", "note": PENDING},
        "peak_memory_gb_10000_subject_year": {"value": NAN, "unit": "GB", "target": "<= 2",
                                              "note": PENDING},
        "speedup_2_workers": {"value": NAN, "unit": "x", "target": ">= 1.7", "note": PENDING},
        "runner_overhead_ms_per_subject": {
            "value": o["per_subject_overhead_ms"], "unit": "ms",
            "note": f"simulate_chunk with precomputed outcomes, STORM arm, 1 year, chunk of "
                    f"100; {note}; "
                    f"of which population draw {o['per_subject_draw_ms']:.3g} ms"},
        "double_model_ms_per_subject": {"value": o["per_subject_model_ms"], "unit": "ms",
                                        "note": note},
        "chunk_write_ms_per_subject": {"value": o["chunk_write_ms_per_subject"], "unit": "ms",
                                       "note": "4 Parquet tables, chunk of 100 subjects"},
        "chunk_memory_kb_per_subject": {"value": o["chunk_memory_kb_per_subject"], "unit": "kB",
                                        "note": "in-memory tables of one chunk (deep)"},
        "double_serial_seconds_120_subjects": {"value": serial, "unit": "s", "note": note},
        "double_2_process_seconds_120_subjects": {"value": two, "unit": "s",
                                                  "note": note + "; includes spawning"},
        "double_speedup_2_processes": {"value": speedup, "unit": "x",
                                       "note": "runner parallel efficiency on the double "
                                               "(worker start-up dominates at this size)"},
        "peak_rss_gb_benchmark_process": {"value": peak, "unit": "GB", "note": note},
    }
    return out


if __name__ == "__main__":
    for k, v in run().items():
        print(f"{k}: {v['value']:.4g} {v['unit']}")
