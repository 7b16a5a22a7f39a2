"""PK speed: one typical-subject 21-day simulation after compile, and 1,000 subjects.

Selinexor 80 mg on days 1 and 3 of each week for 3 weeks, hourly output (505 times).
"""

from __future__ import annotations

import time

import numpy as np

from xposim.engine import Bolus, Simulator
from xposim.pharmacology.pk import pk_model
from xposim.pharmacology.pk.population import repeated_doses, simulate_population

DOSE_TIMES_H = [0, 48, 168, 216, 336, 384]
TIMES_H = np.arange(0.0, 504.0 + 1e-9, 1.0)


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
    subject_years = 1000 * 21 / 365.25
    return {
        "compile_s": {"value": compile_s, "unit": "s", "note": "selinexor PK model, "
                      "libRoadRunner"},
        "typical_21d_ms": {"value": typical_ms, "unit": "ms", "target": "< 20 ms",
                           "note": "one subject, 6 doses, 505 hourly outputs"},
        "population_1000_s": {"value": pop_s, "unit": "s", "target": "< 30 s",
                              "note": "1,000 subjects x 21 days, tidy frame with residual "
                                      "error (one process)"},
        "subject_years_per_s": {"value": subject_years / pop_s, "unit": "subject-years/s",
                                "note": "population run incl. tidy-table building"},
    }


if __name__ == "__main__":
    for k, v in run().items():
        print(k, v)
