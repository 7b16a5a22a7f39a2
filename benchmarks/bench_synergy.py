"""Dose-response and synergy speed: one 4PL fit (27 wells) and a full synergy summary
(Bliss, HSA, Loewe, ZIP, CI) on a 6x6 and a 10x10 grid."""

from __future__ import annotations

import time

import numpy as np

from xposim.analysis.doseresponse import fit_hill, hill_curve
from xposim.analysis.synergy import CombinationGrid, summary


def _grid(n: int) -> CombinationGrid:
    ca = np.concatenate([[0.0], np.geomspace(5.0, 640.0, n - 1)])
    cb = np.concatenate([[0.0], np.geomspace(1.0, 128.0, n - 1)])
    a, b = np.meshgrid(ca, cb, indexing="ij")
    eb = hill_curve(b, ic50_nM=8.0, hill=1.0, kind="inhibition")
    u = (a * (1 + b / 8.0) / 40.0) ** 1.5
    rng = np.random.default_rng(0)
    e = eb + (1 - eb) * u / (1 + u) + rng.normal(0.0, 0.02, a.shape)
    return CombinationGrid(("selinexor", "dexamethasone"), ca, cb, e)


def _time(fn, reps: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def run() -> dict[str, dict]:
    conc = np.repeat([0.0, 1, 3, 10, 30, 100, 300, 1000, 3000], 3)
    y = hill_curve(conc, ic50_nM=42.0, hill=1.3) + np.random.default_rng(1).normal(
        0.0, 0.05, conc.size)
    fit_ms = _time(lambda: fit_hill(conc, y), 50) * 1e3
    g6, g10 = _grid(6), _grid(10)
    s6 = _time(lambda: summary(g6), 5)
    s10 = _time(lambda: summary(g10), 3)
    return {
        "fit_hill_ms": {"value": fit_ms, "unit": "ms", "target": "< 50 ms",
                        "note": "4 free parameters, 27 wells"},
        "summary_6x6_s": {"value": s6, "unit": "s", "target": "< 1 s"},
        "summary_10x10_s": {"value": s10, "unit": "s", "target": "< 3 s"},
    }
