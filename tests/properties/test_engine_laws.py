"""Laws the engine must obey for any event schedule (Hypothesis).

XPOSIM_HYPOTHESIS_EXAMPLES raises the number of examples (25 in CI; `make validate`
runs more).
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from xposim.engine import Bolus, Set, Simulator
from xposim.model import Compartment, Module, Parameter, Reaction, Species, compose
from xposim.testing import assert_results_allclose

MODEL = compose(Module(
    name="oral1", compartments=[Compartment("body", 1.0, "L")],
    parameters=[Parameter("ka", 1.2, "1/h", "test value", "assumed"),
                Parameter("ke", 0.15, "1/h", "test value", "assumed")],
    species=[Species("gut", "body", 0.0, "mg", amount=True),
             Species("central", "body", 0.0, "mg", amount=True)],
    reactions=[Reaction("absorb", "ka * gut", {"gut": 1}, {"central": 1}),
               Reaction("elim", "ke * central", {"central": 1}, ())]), name="oral1")
KA, KE = 1.2, 0.15

doses = st.lists(st.tuples(st.floats(0.0, 48.0), st.floats(0.1, 100.0)), min_size=1,
                 max_size=6)
FAST = settings(max_examples=int(os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES", "25")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def closed_form(t: np.ndarray, schedule: list[tuple[float, float]]) -> np.ndarray:
    """Superposition of one-compartment oral bolus responses (Bateman function)."""
    out = np.zeros_like(t)
    for td, d in schedule:
        dt = np.clip(t - td, 0.0, None)
        out += np.where(t >= td, d * KA / (KA - KE) * (np.exp(-KE * dt) - np.exp(-KA * dt)),
                        0.0)
    return out


@FAST
@given(doses)
def test_any_dose_schedule_matches_superposition(schedule):
    t = np.linspace(0.0, 72.0, 37)
    res = Simulator(MODEL, rtol=1e-10, atol=1e-12).run(
        t, events=[Bolus(td, "gut", d) for td, d in schedule], outputs=["central"])
    np.testing.assert_allclose(res["central"], closed_form(t, schedule), rtol=1e-6,
                               atol=1e-8)


@FAST
@given(doses, st.floats(1.0, 71.0))
def test_splitting_a_run_and_restarting_from_its_state_changes_nothing(schedule, cut):
    t = np.linspace(0.0, 72.0, 73)
    sim = Simulator(MODEL, rtol=1e-10, atol=1e-12)
    events = [Bolus(td, "gut", d) for td, d in schedule]
    whole = sim.run(t, events=events)
    first = sim.run(np.concatenate([t[t < cut], [cut]]),
                    events=[e for e in events if e.time < cut])
    state = {n: first[n][-1] for n in ("gut", "central")}
    rest_t = np.concatenate([[cut], t[t > cut]])
    second = sim.run(rest_t, initial=state, events=[e for e in events if e.time >= cut])
    assert np.allclose(second["central"][1:], whole["central"][t > cut], rtol=1e-6,
                       atol=1e-8)


@FAST
@given(doses)
def test_backends_agree_on_any_schedule(schedule):
    t = np.linspace(0.0, 60.0, 31)
    events = [Bolus(td, "gut", d) for td, d in schedule] + [Set(30.0, "ke", 0.3)]
    a = Simulator(MODEL, rtol=1e-10, atol=1e-12).run(t, events=events)
    b = Simulator(MODEL, backend="scipy", rtol=1e-10, atol=1e-12).run(t, events=events)
    assert_results_allclose(a, b, rtol=1e-6, atol=1e-8)
