"""PK speed and memory.

In-process: one typical-subject 21-day simulation after compile, and 1,000 subjects
through the engine and in closed form (selinexor 80 mg on days 1 and 3 of each week for
3 weeks, hourly output, 505 times).

Side by side with the code before the scale work (``baseline.BASELINE_COMMIT``), each in
its own process: ``xposim pk --regimen "selinexor 80 mg PO days 1,3 weekly x 4 weeks"
--n 1000 --out DIR`` end to end (issue 12: 47 s and 3.9 GB before; targets >= 4x faster,
<= 1 GB). And a 10,000-subject, one-year run with daily output (target <= 2 GB peak).
CPU time (user + system of the process) is the fair comparison on a shared machine;
wall time is reported too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import BASELINE_COMMIT, baseline_tree, cli_script, run_child

from xposim.engine import Bolus, Simulator
from xposim.pharmacology.pk import pk_model
from xposim.pharmacology.pk.population import (
    repeated_doses,
    simulate_population,
)

DOSE_TIMES_H = [0, 48, 168, 216, 336, 384]
TIMES_H = np.arange(0.0, 504.0 + 1e-9, 1.0)
CLI_1000 = ["pk", "--regimen", "selinexor 80 mg PO days 1,3 weekly x 4 weeks", "--n", "1000"]
CLI_YEAR = ["pk", "--regimen", "selinexor 80 mg PO days 1,3 weekly", "--n", "10000",
            "--hours", "8760", "--obs-every", "1d"]


def run() -> dict[str, dict]:
    pk = pk_model("selinexor")
    t0 = time.perf_counter()
    sim = Simulator(pk.model)
    compile_s = time.perf_counter() - t0
    events = [Bolus(t, "sel_depot", 80.0) for t in DOSE_TIMES_H]
    sim.run(TIMES_H, events=events, outputs=[pk.concentration])  # warm-up
    reps = 50
    t0 = time.perf_counter()
    for _ in range(reps):
        sim.run(TIMES_H, events=events, outputs=[pk.concentration])
    typical_ms = (time.perf_counter() - t0) / reps * 1e3
    doses = repeated_doses("selinexor", 80.0, times_h=DOSE_TIMES_H)
    t0 = time.perf_counter()
    res = simulate_population(pk, doses, n=1000, seed=1, times_h=TIMES_H, simulator=sim)
    pop_s = time.perf_counter() - t0
    assert res.subjects.shape[0] == 1000
    t0 = time.perf_counter()
    closed = simulate_population(pk, doses, n=1000, seed=1, times_h=TIMES_H)
    closed_s = time.perf_counter() - t0
    var = closed.concentration_variable
    diff = float(np.max(np.abs(closed.values[var] - res.values[var]))
                 / np.max(res.values[var]))
    subject_years = 1000 * 21 / 365.25
    out = {
        "compile_s": {"value": compile_s, "unit": "s", "note": "selinexor PK model, "
                      "libRoadRunner"},
        "typical_21d_ms": {"value": typical_ms, "unit": "ms", "target": "< 20 ms",
                           "note": "one subject, 6 doses, 505 hourly outputs"},
        "population_1000_s": {"value": pop_s, "unit": "s", "target": "< 30 s",
                              "note": "1,000 subjects x 21 days through the engine "
                                      "(simulator given), residual error, one process"},
        "population_1000_closed_form_s": {
            "value": closed_s, "unit": "s",
            "note": "the same population in closed form (the default for a linear model); "
                    f"max difference from the engine {diff:.1e} of the peak"},
        "subject_years_per_s": {"value": subject_years / closed_s, "unit": "subject-years/s",
                                "note": "closed-form population run"},
    }
    out.update(side_by_side())
    return out


def side_by_side() -> dict[str, dict]:
    """The CLI end to end, old code and new, and the one-year population (new)."""
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = baseline_tree(Path(tmp))
        new = run_child(cli_script([*CLI_1000, "--out", f"{tmp}/new"]))
        old = run_child(cli_script([*CLI_1000, "--out", f"{tmp}/old"]), tree=old_tree)
        year = run_child(cli_script([*CLI_YEAR, "--out", f"{tmp}/year"]))
    note = " ".join(CLI_1000) + " --out DIR, end to end in its own process"
    return {
        "cli_1000_new_cpu_s": {"value": new["cpu_s"], "unit": "s", "note": note},
        "cli_1000_new_wall_s": {"value": new["wall_s"], "unit": "s", "note": note},
        "cli_1000_new_peak_mb": {"value": new["peak_mb"], "unit": "MB",
                                 "target": "<= 1024 MB", "note": note},
        "cli_1000_old_cpu_s": {"value": old["cpu_s"], "unit": "s",
                               "note": f"{note}; code of {BASELINE_COMMIT}"},
        "cli_1000_old_wall_s": {"value": old["wall_s"], "unit": "s",
                                "note": f"{note}; code of {BASELINE_COMMIT}"},
        "cli_1000_old_peak_mb": {"value": old["peak_mb"], "unit": "MB",
                                 "note": f"{note}; code of {BASELINE_COMMIT}"},
        "cli_1000_speedup_cpu": {"value": old["cpu_s"] / new["cpu_s"], "unit": "x",
                                 "target": ">= 4", "note": "old CPU time / new CPU time, "
                                 "measured in the same benchmark run"},
        "cli_1000_speedup_wall": {"value": old["wall_s"] / new["wall_s"], "unit": "x",
                                  "target": ">= 4", "note": "old wall time / new wall time "
                                  "(noisy on a shared machine)"},
        "cli_10000_1y_daily_peak_mb": {"value": year["peak_mb"], "unit": "MB",
                                       "target": "<= 2048 MB",
                                       "note": " ".join(CLI_YEAR) + " --out DIR"},
        "cli_10000_1y_daily_cpu_s": {"value": year["cpu_s"], "unit": "s",
                                     "note": " ".join(CLI_YEAR) + " --out DIR"},
        "cli_10000_1y_daily_wall_s": {"value": year["wall_s"], "unit": "s",
                                      "note": " ".join(CLI_YEAR) + " --out DIR"},
    }


if __name__ == "__main__":
    for k, v in run().items():
        print(k, v)
