"""Cell-layer speed: compile time of the cell model and one 24 h simulation after compile.

Target (issue 2): <= 20 ms per 24 h cell simulation on one core after compile; the
mechanism explorer on the roadmap needs well under 100 ms.
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def run() -> dict[str, dict[str, object]]:
    import roadrunner

    from xposim.biology.cell import build_cell_model
    from xposim.engine import Set, Simulator
    from xposim.experiments.exposure import untreated_state
    from xposim.presets.cell_lines import get_cell_line

    model = build_cell_model(get_cell_line("myeloma"))
    sbml = model.sbml
    t0 = time.perf_counter()
    roadrunner.RoadRunner(sbml)
    compile_s = time.perf_counter() - t0

    sim = Simulator(model)
    state = dict(untreated_state("myeloma"))
    hourly = np.arange(0.0, 24.0 + 1e-9, 1.0)
    fine = np.arange(0.0, 24.0 + 1e-9, 0.25)
    events = [Set(0.0, "drug_ext", 100.0)]
    outputs = ["occupancy", "p53_nuclear_fraction", "p21_nuclear_fraction"]

    def timed(times: np.ndarray, outs: list[str] | None, n: int = 50) -> float:
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            sim.run(times, initial=state, events=events, outputs=outs)
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    washout = [Set(0.0, "drug_ext", 100.0), Set(8.0, "drug_ext", 0.0)]
    samples = []
    for _ in range(50):
        t = time.perf_counter()
        sim.run(fine, initial=state, events=washout)
        samples.append(time.perf_counter() - t)
    return {
        "cell_compile_s": {"value": compile_s, "unit": "s",
                           "note": f"libRoadRunner compile of the myeloma cell model "
                                   f"({len(model.species)} species, {len(model.reactions)} "
                                   "reactions)"},
        "cell_24h_hourly_3_outputs_ms": {"value": 1e3 * timed(hourly, outputs), "unit": "ms",
                                         "target": "<= 20 ms"},
        "cell_24h_15min_all_outputs_ms": {"value": 1e3 * timed(fine, None), "unit": "ms",
                                          "target": "<= 20 ms"},
        "cell_24h_washout_15min_all_outputs_ms": {"value": 1e3 * statistics.median(samples),
                                                  "unit": "ms", "target": "<= 20 ms"},
    }
