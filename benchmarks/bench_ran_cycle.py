"""Detailed Ran-cycle reference model: compile time, one steady state, and the agreement
sweep (detailed + reduced models over the seven inactivation levels of issue 2).

No speed target: the detailed model is a reference for tests and derivations, never run
inside trials (the reduced law is). The numbers show what a derivation costs.
"""

from __future__ import annotations

import statistics
import time


def run() -> dict[str, dict[str, object]]:
    import roadrunner

    from xposim.biology.ran_cycle import (
        ReferenceModels,
        agreement_table,
        detailed_fractions,
        reduced_fractions,
        steady_state,
    )
    from xposim.engine import Simulator

    models = ReferenceModels.build()
    t0 = time.perf_counter()
    roadrunner.RoadRunner(models.detailed.sbml)
    compile_s = time.perf_counter() - t0

    sim = Simulator(models.detailed)
    steady_state(sim, {"f_inact": 0.5})  # warm
    samples = []
    for _ in range(10):
        t = time.perf_counter()
        steady_state(sim, {"f_inact": 0.5})
        samples.append(time.perf_counter() - t)

    t = time.perf_counter()
    table = agreement_table(detailed_fractions(models=models),
                            reduced_fractions(models=models))
    sweep_s = time.perf_counter() - t
    return {
        "ran_cycle_compile_s": {"value": compile_s, "unit": "s",
                                "note": f"{len(models.detailed.species)} species, "
                                        f"{len(models.detailed.reactions)} reactions"},
        "ran_cycle_steady_state_ms": {"value": 1e3 * statistics.median(samples), "unit": "ms",
                                      "note": "integration to steady state from the default "
                                              "start, f_inact = 0.5"},
        "ran_cycle_agreement_sweep_s": {"value": sweep_s, "unit": "s",
                                        "note": "7 inactivation levels, both models"},
        "ran_cycle_worst_difference_to_95pct": {
            "value": float(table[table.f_inact <= 0.95].difference.abs().max()),
            "unit": "nuclear fraction", "target": "<= 0.025"},
    }
