"""Cell-fate speed: one 72 h viability point, a 10-point IC50 curve with its Hill fit, and
the first-use cost of a preset (steady state + parameters; presets share one compile).

Target (issue 4): a 72 h viability point in milliseconds, so combination grids are cheap.
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def run() -> dict[str, dict[str, object]]:
    from xposim.experiments.dose_response import DoseResponse, run_dose_response
    from xposim.experiments.viability import viability, viability_curve

    t0 = time.perf_counter()
    viability("MM.1S", {"selinexor": 100.0})
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    viability("U266", {"selinexor": 100.0})
    second_preset_s = time.perf_counter() - t0

    def median(f, n: int = 20) -> float:
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            f()
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    point = median(lambda: viability("MM.1S", {"selinexor": 100.0}))
    conc = np.logspace(0, 4, 10)
    curve = median(lambda: viability_curve("MM.1S", "selinexor", conc), n=5)
    fit = median(lambda: run_dose_response(DoseResponse("MM.1S")), n=5)
    return {
        "fate_first_use_s": {"value": first_s, "unit": "s",
                             "note": "compile of the core and fate models, steady "
                                     "state, first run (imports excluded)"},
        "fate_new_preset_s": {"value": second_preset_s, "unit": "s",
                              "note": "another preset (shares the compiled model)"},
        "viability_72h_point_ms": {"value": 1e3 * point, "unit": "ms",
                                   "target": "<= 30 ms"},
        "viability_curve_10pt_ms": {"value": 1e3 * curve, "unit": "ms"},
        "ic50_experiment_ms": {"value": 1e3 * fit, "unit": "ms",
                               "note": "control + 9 concentrations, 72 h, 4PL fit with CI"},
    }
